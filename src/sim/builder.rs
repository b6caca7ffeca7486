//! A Rust builder for scenes, as an alternative to MJCF. It fills the same [`Model`] the
//! MJCF loader fills, with the same conventions: SI units (m, kg, s, rad), poses relative
//! to the parent body, capsules and cylinders along their local z, and masses from geom
//! volume × density unless given.
//!
//! ```
//! use manyworlds::sim::builder::{SceneBuilder, Shape};
//! use glam::{Quat, Vec3};
//!
//! let mut s = SceneBuilder::new("drop");
//! s.plane();
//! let ball = s.body(SceneBuilder::WORLD, Vec3::new(0.0, 0.0, 1.0), Quat::IDENTITY);
//! s.free_joint(ball);
//! s.geom(ball, Shape::Sphere { radius: 0.1 }).mass(1.0);
//! let model = s.build().unwrap();
//! assert_eq!(model.nq(), 7);
//! ```

use super::inertia::{combine, principal, unit_density, Part};
use super::model::*;
use crate::Error;
use glam::{Quat, Vec3, Vec4};

/// Geometric primitives the builder places.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// Infinite plane with normal +z (world body only).
    Plane,
    /// Sphere, m.
    Sphere {
        /// Radius, m.
        radius: f32,
    },
    /// Capsule along local z.
    Capsule {
        /// Radius, m.
        radius: f32,
        /// Half-length of the cylinder part, m.
        half_length: f32,
    },
    /// Box.
    Box {
        /// Half-extents, m.
        half: Vec3,
    },
}

/// A scene under construction.
#[derive(Debug, Clone)]
pub struct SceneBuilder {
    model: Model,
    /// Per geom: explicit mass (kg) or density (kg/m³).
    masses: Vec<Option<f32>>,
    densities: Vec<f32>,
}

/// Settings of the geom just added; chain calls to change them.
pub struct GeomRef<'a> {
    b: &'a mut SceneBuilder,
    g: usize,
}

impl GeomRef<'_> {
    /// Mass, kg (overrides density).
    pub fn mass(self, kg: f32) -> Self {
        self.b.masses[self.g] = Some(kg);
        self
    }
    /// Density, kg/m³. Default 1000 (water), MuJoCo's default.
    pub fn density(self, rho: f32) -> Self {
        self.b.densities[self.g] = rho;
        self
    }
    /// Sliding friction coefficient. Default 1, MuJoCo's.
    pub fn friction(self, mu: f32) -> Self {
        self.b.model.geoms[self.g].friction.x = mu;
        self
    }
    /// Pose in the body frame. Default: the body origin, unrotated.
    pub fn pose(self, pos: Vec3, quat: Quat) -> Self {
        let g = &mut self.b.model.geoms[self.g];
        g.pos = pos;
        g.quat = quat;
        self
    }
    /// MJCF contype/conaffinity bits. Default 1/1: everything collides.
    pub fn contact_bits(self, contype: u32, conaffinity: u32) -> Self {
        let g = &mut self.b.model.geoms[self.g];
        g.contype = contype;
        g.conaffinity = conaffinity;
        self
    }
    /// Contact dimensionality (MJCF `condim`): 1 frictionless, 3 sliding friction (4 and 6
    /// are solved as 3). Default 3, MuJoCo's.
    pub fn condim(self, condim: u32) -> Self {
        self.b.model.geoms[self.g].condim = condim;
        self
    }
    /// Contact margin and gap, m (MJCF `margin`, `gap`; see [`Geom::margin`]). Default 0, 0.
    pub fn margin(self, margin: f32, gap: f32) -> Self {
        let g = &mut self.b.model.geoms[self.g];
        g.margin = margin;
        g.gap = gap;
        self
    }
    /// Colour, linear RGBA.
    pub fn rgba(self, rgba: Vec4) -> Self {
        self.b.model.geoms[self.g].rgba = rgba;
        self
    }
    /// The geom's index.
    pub fn id(&self) -> usize {
        self.g
    }
}

impl SceneBuilder {
    /// The world body.
    pub const WORLD: usize = 0;

    /// An empty scene: the world body, MuJoCo's default options except a 10 ms step (the
    /// step RL scenes use; the solver substeps inside it).
    pub fn new(name: &str) -> SceneBuilder {
        let model = Model {
            name: name.into(),
            option: SimOptions {
                timestep: 0.01,
                ..SimOptions::default()
            },
            bodies: vec![Body::world()],
            ..Model::default()
        };
        SceneBuilder {
            model,
            masses: Vec::new(),
            densities: Vec::new(),
        }
    }

    /// Step, s.
    pub fn timestep(&mut self, dt: f32) -> &mut Self {
        self.model.option.timestep = dt;
        self
    }

    /// Gravity, m/s².
    pub fn gravity(&mut self, g: Vec3) -> &mut Self {
        self.model.option.gravity = g;
        self
    }

    /// The surrounding medium: density (kg/m³) and viscosity (Pa·s), as MJCF's `<option
    /// density viscosity>` (MuJoCo's inertia-box fluid model; both 0, the default, is none).
    pub fn fluid(&mut self, density: f32, viscosity: f32) -> &mut Self {
        self.model.option.density = density;
        self.model.option.viscosity = viscosity;
        self
    }

    /// A body at `pos`/`quat` in `parent`'s frame. Without joints it is welded to its parent.
    pub fn body(&mut self, parent: usize, pos: Vec3, quat: Quat) -> usize {
        let b = self.model.bodies.len();
        self.model.bodies.push(Body {
            name: Some(format!("body{b}")),
            parent,
            pos,
            quat: quat.normalize(),
            mass: 0.0,
            inertia: Vec3::ZERO,
            ipos: Vec3::ZERO,
            iquat: Quat::IDENTITY,
        });
        b
    }

    /// Renames a body (outputs use the name).
    pub fn name_body(&mut self, body: usize, name: &str) -> &mut Self {
        self.model.bodies[body].name = Some(name.into());
        self
    }

    fn joint(&mut self, body: usize, kind: JointKind, pos: Vec3, axis: Vec3) -> usize {
        let j = self.model.joints.len();
        self.model.joints.push(Joint {
            name: Some(format!("joint{j}")),
            body,
            kind,
            pos,
            axis: axis.normalize(),
            range: None,
            damping: 0.0,
            armature: 0.0,
            frictionloss: 0.0,
            stiffness: 0.0,
            springref: 0.0,
            reference: 0.0,
            solref_limit: crate::sim::model::SOLREF_DEFAULT,
            solimp_limit: crate::sim::model::SOLIMP_DEFAULT,
        });
        j
    }

    /// Six degrees of freedom.
    pub fn free_joint(&mut self, body: usize) -> usize {
        self.joint(body, JointKind::Free, Vec3::ZERO, Vec3::Z)
    }
    /// Rotation about `axis` through `anchor` (body frame).
    pub fn hinge(&mut self, body: usize, anchor: Vec3, axis: Vec3) -> usize {
        self.joint(body, JointKind::Hinge, anchor, axis)
    }
    /// Translation along `axis` (body frame).
    pub fn slide(&mut self, body: usize, axis: Vec3) -> usize {
        self.joint(body, JointKind::Slide, Vec3::ZERO, axis)
    }
    /// Free rotation about `anchor` (body frame).
    pub fn ball(&mut self, body: usize, anchor: Vec3) -> usize {
        self.joint(body, JointKind::Ball, anchor, Vec3::Z)
    }
    /// Limits a hinge (rad) or slide (m).
    pub fn limit(&mut self, joint: usize, lo: f32, hi: f32) -> &mut Self {
        self.model.joints[joint].range = Some([lo, hi]);
        self
    }
    /// Viscous damping, N·s/m or N·m·s/rad.
    pub fn damping(&mut self, joint: usize, d: f32) -> &mut Self {
        self.model.joints[joint].damping = d;
        self
    }
    /// Renames a joint (outputs use the name).
    pub fn name_joint(&mut self, joint: usize, name: &str) -> &mut Self {
        self.model.joints[joint].name = Some(name.into());
        self
    }

    /// A geom on `body`; chain [`GeomRef`] calls to set mass, friction, pose.
    pub fn geom(&mut self, body: usize, shape: Shape) -> GeomRef<'_> {
        let (kind, size) = match shape {
            Shape::Plane => (GeomKind::Plane, Vec3::new(0.0, 0.0, 0.05)),
            Shape::Sphere { radius } => (GeomKind::Sphere, Vec3::new(radius, 0.0, 0.0)),
            Shape::Capsule {
                radius,
                half_length,
            } => (GeomKind::Capsule, Vec3::new(radius, half_length, 0.0)),
            Shape::Box { half } => (GeomKind::Box, half),
        };
        let g = self.model.geoms.len();
        self.model.geoms.push(Geom {
            name: Some(format!("geom{g}")),
            body,
            kind,
            size,
            pos: Vec3::ZERO,
            quat: Quat::IDENTITY,
            friction: Vec3::new(1.0, 0.005, 0.0001),
            rgba: Vec4::new(0.5, 0.5, 0.5, 1.0),
            contype: 1,
            conaffinity: 1,
            condim: 3,
            margin: 0.0,
            gap: 0.0,
            mass: 0.0,
            material: None,
        });
        self.masses.push(None);
        self.densities.push(1000.0);
        GeomRef { b: self, g }
    }

    /// Geoms of bodies `a` and `b` never collide with each other (MJCF `<exclude>`).
    pub fn exclude(&mut self, a: usize, b: usize) -> &mut Self {
        self.model.excludes.push([a, b]);
        self
    }

    /// The ground: a plane through the origin.
    pub fn plane(&mut self) -> GeomRef<'_> {
        self.geom(Self::WORLD, Shape::Plane)
    }

    /// A motor: force = gear × control, control limited to `ctrl`.
    pub fn motor(&mut self, joint: usize, gear: f32, ctrl: [f32; 2]) -> usize {
        self.model.actuators.push(Actuator {
            name: Some(format!("actuator{}", self.model.actuators.len())),
            joint,
            kind: ActuatorKind::Motor,
            gear,
            ctrlrange: Some(ctrl),
            forcerange: None,
        });
        self.model.actuators.len() - 1
    }

    /// A position servo with gains `kp`, `kv`, control limited to `ctrl`.
    pub fn position(&mut self, joint: usize, kp: f32, kv: f32, ctrl: [f32; 2]) -> usize {
        self.model.actuators.push(Actuator {
            name: Some(format!("actuator{}", self.model.actuators.len())),
            joint,
            kind: ActuatorKind::Position { kp, kv },
            gear: 1.0,
            ctrlrange: Some(ctrl),
            forcerange: None,
        });
        self.model.actuators.len() - 1
    }

    /// Computes masses and inertias from the geoms (as MJCF's `inertiafromgeom`) and returns
    /// the Model. Errors: a plane off the world body, a non-positive size or mass.
    pub fn build(mut self) -> Result<Model, Error> {
        let nb = self.model.bodies.len();
        if let Some(e) = self
            .model
            .excludes
            .iter()
            .find(|e| e.iter().any(|&b| b >= nb))
        {
            return Err(Error::InvalidArgument {
                field: "exclude".into(),
                value: format!("{e:?}"),
                allowed: format!("body indices below {nb}"),
            });
        }
        let mut parts: Vec<Vec<Part>> = vec![Vec::new(); nb];
        for (g, geom) in self.model.geoms.iter_mut().enumerate() {
            let bad = |what: &str, v: String| Error::InvalidArgument {
                field: format!("geom{g}.{what}"),
                value: v,
                allowed: "positive sizes and masses; planes on the world body only".into(),
            };
            if ![1, 3, 4, 6].contains(&geom.condim) {
                return Err(Error::InvalidArgument {
                    field: format!("geom{g}.condim"),
                    value: geom.condim.to_string(),
                    allowed: "1, 3, 4 or 6".into(),
                });
            }
            for (what, v) in [("margin", geom.margin), ("gap", geom.gap)] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(Error::InvalidArgument {
                        field: format!("geom{g}.{what}"),
                        value: v.to_string(),
                        allowed: "a finite length >= 0 m".into(),
                    });
                }
            }
            if geom.kind == GeomKind::Plane {
                if geom.body != 0 {
                    return Err(bad("type", "plane on a moving body".into()));
                }
                continue;
            }
            if geom.size.x <= 0.0 || (geom.kind == GeomKind::Box && geom.size.min_element() <= 0.0)
            {
                return Err(bad("size", format!("{:?}", geom.size)));
            }
            if geom.body == 0 {
                continue;
            }
            let (volume, unit) = unit_density(geom.kind, geom.size);
            let mass = match self.masses[g] {
                Some(m) => m as f64,
                None => self.densities[g] as f64 * volume,
            };
            if mass <= 0.0 {
                return Err(bad("mass", mass.to_string()));
            }
            geom.mass = mass as f32;
            parts[geom.body].push(Part {
                mass,
                pos: geom.pos.as_dvec3(),
                quat: geom.quat,
                inertia: unit * (mass / volume),
            });
        }
        for (b, p) in parts.iter().enumerate().skip(1) {
            let (m, com, tensor) = combine(p);
            let (moments, q) = principal(tensor);
            let body = &mut self.model.bodies[b];
            body.mass = m as f32;
            body.ipos = com.as_vec3();
            body.inertia = moments.as_vec3();
            body.iquat = q;
        }
        Ok(self.model)
    }
}
