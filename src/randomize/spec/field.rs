//! The field catalogue: every randomizable field with its name, kernel code, target kind,
//! components, group and nominal value.

use crate::layout::randomize as codes;

/// What a field's targets name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// MJCF geoms.
    Geom,
    /// MJCF bodies.
    Body,
    /// MJCF joints.
    Joint,
    /// MJCF actuators.
    Actuator,
    /// MJCF lights.
    Light,
    /// Rendered cameras (MJCF cameras by name).
    Camera,
    /// Nothing: a setting of the whole world (targets left out, or `["*"]`).
    World,
}

/// When a field takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldGroup {
    /// Dynamics parameters (the Model).
    Physics,
    /// The state an episode starts from.
    Initial,
    /// What the renderer draws.
    Looks,
    /// Noise and latency on observations, images and actions.
    Noise,
}

macro_rules! fields {
    ($($variant:ident = $code:path, $name:literal, $kind:ident, $n:literal, $group:ident, $nominal:literal, $doc:literal;)*) => {
        /// The randomizable fields: a fixed vocabulary (README, "Domain randomization").
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $(#[doc = $doc] $variant,)*
        }

        impl Field {
            /// Every field, in application order.
            pub const ALL: &'static [Field] = &[$(Field::$variant,)*];

            /// The name used in specs and records (`geom.friction`).
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name,)* }
            }

            /// The code the kernels switch on (`layout::randomize::F_*`, its one source).
            pub fn code(self) -> u32 {
                match self { $(Field::$variant => $code,)* }
            }

            /// What the targets name.
            pub fn target_kind(self) -> TargetKind {
                match self { $(Field::$variant => TargetKind::$kind,)* }
            }

            /// Components of one value.
            pub fn components(self) -> usize {
                match self { $(Field::$variant => $n,)* }
            }

            /// When it takes effect.
            pub fn group(self) -> FieldGroup {
                match self { $(Field::$variant => FieldGroup::$group,)* }
            }

            /// Whether the nominal value is the scene's own (`false`: the fixed
            /// [`Field::fixed_nominal`], e.g. 1 for scales and 0 for noise).
            pub fn nominal_from_scene(self) -> bool {
                match self { $(Field::$variant => $nominal,)* }
            }
        }
    };
}

fields! {
    GeomFriction = codes::F_GEOM_FRICTION, "geom.friction", Geom, 1, Physics, true, "Sliding friction coefficient (MJCF `friction[0]`).";
    GeomSizeScale = codes::F_GEOM_SIZE_SCALE, "geom.size_scale", Geom, 1, Physics, false, "Scale of the geom's sizes (collision and rendering; the body's mass is kept). Nominal 1.";
    GeomRestitution = codes::F_GEOM_RESTITUTION, "geom.restitution", Geom, 1, Physics, true, "Coefficient of restitution (0: inelastic).";
    BodyMassScale = codes::F_BODY_MASS_SCALE, "body.mass_scale", Body, 1, Physics, false, "Scale of the mass and inertia of the body that moves (a jointed body, with the bodies welded to it). Nominal 1.";
    JointDamping = codes::F_JOINT_DAMPING, "joint.damping", Joint, 1, Physics, true, "Viscous damping, N·s/m or N·m·s/rad.";
    JointArmature = codes::F_JOINT_ARMATURE, "joint.armature", Joint, 1, Physics, true, "Rotor inertia of a hinge, kg·m² (added along the hinge axis to the principal moments).";
    ActuatorGain = codes::F_ACTUATOR_GAIN, "actuator.gain", Actuator, 1, Physics, true, "MuJoCo's gain: 1 for motors (force = gear · gain · ctrl), kp for position servos.";
    OptionGravity = codes::F_OPTION_GRAVITY, "option.gravity", World, 3, Physics, true, "Gravity, m/s².";
    OptionTimestep = codes::F_OPTION_TIMESTEP, "option.timestep", World, 1, Physics, true, "MJCF timestep, s (the control step and its substeps scale with it).";
    BodyPos = codes::F_BODY_POS, "body.pos", Body, 3, Initial, true, "Initial position of a free body's frame in the world, m.";
    BodyQuat = codes::F_BODY_QUAT, "body.quat", Body, 4, Initial, true, "Initial orientation of a free body (w, x, y, z; normalised after drawing).";
    JointQpos = codes::F_JOINT_QPOS, "joint.qpos", Joint, 1, Initial, true, "Initial position of a hinge (rad) or slide (m).";
    JointQvel = codes::F_JOINT_QVEL, "joint.qvel", Joint, 1, Initial, false, "Initial velocity of a hinge (rad/s) or slide (m/s). Nominal 0.";
    GeomRgba = codes::F_GEOM_RGBA, "geom.rgba", Geom, 4, Looks, true, "Colour, linear RGBA in [0, 1].";
    LightDir = codes::F_LIGHT_DIR, "light.dir", Light, 3, Looks, true, "Light direction in its body's frame (normalised).";
    LightDiffuse = codes::F_LIGHT_DIFFUSE, "light.diffuse", Light, 3, Looks, true, "Diffuse colour of a light.";
    CameraPos = codes::F_CAMERA_POS, "camera.pos", Camera, 3, Looks, true, "Camera position in its body's frame, m.";
    CameraFovy = codes::F_CAMERA_FOVY, "camera.fovy", Camera, 1, Looks, true, "Vertical field of view, degrees.";
    ObsNoiseStd = codes::F_OBS_NOISE_STD, "obs.noise_std", World, 1, Noise, false, "Standard deviation of Gaussian noise on every observation entry (fresh each step). Nominal 0.";
    DepthNoiseStd = codes::F_DEPTH_NOISE_STD, "depth.noise_std", World, 1, Noise, false, "Standard deviation of Gaussian noise on every depth pixel that sees a surface, m. Nominal 0.";
    ActionNoiseStd = codes::F_ACTION_NOISE_STD, "action.noise_std", World, 1, Noise, false, "Standard deviation of Gaussian noise on every control (fresh each step, before clamping). Nominal 0.";
    ActionLatency = codes::F_ACTION_LATENCY, "action.latency", World, 1, Noise, false, "Steps between an action and its effect (rounded to an integer, at most `MAX_LATENCY`). Nominal 0.";
}

impl Field {
    /// Looks a field up by name.
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The nominal value of fields whose nominal is not the scene's (scales 1, the rest 0).
    pub fn fixed_nominal(self) -> f32 {
        match self {
            Field::GeomSizeScale | Field::BodyMassScale => 1.0,
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{randomize::CONSTANTS, WgslValue};

    /// Every field has a prelude constant named after it (`geom.friction`:
    /// `F_GEOM_FRICTION`) whose value is its code, and no two fields share a code.
    #[test]
    fn every_field_has_its_prelude_constant() {
        for &field in Field::ALL {
            let name = format!("F_{}", field.name().replace('.', "_").to_uppercase());
            let value = CONSTANTS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
            assert!(
                matches!(value, Some(WgslValue::U32(c)) if c == field.code()),
                "{name}: {value:?}"
            );
        }
        let mut codes: Vec<u32> = Field::ALL.iter().map(|f| f.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Field::ALL.len());
    }
}
