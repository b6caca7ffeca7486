//! Maximal coordinates: MJCF bodies grouped into sim bodies ([`SimBodies`]: frames, mass
//! properties), and the sim bodies' records with their joint groups.

use super::{bits, put3, put4, unsupported};
use crate::layout::physics::*;
use crate::sim::inertia::{combine, principal, Part};
use crate::sim::model::{Joint, JointKind, Model};
use crate::Error;
use glam::{DMat3, DVec3, Quat, Vec3};

/// The largest ratio of a sim body's principal moments: smaller moments are raised to
/// 1/100 of the largest. Armature folded into a link makes its tensor lopsided (Gymnasium's
/// reacher: 1 kg·m² about the hinge, 2·10⁻⁶ about the link's own axis), and the one-pass
/// solver goes non-finite within a step on such bodies under random controls. What is
/// raised is inertia about axes the hinge does not free, so it only shows where the parent
/// turns the body about them.
pub const MAX_INERTIA_RATIO: f64 = 100.0;

/// A slider's principal moments are at least its mass times this radius squared, m: a
/// body of 10 m radius, so that contacts barely turn what the world holds still.
const SLIDER_RADIUS: f64 = 10.0;

/// Rigid transform (position, orientation).
#[derive(Debug, Clone, Copy)]
pub(super) struct Pose {
    pub(super) p: Vec3,
    pub(super) q: Quat,
}

impl Pose {
    pub(super) const ID: Pose = Pose {
        p: Vec3::ZERO,
        q: Quat::IDENTITY,
    };
    pub(super) fn mul(self, o: Pose) -> Pose {
        Pose {
            p: self.p + self.q * o.p,
            q: (self.q * o.q).normalize(),
        }
    }
    pub(super) fn inv(self) -> Pose {
        let qi = self.q.conjugate();
        Pose {
            p: -(qi * self.p),
            q: qi,
        }
    }
    pub(super) fn point(self, v: Vec3) -> Vec3 {
        self.p + self.q * v
    }
}

/// The sim bodies of a model: which MJCF bodies each one welds together, its frame and its
/// mass properties.
pub(super) struct SimBodies {
    /// World poses of the MJCF bodies at the reference configuration.
    pub(super) xb: Vec<Pose>,
    /// Joints of each MJCF body, in model order.
    pub(super) joints_of: Vec<Vec<usize>>,
    /// Sim body of each MJCF body ([`NONE`]: static).
    pub(super) sim: Vec<u32>,
    /// The MJCF root (the jointed body) of each sim body.
    pub(super) roots: Vec<usize>,
    /// World frame of each sim body at the reference configuration: centre of mass and
    /// principal axes.
    pub(super) xs: Vec<Pose>,
    /// Inverse mass of each sim body, 1/kg.
    pub(super) inv_mass: Vec<f32>,
    /// Inverse principal moments of each sim body, 1/(kg·m²).
    pub(super) inv_inertia: Vec<Vec3>,
    /// The armature folded into each sim body, as `√armature ·` its hinge axis in the
    /// principal frame ([`B_ARM_AXIS`]).
    pub(super) arm_axis: Vec<Vec3>,
    /// For each MJCF body: its sim body and its frame in that body's frame (in the world
    /// frame when static), as [`super::Compiled::mjcf_bodies`].
    pub(super) mjcf_bodies: Vec<(u32, Vec3, Quat)>,
}

impl SimBodies {
    /// Groups `model`'s bodies and computes the sim bodies' frames and mass properties;
    /// armature that cannot be modelled adds to `warnings`.
    pub(super) fn new(model: &Model, warnings: &mut Vec<String>) -> Result<SimBodies, Error> {
        let nbody = model.bodies.len();
        // World poses of the MJCF bodies at the reference configuration.
        let mut xb = vec![Pose::ID; nbody];
        for b in 1..nbody {
            let body = &model.bodies[b];
            xb[b] = xb[body.parent].mul(Pose {
                p: body.pos,
                q: body.quat.normalize(),
            });
        }
        let mut joints_of: Vec<Vec<usize>> = vec![Vec::new(); nbody];
        for (j, joint) in model.joints.iter().enumerate() {
            joints_of[joint.body].push(j);
        }
        // Sim body of each MJCF body, and the MJCF root of each sim body.
        let mut sim = vec![NONE; nbody];
        let mut roots = Vec::new();
        for b in 1..nbody {
            let parent = model.bodies[b].parent;
            if !joints_of[b].is_empty() {
                sim[b] = roots.len() as u32;
                roots.push(b);
            } else if parent != 0 {
                sim[b] = sim[parent];
            }
        }
        let mut bodies = SimBodies {
            xs: vec![Pose::ID; roots.len()],
            inv_mass: vec![0.0_f32; roots.len()],
            inv_inertia: vec![Vec3::ZERO; roots.len()],
            arm_axis: vec![Vec3::ZERO; roots.len()],
            mjcf_bodies: Vec::new(),
            xb,
            joints_of,
            sim,
            roots,
        };
        for s in 0..bodies.roots.len() {
            bodies.mass_properties(model, s, warnings)?;
        }
        // MJCF frames in sim frames.
        let b = &bodies;
        bodies.mjcf_bodies = (0..nbody)
            .map(|i| {
                if i == 0 || b.sim[i] == NONE {
                    (NONE, b.xb[i].p, b.xb[i].q)
                } else {
                    let rel = b.xs[b.sim[i] as usize].inv().mul(b.xb[i]);
                    (b.sim[i], rel.p, rel.q)
                }
            })
            .collect();
        Ok(bodies)
    }

    /// Mass, inertia and frame of sim body `s`: its welded MJCF bodies combined, plus the
    /// armature of its hinge.
    fn mass_properties(
        &mut self,
        model: &Model,
        s: usize,
        warnings: &mut Vec<String>,
    ) -> Result<(), Error> {
        let root = self.roots[s];
        let to_root = self.xb[root].inv();
        let mut parts = Vec::new();
        for b in 1..model.bodies.len() {
            if self.sim[b] != s as u32 || model.bodies[b].mass <= 0.0 {
                continue;
            }
            let body = &model.bodies[b];
            let rel = to_root.mul(self.xb[b]);
            parts.push(Part {
                mass: body.mass as f64,
                pos: rel.point(body.ipos).as_dvec3(),
                quat: (rel.q * body.iquat).normalize(),
                inertia: body.inertia.as_dvec3(),
            });
        }
        let (mut mass, com, mut tensor) = combine(&parts);
        let slider = self.slider_armature(model, s);
        if let Some(a) = slider {
            mass += a as f64;
        }
        let mut arm_axis = Vec3::ZERO;
        let hinges = self.joints_of[root]
            .iter()
            .filter(|&&j| model.joints[j].kind == JointKind::Hinge)
            .count();
        for &j in &self.joints_of[root] {
            let joint = &model.joints[j];
            if joint.kind == JointKind::Hinge && joint.armature > 0.0 {
                // Rotor inertia about the hinge axis, added to the body it drives: exact
                // for the joint's own degree of freedom when the parent is much heavier,
                // an approximation otherwise (documented).
                let a = joint.axis.normalize().as_dvec3();
                tensor += DMat3::from_cols(a * a.x, a * a.y, a * a.z) * joint.armature as f64;
                // A body on two or three hinges carries their rotors as one tensor,
                // which the gyroscopic term and the reaction share keep (no single axis
                // to leave out).
                if hinges == 1 {
                    arm_axis = joint.axis.normalize() * joint.armature.sqrt();
                }
            } else if joint.armature > 0.0 && slider.is_none() {
                warnings.push(format!(
                    "joint `{}`: armature on {:?} joints is not modelled (hinges only)",
                    joint.name.clone().unwrap_or_default(),
                    joint.kind
                ));
            }
        }
        let (moments, axes) = principal(tensor);
        // A slider's rotation is held by the world alone, so its inertia never acts: a
        // large one keeps contacts from turning it within the substep (MuJoCo's has no
        // rotational degree of freedom at all).
        let moments = if slider.is_some() {
            moments.max(DVec3::splat(mass * SLIDER_RADIUS * SLIDER_RADIUS))
        } else {
            moments
        };
        if !(mass > 1e-9 && moments.min_element() > 1e-12) {
            return Err(Error::InvalidArgument {
                field: format!("body `{}`", body_name(model, root)),
                value: format!("mass {mass} kg, inertia {:?} kg·m²", moments.to_array()),
                allowed: "bodies that move need mass and inertia > 0 (add geoms with size or an <inertial>)".into(),
            });
        }
        self.xs[s] = self.xb[root].mul(Pose {
            p: com.as_vec3(),
            q: axes,
        });
        self.arm_axis[s] = axes.conjugate() * arm_axis;
        self.inv_mass[s] = (1.0 / mass) as f32;
        let moments = moments.max(DVec3::splat(moments.max_element() / MAX_INERTIA_RATIO));
        self.inv_inertia[s] = (DVec3::ONE / moments).as_vec3();
        Ok(())
    }

    /// For a *slider* (sim body `s` on slides alone, below the world), the armature its
    /// slides share: MuJoCo adds it to the mass of each slide's own degree of freedom, and
    /// since the world holds every other direction, adding it to the body's mass is exact.
    /// `None` for other bodies, or sliders whose slides differ in armature. Pusher's goal
    /// and object (4·10⁻¹⁰ kg and 4·10⁻⁶ kg on slides of armature 0.04) move this way.
    fn slider_armature(&self, model: &Model, s: usize) -> Option<f32> {
        let root = self.roots[s];
        let js = &self.joints_of[root];
        let slides = js.iter().all(|&j| model.joints[j].kind == JointKind::Slide);
        if !slides || self.sim[model.bodies[root].parent] != NONE {
            return None;
        }
        let a = model.joints[js[0]].armature;
        (a > 0.0 && js.iter().all(|&j| model.joints[j].armature == a)).then_some(a)
    }

    /// The world frame of sim body `s` (the identity for [`NONE`], the world).
    pub(super) fn frame_of(&self, s: u32) -> Pose {
        if s == NONE {
            Pose::ID
        } else {
            self.xs[s as usize]
        }
    }

    /// The sim body that sim body `s` hangs from: its root's parent's ([`NONE`]: the world).
    pub(super) fn parent_sim(&self, model: &Model, s: usize) -> u32 {
        self.sim[model.bodies[self.roots[s]].parent]
    }
}

/// MJCF body `b`'s name, or `body{b}`.
pub(super) fn body_name(model: &Model, b: usize) -> String {
    model.bodies[b]
        .name
        .clone()
        .unwrap_or_else(|| format!("body{b}"))
}

/// What one sim body's joint group allows.
const JOINT_GROUPS: &str = "one free joint, one ball joint, up to three orthogonal slides followed by at most one hinge, or two or three mutually orthogonal hinges through one anchor";

/// The body records (with each body's bounding `body_radius`), and for each joint its
/// slot among its body's slides.
pub(super) fn body_words(
    model: &Model,
    bodies: &SimBodies,
    body_radius: &[f32],
    warnings: &mut Vec<String>,
) -> Result<(Vec<f32>, Vec<u32>), Error> {
    let nb = bodies.roots.len();
    let mut body_words = vec![0.0_f32; nb * BODY_STRIDE as usize];
    let mut slot_of_joint = vec![0u32; model.joints.len()];
    for (s, &root) in bodies.roots.iter().enumerate() {
        let w = &mut body_words[s * BODY_STRIDE as usize..(s + 1) * BODY_STRIDE as usize];
        let js = &bodies.joints_of[root];
        let (rot, trans_free, anchor_joint) = joint_group(model, js, root)?;
        let parent = bodies.parent_sim(model, s);
        let xp = bodies.frame_of(parent);
        let xs = bodies.xs[s];
        let mut nslide = 0u32;
        let mut slide_axes: Vec<Vec3> = Vec::new();
        let group = rot == ROT_HINGE2 || rot == ROT_HINGE3;
        for (k, &j) in js.iter().enumerate() {
            let joint = &model.joints[j];
            let axis_w = bodies.xb[root].q * joint.axis.normalize();
            match joint.kind {
                JointKind::Hinge if group => {
                    // Axes in the body's frame at the reference: MuJoCo turns the body
                    // about each in turn, so each is fixed in the frame the earlier ones
                    // turned.
                    put3(w, B_HINGE_AXES + 3 * k as u32, xs.q.conjugate() * axis_w);
                    slot_of_joint[j] = k as u32;
                }
                JointKind::Slide => {
                    let a = xp.q.conjugate() * axis_w;
                    if slide_axes.iter().any(|o| o.dot(a).abs() > 1e-4) {
                        return Err(unsupported(
                            format!(
                                "slide joints of body `{}` (axes not orthogonal)",
                                body_name(model, root)
                            ),
                            JOINT_GROUPS,
                        ));
                    }
                    put3(w, B_SLIDE_AXES + 3 * nslide, a);
                    slot_of_joint[j] = nslide;
                    slide_axes.push(a);
                    nslide += 1;
                }
                JointKind::Hinge => {
                    put3(w, B_HAXIS_P, xp.q.conjugate() * axis_w);
                    put3(w, B_HAXIS_C, xs.q.conjugate() * axis_w);
                }
                _ => {}
            }
            joint_warnings(joint, warnings);
        }
        if rot == ROT_HINGE2 {
            let a = |k: u32| Vec3::from_slice(&w[(B_HINGE_AXES + 3 * k) as usize..]);
            put3(w, B_HINGE_AXES + 6, a(0).cross(a(1)));
        }
        let anchor_w = bodies.xb[root].point(model.joints[anchor_joint].pos);
        w[B_INV_MASS as usize] = bodies.inv_mass[s];
        put3(w, B_INV_INERTIA, bodies.inv_inertia[s]);
        put3(w, B_ARM_AXIS, bodies.arm_axis[s]);
        w[B_PARENT as usize] = bits(parent);
        w[B_NSLIDE as usize] = bits(nslide);
        w[B_ROT as usize] = bits(rot);
        w[B_TRANS_FREE as usize] = bits(trans_free);
        put3(w, B_ANCHOR_C, xs.inv().point(anchor_w));
        put3(w, B_ANCHOR_P, xp.inv().point(anchor_w));
        put4(w, B_QJ0, (xp.q.conjugate() * xs.q).normalize());
        w[B_RADIUS as usize] = body_radius[s];
    }
    let parent_sim: Vec<u32> = (0..nb).map(|s| bodies.parent_sim(model, s)).collect();
    let mut end: Vec<u32> = (1..=nb as u32).collect();
    for s in (0..nb).rev() {
        let p = parent_sim[s];
        if p != NONE {
            end[p as usize] = end[p as usize].max(end[s]);
        }
    }
    for (s, e) in end.iter().enumerate() {
        body_words[s * BODY_STRIDE as usize + B_SUBTREE_END as usize] = bits(*e);
    }
    Ok((body_words, slot_of_joint))
}

/// The rotation mode, whether translation is free, and the joint whose anchor the body
/// record uses, for the joints `js` of MJCF body `root`; an error for groups the solver
/// does not model.
fn joint_group(model: &Model, js: &[usize], root: usize) -> Result<(u32, u32, usize), Error> {
    let kinds: Vec<JointKind> = js.iter().map(|&j| model.joints[j].kind).collect();
    Ok(match kinds.as_slice() {
        [JointKind::Free] => (ROT_FREE, 1, js[0]),
        [JointKind::Ball] => (ROT_FREE, 0, js[0]),
        _ => {
            let nh = kinds.iter().filter(|k| **k == JointKind::Hinge).count();
            let ns = kinds.iter().filter(|k| **k == JointKind::Slide).count();
            let ordered = kinds
                .iter()
                .skip_while(|k| **k == JointKind::Slide)
                .all(|k| *k == JointKind::Hinge);
            if ns == 0 && (nh == 2 || nh == 3) {
                hinge_group(model, js, root)?;
                return Ok((if nh == 2 { ROT_HINGE2 } else { ROT_HINGE3 }, 0, js[0]));
            }
            if nh + ns != kinds.len() || nh > 1 || ns > 3 || !ordered {
                return Err(unsupported(
                    format!("joints {kinds:?} of body `{}`", body_name(model, root)),
                    JOINT_GROUPS,
                ));
            }
            let anchor = if nh == 1 { *js.last().unwrap() } else { js[0] };
            (if nh == 1 { ROT_HINGE } else { ROT_LOCKED }, 0, anchor)
        }
    })
}

/// Checks that the hinges `js` of MJCF body `root` form a group the solver models: their
/// axes mutually orthogonal and their anchors at one point (as every multi-hinge body of
/// Gymnasium's humanoid has them).
fn hinge_group(model: &Model, js: &[usize], root: usize) -> Result<(), Error> {
    let name = body_name(model, root);
    for (k, &a) in js.iter().enumerate() {
        for &b in &js[k + 1..] {
            let (ja, jb) = (&model.joints[a], &model.joints[b]);
            let dot = ja.axis.normalize().dot(jb.axis.normalize());
            if dot.abs() > 1e-4 {
                return Err(unsupported(
                    format!("hinges of body `{name}` (axes not orthogonal: dot {dot})"),
                    JOINT_GROUPS,
                ));
            }
            if ja.pos.distance(jb.pos) > 1e-6 {
                return Err(unsupported(
                    format!(
                        "hinges of body `{name}` (anchors {:?} and {:?} differ)",
                        ja.pos.to_array(),
                        jb.pos.to_array()
                    ),
                    JOINT_GROUPS,
                ));
            }
        }
    }
    Ok(())
}

/// Warnings for the joint settings the solver does not model.
fn joint_warnings(joint: &Joint, warnings: &mut Vec<String>) {
    let scalar = matches!(joint.kind, JointKind::Hinge | JointKind::Slide);
    if joint.stiffness != 0.0 && !scalar {
        warnings.push(format!(
            "joint `{}`: stiffness (springs) on {:?} joints is not modelled (hinges and slides only)",
            joint.name.clone().unwrap_or_default(),
            joint.kind
        ));
    }
    if joint.frictionloss != 0.0 && !scalar {
        warnings.push(format!(
            "joint `{}`: frictionloss on {:?} joints is not modelled (hinges and slides only)",
            joint.name.clone().unwrap_or_default(),
            joint.kind
        ));
    }
    if joint.kind == JointKind::Ball && joint.range.is_some() {
        warnings.push(format!(
            "joint `{}`: ball joint cone limits are not modelled",
            joint.name.clone().unwrap_or_default()
        ));
    }
}
