//! The Model: what a scene *is* (bodies, joints, geoms, actuators, cameras, lights,
//! materials), as opposed to the State, which is what changes every step.
//!
//! This is the host-side, shared description (a leading world dimension of 1). Units are SI:
//! metres, kilograms, seconds, radians (MJCF degrees are converted on load). Frames follow
//! MJCF: every body, geom, site, camera and light pose is relative to its parent body, and
//! quaternions are unit `glam::Quat` (MJCF writes them w, x, y, z).

use glam::{Quat, Vec3, Vec4};

/// Global simulation options (MJCF `<option>`).
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// Time step, s. Default 0.002 s, MuJoCo's default, so files that omit it behave alike.
    pub timestep: f32,
    /// Gravity, m/s². Default (0, 0, -9.81), MuJoCo's.
    pub gravity: Vec3,
    /// The integrator the file asks for (`Euler`, `RK4`, `implicit`, `implicitfast`). A hint:
    /// the solver uses its own substepped scheme and records this for reference.
    pub integrator: String,
    /// Density of the surrounding medium, kg/m³ (0: none, MuJoCo's default). Drives the
    /// quadratic drag of MuJoCo's inertia-box fluid model; Swimmer sets it.
    pub density: f32,
    /// Viscosity of the surrounding medium, Pa·s (0: none, MuJoCo's default). Drives the
    /// viscous (Stokes-like) drag of the fluid model; Swimmer sets it.
    pub viscosity: f32,
    /// Velocity of the medium, m/s (0: still, MuJoCo's default). The fluid forces act on
    /// the bodies' velocities relative to it.
    pub wind: Vec3,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            timestep: 0.002,
            gravity: Vec3::new(0.0, 0.0, -9.81),
            integrator: "Euler".into(),
            density: 0.0,
            viscosity: 0.0,
            wind: Vec3::ZERO,
        }
    }
}

/// A rigid body. Body 0 is the world.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// MJCF name, if any.
    pub name: Option<String>,
    /// Index of the parent body (0 for children of the world; the world is its own parent).
    pub parent: usize,
    /// Position in the parent's frame, m.
    pub pos: Vec3,
    /// Orientation in the parent's frame.
    pub quat: Quat,
    /// Mass, kg.
    pub mass: f32,
    /// Principal moments of inertia about the centre of mass, kg·m².
    pub inertia: Vec3,
    /// Centre of mass in the body frame, m.
    pub ipos: Vec3,
    /// Orientation of the principal axes in the body frame.
    pub iquat: Quat,
}

impl Body {
    /// Body 0, the world: at the origin, massless.
    pub fn world() -> Body {
        Body {
            name: Some("world".into()),
            parent: 0,
            pos: Vec3::ZERO,
            quat: Quat::IDENTITY,
            mass: 0.0,
            inertia: Vec3::ZERO,
            ipos: Vec3::ZERO,
            iquat: Quat::IDENTITY,
        }
    }
}

/// Joint types (MJCF `<joint type>` and `<freejoint>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JointKind {
    /// Six degrees of freedom: qpos is position + quaternion (w, x, y, z).
    Free,
    /// Three rotational degrees of freedom: qpos is a quaternion (w, x, y, z).
    Ball,
    /// Translation along `axis`: qpos in m.
    Slide,
    /// Rotation about `axis`: qpos in rad.
    Hinge,
}

impl JointKind {
    /// Entries of qpos.
    pub fn nq(self) -> usize {
        match self {
            JointKind::Free => 7,
            JointKind::Ball => 4,
            JointKind::Slide | JointKind::Hinge => 1,
        }
    }

    /// Degrees of freedom (entries of qvel).
    pub fn nv(self) -> usize {
        match self {
            JointKind::Free => 6,
            JointKind::Ball => 3,
            JointKind::Slide | JointKind::Hinge => 1,
        }
    }
}

/// A joint between a body and its parent.
#[derive(Debug, Clone, PartialEq)]
pub struct Joint {
    /// MJCF name, if any.
    pub name: Option<String>,
    /// The body this joint moves.
    pub body: usize,
    /// Type.
    pub kind: JointKind,
    /// Anchor in the body frame, m.
    pub pos: Vec3,
    /// Unit axis in the body frame (hinge, slide).
    pub axis: Vec3,
    /// Limits (rad or m), when the joint is limited.
    pub range: Option<[f32; 2]>,
    /// Viscous damping, N·s/m or N·m·s/rad. Default 0.
    pub damping: f32,
    /// Armature (rotor inertia added to the joint), kg·m² or kg. Default 0.
    pub armature: f32,
    /// Dry friction, N or N·m. Default 0.
    pub frictionloss: f32,
    /// Spring stiffness, N/m or N·m/rad. Default 0.
    pub stiffness: f32,
    /// Spring rest position (rad or m). Default 0.
    pub springref: f32,
    /// Reference position: the qpos value of the model's initial configuration.
    pub reference: f32,
    /// The limit's `solreflimit`: (timeconst s, dampratio), or (−stiffness, −damping) when
    /// negative. Default [`SOLREF_DEFAULT`].
    pub solref_limit: [f32; 2],
    /// The limit's `solimplimit`: (d0, dwidth, width, midpoint, power). Default
    /// [`SOLIMP_DEFAULT`].
    pub solimp_limit: [f32; 5],
}

/// MuJoCo's default `solref`: a critically damped (dampratio 1) constraint with a time
/// constant of 20 ms.
pub const SOLREF_DEFAULT: [f32; 2] = [0.02, 1.0];
/// MuJoCo's default `solimp`: impedance 0.9 at zero violation rising to 0.95 at 1 mm (or
/// 1 mrad), along a sigmoid with midpoint 0.5 and power 2.
pub const SOLIMP_DEFAULT: [f32; 5] = [0.9, 0.95, 0.001, 0.5, 2.0];

/// Geometric primitive types. Meshes are not supported yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomKind {
    /// Infinite plane through the origin with normal +z (size: half-extents for rendering).
    Plane,
    /// size.x = radius.
    Sphere,
    /// size.x = radius, size.y = half-length of the cylinder part (along z).
    Capsule,
    /// size.x = radius, size.y = half-length (along z).
    Cylinder,
    /// size = half-extents.
    Box,
    /// size = semi-axes.
    Ellipsoid,
}

/// A collision and visual shape attached to a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Geom {
    /// MJCF name, if any.
    pub name: Option<String>,
    /// The body it belongs to (0: the world).
    pub body: usize,
    /// Type.
    pub kind: GeomKind,
    /// Type-dependent sizes (see [`GeomKind`]), m.
    pub size: Vec3,
    /// Position in the body frame, m.
    pub pos: Vec3,
    /// Orientation in the body frame.
    pub quat: Quat,
    /// Sliding, torsional and rolling friction. Default (1, 0.005, 0.0001), MuJoCo's.
    pub friction: Vec3,
    /// Colour, linear RGBA in [0, 1]. Default (0.5, 0.5, 0.5, 1).
    pub rgba: Vec4,
    /// Contact type bits (MJCF contype). Two geoms may collide when
    /// `(a.contype & b.conaffinity) || (b.contype & a.conaffinity)`.
    pub contype: u32,
    /// Contact affinity bits (MJCF conaffinity).
    pub conaffinity: u32,
    /// Contact dimensionality: 1 frictionless, 3 sliding friction, 4 and 6 add torsion and
    /// rolling (solved as 3 here). A pair's is the larger of its two geoms' (MuJoCo's rule),
    /// and a pair of condim 1 has no friction. Default 3, MuJoCo's.
    pub condim: u32,
    /// Contact margin, m (MJCF `margin`). A pair's margin is the *sum* of its two geoms'
    /// (MuJoCo 4's `getMargin`), and its contacts hold the surfaces that far apart instead
    /// of touching (MuJoCo's constraint acts on distance − margin). Default 0, MuJoCo's.
    pub margin: f32,
    /// Contact gap, m (MJCF `gap`). MuJoCo lists contacts closer than margin + gap (the
    /// pair's sums) and leaves those beyond the margin inactive, so the gap changes which
    /// contacts are found, not the forces; here it widens the contact search the same way.
    /// Default 0, MuJoCo's.
    pub gap: f32,
    /// Mass this geom contributed to its body, kg (0 for the world's geoms).
    pub mass: f32,
    /// Index into [`Model::materials`].
    pub material: Option<usize>,
}

/// A point of interest on a body (MJCF `<site>`), no physics.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// MJCF name, if any.
    pub name: Option<String>,
    /// The body it belongs to.
    pub body: usize,
    /// Position in the body frame, m.
    pub pos: Vec3,
    /// Orientation in the body frame.
    pub quat: Quat,
}

/// How a camera moves (MJCF `<camera mode>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CameraMode {
    /// Rigidly attached to its body.
    Fixed,
    /// Follows its body's position, keeps its world orientation.
    Track,
    /// Follows the subtree's centre of mass, keeps its world orientation.
    TrackCom,
    /// Positioned with its body, always looking at the target body.
    TargetBody,
    /// Positioned with its body, always looking at the target subtree's centre of mass.
    TargetBodyCom,
}

/// A camera (MJCF `<camera>`). Looks along its local -z with +y up, as in MuJoCo.
#[derive(Debug, Clone, PartialEq)]
pub struct Camera {
    /// MJCF name, if any.
    pub name: Option<String>,
    /// The body it is attached to.
    pub body: usize,
    /// Position in the body frame, m.
    pub pos: Vec3,
    /// Orientation in the body frame.
    pub quat: Quat,
    /// Vertical field of view, degrees. Default 45, MuJoCo's.
    pub fovy: f32,
    /// How it moves.
    pub mode: CameraMode,
}

/// A light (MJCF `<light>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Light {
    /// MJCF name, if any.
    pub name: Option<String>,
    /// The body it is attached to.
    pub body: usize,
    /// Position in the body frame, m.
    pub pos: Vec3,
    /// Direction in the body frame (unit). Default (0, 0, -1).
    pub dir: Vec3,
    /// Directional (true) or point/spot (false).
    pub directional: bool,
    /// Diffuse colour. Default (0.7, 0.7, 0.7).
    pub diffuse: Vec3,
    /// Ambient colour. Default 0.
    pub ambient: Vec3,
    /// Specular colour. Default (0.3, 0.3, 0.3).
    pub specular: Vec3,
}

/// A procedural texture (MJCF `<texture builtin>`); file textures are not loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Texture {
    /// MJCF name.
    pub name: Option<String>,
    /// `checker`, `gradient`, `flat` or `none`.
    pub builtin: String,
    /// First colour.
    pub rgb1: Vec3,
    /// Second colour.
    pub rgb2: Vec3,
    /// Texels across.
    pub width: u32,
    /// Texels down.
    pub height: u32,
}

/// A material (MJCF `<material>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Material {
    /// MJCF name.
    pub name: Option<String>,
    /// Colour. Default (1, 1, 1, 1).
    pub rgba: Vec4,
    /// Index into [`Model::textures`].
    pub texture: Option<usize>,
    /// Texture repeats across the surface. Default (1, 1).
    pub texrepeat: [f32; 2],
}

/// Actuator dynamics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ActuatorKind {
    /// Force (or torque) = gear × control.
    Motor,
    /// Force = kp × (control − joint position) − kv × joint velocity, times gear.
    Position {
        /// Position gain, N/m or N·m/rad.
        kp: f32,
        /// Velocity gain, N·s/m or N·m·s/rad.
        kv: f32,
    },
}

/// An actuator driving one joint (MJCF `<motor>`, `<position>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Actuator {
    /// MJCF name, if any.
    pub name: Option<String>,
    /// The joint it drives.
    pub joint: usize,
    /// Dynamics.
    pub kind: ActuatorKind,
    /// Transmission gain (first entry of MJCF gear). Default 1.
    pub gear: f32,
    /// Control limits, when limited.
    pub ctrlrange: Option<[f32; 2]>,
    /// Force limits, when limited.
    pub forcerange: Option<[f32; 2]>,
}

/// A named configuration (MJCF `<keyframe><key>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Keyframe {
    /// MJCF name, if any.
    pub name: Option<String>,
    /// Joint positions, [`Model::nq`] entries.
    pub qpos: Vec<f32>,
    /// Joint velocities, [`Model::nv`] entries.
    pub qvel: Vec<f32>,
    /// Controls, one per actuator.
    pub ctrl: Vec<f32>,
}

/// A whole scene.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    /// MJCF model name.
    pub name: String,
    /// Global options.
    pub option: SimOptions,
    /// Bodies; index 0 is the world. Parents come before children.
    pub bodies: Vec<Body>,
    /// Joints, in body order.
    pub joints: Vec<Joint>,
    /// Geoms.
    pub geoms: Vec<Geom>,
    /// Sites.
    pub sites: Vec<Site>,
    /// Cameras.
    pub cameras: Vec<Camera>,
    /// Lights.
    pub lights: Vec<Light>,
    /// Textures.
    pub textures: Vec<Texture>,
    /// Materials.
    pub materials: Vec<Material>,
    /// Actuators; actions map to their controls in this order.
    pub actuators: Vec<Actuator>,
    /// Keyframes.
    pub keyframes: Vec<Keyframe>,
    /// Body pairs (indices into [`Model::bodies`]) whose geoms never collide (MJCF
    /// `<contact><exclude body1 body2>`).
    pub excludes: Vec<[usize; 2]>,
}

impl Model {
    /// Entries of the generalised position vector.
    pub fn nq(&self) -> usize {
        self.joints.iter().map(|j| j.kind.nq()).sum()
    }

    /// Degrees of freedom.
    pub fn nv(&self) -> usize {
        self.joints.iter().map(|j| j.kind.nv()).sum()
    }

    /// The initial configuration: each joint at its reference (free joints at the body's
    /// pose in the world, ball joints at identity).
    pub fn qpos0(&self) -> Vec<f32> {
        let mut q = Vec::with_capacity(self.nq());
        for j in &self.joints {
            match j.kind {
                JointKind::Free => {
                    let b = &self.bodies[j.body];
                    q.extend([
                        b.pos.x, b.pos.y, b.pos.z, b.quat.w, b.quat.x, b.quat.y, b.quat.z,
                    ]);
                }
                JointKind::Ball => q.extend([1.0, 0.0, 0.0, 0.0]),
                JointKind::Slide | JointKind::Hinge => q.push(j.reference),
            }
        }
        q
    }

    /// Index of the body named `name`.
    pub fn body(&self, name: &str) -> Option<usize> {
        self.bodies
            .iter()
            .position(|b| b.name.as_deref() == Some(name))
    }

    /// Index of the joint named `name`.
    pub fn joint(&self, name: &str) -> Option<usize> {
        self.joints
            .iter()
            .position(|j| j.name.as_deref() == Some(name))
    }

    /// Index of the geom named `name`.
    pub fn geom(&self, name: &str) -> Option<usize> {
        self.geoms
            .iter()
            .position(|g| g.name.as_deref() == Some(name))
    }

    /// Total mass of all bodies, kg.
    pub fn total_mass(&self) -> f32 {
        self.bodies.iter().map(|b| b.mass).sum()
    }
}
