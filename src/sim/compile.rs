//! Compiles a host [`Model`] into the flat word layout of [`crate::layout::physics`]: the
//! records the step kernel and the CPU reference read, the initial State, and the maps
//! back from simulation bodies to MJCF bodies and joints for output.
//!
//! # Maximal coordinates
//! Every MJCF body that has joints becomes one *sim body*: a rigid body with its own pose
//! and velocity, whose frame is its centre of mass and principal axes. Bodies without
//! joints are welded (MJCF's fixed attachment): they are merged into their parent's sim
//! body (mass and inertia combined, geoms carried along), or are static when their parent
//! is the world. Joints become constraints between a sim body and its parent.
//!
//! One body's joint group may be: one free joint; one ball joint; or up to three mutually
//! orthogonal slides followed by at most one hinge (this covers every Gymnasium file:
//! planar roots are slide x, slide z, hinge y). Anything else is an error naming the body.

use super::inertia::{combine, principal, Part};
use super::model::{ActuatorKind, GeomKind, JointKind, Model};
use crate::layout::physics::*;
use crate::Error;
use glam::{DMat3, DVec3, Quat, Vec3};

/// Default [`SceneParams::escape_radius`], m: far beyond any scene's workspace, yet where
/// f32 still resolves 0.06 mm, so contact and integration are still meaningful up to it.
pub const DEFAULT_ESCAPE_RADIUS: f32 = 1000.0;

/// Solver settings that are not part of MJCF.
#[derive(Debug, Clone, PartialEq)]
pub struct PhysicsOptions {
    /// Substeps per step; `None` picks `ceil(dt / max_substep)`, at least
    /// [`PhysicsOptions::MIN_SUBSTEPS`].
    pub substeps: Option<u32>,
    /// Longest substep when `substeps` is `None`, s. Default 2 ms: the validation suite
    /// (stack, pendulum period, resting penetration) passes with margin at this size, and
    /// cost grows linearly with the substep count.
    pub max_substep: f32,
    /// Contacts each world can hold per step; `None` picks 8 per sim body plus 8, which
    /// covers a box resting on a box on the floor for every body. Overflow sets
    /// [`FLAG_CONTACT_OVERFLOW`] and drops the extra contacts.
    pub contact_capacity: Option<u32>,
    /// Speculative contact margin, m. Default 5 mm: pairs closer than this (plus what they
    /// can close in one step at their current speed) are contacts for the whole step.
    pub margin: f32,
    /// Coefficient of restitution of every geom (MJCF has none; 0 matches MuJoCo's default
    /// soft contacts, which do not bounce).
    pub restitution: f32,
}

impl PhysicsOptions {
    /// Fewest substeps picked automatically.
    pub const MIN_SUBSTEPS: u32 = 4;
}

impl Default for PhysicsOptions {
    fn default() -> Self {
        PhysicsOptions {
            substeps: None,
            max_substep: 0.002,
            contact_capacity: None,
            margin: 0.005,
            restitution: 0.0,
        }
    }
}

/// A joint as outputs name it.
#[derive(Debug, Clone, PartialEq)]
pub struct JointInfo {
    /// MJCF name, or `joint{index}`.
    pub name: String,
    /// Type.
    pub kind: JointKind,
    /// First qpos index.
    pub qadr: usize,
    /// First qvel index.
    pub vadr: usize,
}

/// A compiled scene: everything the kernel needs, as words.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Sizes, offsets (filled when the model buffer is assembled) and solver settings.
    pub params: SceneParams,
    /// Body records, `BODY_STRIDE` words each.
    pub body_words: Vec<f32>,
    /// Joint records.
    pub joint_words: Vec<f32>,
    /// Geom records.
    pub geom_words: Vec<f32>,
    /// Actuator records.
    pub act_words: Vec<f32>,
    /// Candidate geom pairs, two indices each.
    pub pairs: Vec<[u32; 2]>,
    /// The initial State of one world, `state_dim` words.
    pub init_state: Vec<f32>,
    /// For each MJCF body: its sim body ([`NONE`] when static) and the pose of its MJCF
    /// frame in that sim body's frame (in the world frame when static).
    pub mjcf_bodies: Vec<(u32, Vec3, Quat)>,
    /// MJCF body names (`body{index}` when unnamed); index 0 is the world.
    pub body_names: Vec<String>,
    /// Joints, in qpos order.
    pub joints: Vec<JointInfo>,
    /// Action bounds (the actuators' control ranges; ±∞ when unlimited).
    pub ctrl_range: Vec<[f32; 2]>,
    /// Things the model asks for that the solver does not model, one line each.
    pub warnings: Vec<String>,
}

fn bits(u: u32) -> f32 {
    f32::from_bits(u)
}

fn put3(w: &mut [f32], at: u32, v: Vec3) {
    w[at as usize..at as usize + 3].copy_from_slice(&v.to_array());
}

fn put4(w: &mut [f32], at: u32, q: Quat) {
    w[at as usize..at as usize + 4].copy_from_slice(&q.to_array());
}

/// Rigid transform (position, orientation).
#[derive(Debug, Clone, Copy)]
struct Pose {
    p: Vec3,
    q: Quat,
}

impl Pose {
    const ID: Pose = Pose {
        p: Vec3::ZERO,
        q: Quat::IDENTITY,
    };
    fn mul(self, o: Pose) -> Pose {
        Pose {
            p: self.p + self.q * o.p,
            q: (self.q * o.q).normalize(),
        }
    }
    fn inv(self) -> Pose {
        let qi = self.q.conjugate();
        Pose {
            p: -(qi * self.p),
            q: qi,
        }
    }
    fn point(self, v: Vec3) -> Vec3 {
        self.p + self.q * v
    }
}

fn unsupported(what: String, allowed: &str) -> Error {
    Error::InvalidArgument {
        field: what,
        value: "not supported".into(),
        allowed: allowed.into(),
    }
}

/// Compiles `model` with `opts`.
pub fn compile(model: &Model, opts: &PhysicsOptions) -> Result<Compiled, Error> {
    let nbody = model.bodies.len();
    let name_of = |b: usize| {
        model.bodies[b]
            .name
            .clone()
            .unwrap_or_else(|| format!("body{b}"))
    };
    let mut warnings = Vec::new();
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
    let nb = roots.len();
    // Mass properties and frames of the sim bodies.
    let mut xs = vec![Pose::ID; nb];
    let mut inv_mass = vec![0.0_f32; nb];
    let mut inv_inertia = vec![Vec3::ZERO; nb];
    for (s, &root) in roots.iter().enumerate() {
        let to_root = xb[root].inv();
        let mut parts = Vec::new();
        for b in 1..nbody {
            if sim[b] != s as u32 || model.bodies[b].mass <= 0.0 {
                continue;
            }
            let body = &model.bodies[b];
            let rel = to_root.mul(xb[b]);
            parts.push(Part {
                mass: body.mass as f64,
                pos: rel.point(body.ipos).as_dvec3(),
                quat: (rel.q * body.iquat).normalize(),
                inertia: body.inertia.as_dvec3(),
            });
        }
        let (mass, com, mut tensor) = combine(&parts);
        for &j in &joints_of[root] {
            let joint = &model.joints[j];
            if joint.armature > 0.0 {
                match joint.kind {
                    JointKind::Hinge => {
                        // Rotor inertia about the hinge axis, added to the body it drives:
                        // exact for the joint's own degree of freedom when the parent is
                        // much heavier, an approximation otherwise (documented).
                        let a = joint.axis.normalize().as_dvec3();
                        tensor +=
                            DMat3::from_cols(a * a.x, a * a.y, a * a.z) * joint.armature as f64;
                    }
                    _ => warnings.push(format!(
                        "joint `{}`: armature on {:?} joints is not modelled (hinges only)",
                        joint.name.clone().unwrap_or_default(),
                        joint.kind
                    )),
                }
            }
        }
        let (moments, axes) = principal(tensor);
        if !(mass > 1e-9 && moments.min_element() > 1e-12) {
            return Err(Error::InvalidArgument {
                field: format!("body `{}`", name_of(root)),
                value: format!("mass {mass} kg, inertia {:?} kg·m²", moments.to_array()),
                allowed: "bodies that move need mass and inertia > 0 (add geoms with size or an <inertial>)".into(),
            });
        }
        xs[s] = xb[root].mul(Pose {
            p: com.as_vec3(),
            q: axes,
        });
        inv_mass[s] = (1.0 / mass) as f32;
        inv_inertia[s] = (DVec3::ONE / moments).as_vec3();
    }
    // MJCF frames in sim frames.
    let mjcf_bodies: Vec<(u32, Vec3, Quat)> = (0..nbody)
        .map(|b| {
            if b == 0 || sim[b] == NONE {
                (NONE, xb[b].p, xb[b].q)
            } else {
                let rel = xs[sim[b] as usize].inv().mul(xb[b]);
                (sim[b], rel.p, rel.q)
            }
        })
        .collect();
    let frame_of = |s: u32| if s == NONE { Pose::ID } else { xs[s as usize] };

    // Geoms.
    let ng = model.geoms.len();
    let mut geom_words = vec![0.0_f32; ng * GEOM_STRIDE as usize];
    let mut body_radius = vec![0.0_f32; nb];
    for (g, geom) in model.geoms.iter().enumerate() {
        let w = &mut geom_words[g * GEOM_STRIDE as usize..(g + 1) * GEOM_STRIDE as usize];
        let gname = geom.name.clone().unwrap_or_else(|| format!("geom{g}"));
        let (ty, size, radius) = match geom.kind {
            GeomKind::Plane => (GEOM_PLANE, geom.size, 0.0),
            GeomKind::Sphere => (GEOM_SPHERE, geom.size, geom.size.x),
            GeomKind::Capsule => (GEOM_CAPSULE, geom.size, geom.size.x + geom.size.y),
            GeomKind::Box => (GEOM_BOX, geom.size, geom.size.length()),
            GeomKind::Cylinder => {
                if geom.contype != 0 || geom.conaffinity != 0 {
                    warnings.push(format!(
                        "geom `{gname}`: cylinders collide as capsules of the same radius and half-length"
                    ));
                }
                (GEOM_CAPSULE, geom.size, geom.size.x + geom.size.y)
            }
            GeomKind::Ellipsoid => {
                let r = geom.size.max_element();
                if geom.contype != 0 || geom.conaffinity != 0 {
                    warnings.push(format!(
                        "geom `{gname}`: ellipsoids collide as spheres of their largest semi-axis"
                    ));
                }
                (GEOM_SPHERE, Vec3::new(r, 0.0, 0.0), r)
            }
        };
        let s = if geom.body == 0 { NONE } else { sim[geom.body] };
        let (bs, bp, bq) = mjcf_bodies[geom.body];
        debug_assert_eq!(bs, s);
        let local = Pose { p: bp, q: bq }.mul(Pose {
            p: geom.pos,
            q: geom.quat.normalize(),
        });
        w[G_TYPE as usize] = bits(ty);
        w[G_BODY as usize] = bits(s);
        w[G_CONTYPE as usize] = bits(geom.contype);
        w[G_CONAFFINITY as usize] = bits(geom.conaffinity);
        w[G_CONDIM as usize] = bits(geom.condim);
        w[G_FRICTION as usize] = if geom.condim == 1 {
            0.0
        } else {
            geom.friction.x
        };
        put3(w, G_SIZE, size);
        put3(w, G_POS, local.p);
        put4(w, G_QUAT, local.q);
        w[G_RADIUS as usize] = radius;
        w[G_RESTITUTION as usize] = opts.restitution;
        if s != NONE {
            let r = &mut body_radius[s as usize];
            *r = r.max(local.p.length() + radius);
        }
    }
    if model.geoms.iter().any(|g| g.condim > 3) {
        warnings
            .push("condim 4 and 6 (torsional and rolling friction) are treated as condim 3".into());
    }

    // Bodies and their joint groups.
    let mut body_words = vec![0.0_f32; nb * BODY_STRIDE as usize];
    let mut parent_sim = vec![NONE; nb];
    let mut slot_of_joint = vec![0u32; model.joints.len()];
    for (s, &root) in roots.iter().enumerate() {
        let w = &mut body_words[s * BODY_STRIDE as usize..(s + 1) * BODY_STRIDE as usize];
        let js = &joints_of[root];
        let kinds: Vec<JointKind> = js.iter().map(|&j| model.joints[j].kind).collect();
        let parent = sim[model.bodies[root].parent];
        parent_sim[s] = parent;
        let xp = frame_of(parent);
        let allowed = "one free joint, one ball joint, or up to three orthogonal slides followed by at most one hinge";
        let (rot, trans_free, anchor_joint) = match kinds.as_slice() {
            [JointKind::Free] => (ROT_FREE, 1, js[0]),
            [JointKind::Ball] => (ROT_FREE, 0, js[0]),
            _ => {
                let nh = kinds.iter().filter(|k| **k == JointKind::Hinge).count();
                let ns = kinds.iter().filter(|k| **k == JointKind::Slide).count();
                let ordered = kinds
                    .iter()
                    .skip_while(|k| **k == JointKind::Slide)
                    .all(|k| *k == JointKind::Hinge);
                if nh + ns != kinds.len() || nh > 1 || ns > 3 || !ordered {
                    return Err(unsupported(
                        format!("joints {kinds:?} of body `{}`", name_of(root)),
                        allowed,
                    ));
                }
                let anchor = if nh == 1 { *js.last().unwrap() } else { js[0] };
                (if nh == 1 { ROT_HINGE } else { ROT_LOCKED }, 0, anchor)
            }
        };
        let mut nslide = 0u32;
        let mut slide_axes: Vec<Vec3> = Vec::new();
        for &j in js {
            let joint = &model.joints[j];
            let axis_w = xb[root].q * joint.axis.normalize();
            match joint.kind {
                JointKind::Slide => {
                    let a = xp.q.conjugate() * axis_w;
                    if slide_axes.iter().any(|o| o.dot(a).abs() > 1e-4) {
                        return Err(unsupported(
                            format!(
                                "slide joints of body `{}` (axes not orthogonal)",
                                name_of(root)
                            ),
                            allowed,
                        ));
                    }
                    put3(w, B_SLIDE_AXES + 3 * nslide, a);
                    slot_of_joint[j] = nslide;
                    slide_axes.push(a);
                    nslide += 1;
                }
                JointKind::Hinge => {
                    put3(w, B_HAXIS_P, xp.q.conjugate() * axis_w);
                    put3(w, B_HAXIS_C, xs[s].q.conjugate() * axis_w);
                }
                _ => {}
            }
            if joint.stiffness != 0.0 {
                warnings.push(format!(
                    "joint `{}`: stiffness (springs) is not modelled",
                    joint.name.clone().unwrap_or_default()
                ));
            }
            if joint.frictionloss != 0.0 {
                warnings.push(format!(
                    "joint `{}`: frictionloss is not modelled",
                    joint.name.clone().unwrap_or_default()
                ));
            }
            if joint.kind == JointKind::Ball && joint.range.is_some() {
                warnings.push(format!(
                    "joint `{}`: ball joint cone limits are not modelled",
                    joint.name.clone().unwrap_or_default()
                ));
            }
        }
        let anchor_w = xb[root].point(model.joints[anchor_joint].pos);
        w[B_INV_MASS as usize] = inv_mass[s];
        put3(w, B_INV_INERTIA, inv_inertia[s]);
        w[B_PARENT as usize] = bits(parent);
        w[B_NSLIDE as usize] = bits(nslide);
        w[B_ROT as usize] = bits(rot);
        w[B_TRANS_FREE as usize] = bits(trans_free);
        put3(w, B_ANCHOR_C, xs[s].inv().point(anchor_w));
        put3(w, B_ANCHOR_P, xp.inv().point(anchor_w));
        put4(w, B_QJ0, (xp.q.conjugate() * xs[s].q).normalize());
        w[B_RADIUS as usize] = body_radius[s];
    }

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

    // Joints.
    let mut joint_words = vec![0.0_f32; model.joints.len() * JOINT_STRIDE as usize];
    let mut joints = Vec::new();
    let (mut qadr, mut vadr) = (0usize, 0usize);
    for (j, joint) in model.joints.iter().enumerate() {
        let w = &mut joint_words[j * JOINT_STRIDE as usize..(j + 1) * JOINT_STRIDE as usize];
        let s = sim[joint.body];
        let kind = match joint.kind {
            JointKind::Free => JOINT_FREE,
            JointKind::Ball => JOINT_BALL,
            JointKind::Slide => JOINT_SLIDE,
            JointKind::Hinge => JOINT_HINGE,
        };
        let (_, rp, rq) = mjcf_bodies[joint.body];
        let xp = frame_of(parent_sim[s as usize]);
        w[J_KIND as usize] = bits(kind);
        w[J_BODY as usize] = bits(s);
        w[J_QADR as usize] = bits(qadr as u32);
        w[J_VADR as usize] = bits(vadr as u32);
        w[J_REF as usize] = joint.reference;
        if let Some([lo, hi]) = joint.range {
            if matches!(joint.kind, JointKind::Slide | JointKind::Hinge) {
                w[J_LIMITED as usize] = bits(1);
                w[J_RANGE_LO as usize] = lo;
                w[J_RANGE_HI as usize] = hi;
            }
        }
        w[J_DAMPING as usize] = joint.damping;
        w[J_SLOT as usize] = bits(slot_of_joint[j]);
        put3(w, J_RELC_POS, rp);
        put4(w, J_RELC_QUAT, rq);
        put4(w, J_PQ, (xp.q.conjugate() * xb[joint.body].q).normalize());
        joints.push(JointInfo {
            name: joint.name.clone().unwrap_or_else(|| format!("joint{j}")),
            kind: joint.kind,
            qadr,
            vadr,
        });
        qadr += joint.kind.nq();
        vadr += joint.kind.nv();
    }

    // Actuators.
    let mut act_words = vec![0.0_f32; model.actuators.len() * ACT_STRIDE as usize];
    let mut ctrl_range = Vec::new();
    for (a, act) in model.actuators.iter().enumerate() {
        let w = &mut act_words[a * ACT_STRIDE as usize..(a + 1) * ACT_STRIDE as usize];
        let jk = model.joints[act.joint].kind;
        if !matches!(jk, JointKind::Slide | JointKind::Hinge) {
            return Err(unsupported(
                format!(
                    "actuator `{}` on a {jk:?} joint",
                    act.name.clone().unwrap_or_else(|| format!("actuator{a}"))
                ),
                "actuators on hinge and slide joints",
            ));
        }
        let (kind, kp, kv) = match act.kind {
            ActuatorKind::Motor => (ACT_MOTOR, 0.0, 0.0),
            ActuatorKind::Position { kp, kv } => (ACT_POSITION, kp, kv),
        };
        w[A_KIND as usize] = bits(kind);
        w[A_JOINT as usize] = bits(act.joint as u32);
        w[A_GEAR as usize] = act.gear;
        w[A_KP as usize] = kp;
        w[A_KV as usize] = kv;
        if let Some([lo, hi]) = act.ctrlrange {
            w[A_CTRL_LIMITED as usize] = bits(1);
            w[A_CTRL_LO as usize] = lo;
            w[A_CTRL_HI as usize] = hi;
            ctrl_range.push([lo, hi]);
        } else {
            ctrl_range.push([f32::NEG_INFINITY, f32::INFINITY]);
        }
        if let Some([lo, hi]) = act.forcerange {
            w[A_FORCE_LIMITED as usize] = bits(1);
            w[A_FORCE_LO as usize] = lo;
            w[A_FORCE_HI as usize] = hi;
        }
    }

    // Candidate pairs: MJCF's contype/conaffinity rule, no pair within one sim body, none
    // between two static geoms, and none between a body and its joint parent (MuJoCo's
    // default `filterparent`).
    let mut pairs = Vec::new();
    for g1 in 0..ng {
        for g2 in g1 + 1..ng {
            let (a, b) = (&model.geoms[g1], &model.geoms[g2]);
            if a.contype & b.conaffinity == 0 && b.contype & a.conaffinity == 0 {
                continue;
            }
            let s1 = if a.body == 0 { NONE } else { sim[a.body] };
            let s2 = if b.body == 0 { NONE } else { sim[b.body] };
            if s1 == s2 {
                continue;
            }
            let related = (s1 != NONE && s2 != NONE)
                && (parent_sim[s1 as usize] == s2 || parent_sim[s2 as usize] == s1);
            if related || (a.kind == GeomKind::Plane && b.kind == GeomKind::Plane) {
                continue;
            }
            pairs.push([g1 as u32, g2 as u32]);
        }
    }

    // The initial State: every body at its reference pose, at rest; hinge angle memory at ref.
    let nj = model.joints.len();
    let state_dim = nb * BODY_STATE as usize + nj;
    let mut init_state = vec![0.0_f32; state_dim];
    for (s, x) in xs.iter().enumerate() {
        let at = s as u32 * BODY_STATE;
        put3(&mut init_state, at + S_POS, x.p);
        put4(&mut init_state, at + S_QUAT, x.q);
    }
    for (j, joint) in model.joints.iter().enumerate() {
        init_state[nb * BODY_STATE as usize + j] = joint.reference;
    }

    let dt = model.option.timestep;
    let substeps = opts.substeps.unwrap_or_else(|| {
        ((dt / opts.max_substep).ceil() as u32).max(PhysicsOptions::MIN_SUBSTEPS)
    });
    let capacity = opts.contact_capacity.unwrap_or(8 * nb as u32 + 8);
    let nq = model.nq() as u32;
    let nv = model.nv() as u32;
    let g = model.option.gravity;
    if model.option.viscosity != 0.0 || model.option.density != 0.0 {
        warnings.push(
            "option density/viscosity (fluid forces) are not modelled: Swimmer will not swim"
                .into(),
        );
    }
    let params = SceneParams {
        num_bodies: nb as u32,
        num_joints: nj as u32,
        num_geoms: ng as u32,
        num_actuators: model.actuators.len() as u32,
        num_pairs: pairs.len() as u32,
        nq,
        nv,
        contact_capacity: capacity,
        substeps,
        task: TASK_NONE,
        task_q: 0,
        state_dim: state_dim as u32,
        dt,
        h: dt / substeps as f32,
        task_limit: 0.0,
        max_episode_steps: 1000,
        gravity_x: g.x,
        gravity_y: g.y,
        gravity_z: g.z,
        margin: opts.margin,
        off_body: 0,
        wstride_body: 0,
        off_joint: 0,
        wstride_joint: 0,
        off_geom: 0,
        wstride_geom: 0,
        off_act: 0,
        wstride_act: 0,
        off_pair: 0,
        off_init: 0,
        wstride_init: 0,
        scratch_stride: 0,
        scratch_contacts: 0,
        scratch_ctrl: 0,
        obs_dim: nq + nv,
        reset_noise: 0.0,
        task_q2: 0,
        off_opt: 0,
        wstride_opt: 0,
        scratch_ring: 0,
        ring_len: 0,
        task_radius: 0.0,
        escape_radius: DEFAULT_ESCAPE_RADIUS,
        pad1: 0,
    };
    let body_names = (0..nbody).map(name_of).collect();
    warnings.sort();
    warnings.dedup();
    Ok(Compiled {
        params,
        body_words,
        joint_words,
        geom_words,
        act_words,
        pairs,
        init_state,
        mjcf_bodies,
        body_names,
        joints,
        ctrl_range,
        warnings,
    })
}

/// Per-world copies of the Model's record families: `true` gives the family a leading
/// world dimension of N (one copy per world, for randomization), `false` shares one copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerWorld {
    /// Body records (mass, inertia, joint frames).
    pub bodies: bool,
    /// Joint records (limits, damping).
    pub joints: bool,
    /// Geom records (friction, sizes, restitution).
    pub geoms: bool,
    /// Actuator records (gear, gains, ranges).
    pub actuators: bool,
    /// Initial states.
    pub init: bool,
    /// Options (gravity, substep, noise and latency).
    pub options: bool,
}

impl PerWorld {
    /// Families per world in either.
    pub fn or(self, o: PerWorld) -> PerWorld {
        PerWorld {
            bodies: self.bodies || o.bodies,
            joints: self.joints || o.joints,
            geoms: self.geoms || o.geoms,
            actuators: self.actuators || o.actuators,
            init: self.init || o.init,
            options: self.options || o.options,
        }
    }
}

impl Compiled {
    /// Assembles the Model buffer for `worlds` worlds and fills in the offsets of
    /// `self.params`. Families marked in `per_world` are repeated once per world, so their
    /// copies can then be edited one world at a time.
    pub fn model_words(&mut self, worlds: usize, per_world: PerWorld) -> Vec<f32> {
        let mut out = Vec::new();
        let mut family = |words: &[f32], per: bool| -> (u32, u32) {
            let off = out.len() as u32;
            let copies = if per { worlds } else { 1 };
            for _ in 0..copies {
                out.extend_from_slice(words);
            }
            (off, if per { words.len() as u32 } else { 0 })
        };
        let p = &mut self.params;
        (p.off_body, p.wstride_body) = family(&self.body_words, per_world.bodies);
        (p.off_joint, p.wstride_joint) = family(&self.joint_words, per_world.joints);
        (p.off_geom, p.wstride_geom) = family(&self.geom_words, per_world.geoms);
        (p.off_act, p.wstride_act) = family(&self.act_words, per_world.actuators);
        let pair_words: Vec<f32> = self
            .pairs
            .iter()
            .flat_map(|[a, b]| [bits(*a), bits(*b)])
            .collect();
        (p.off_pair, _) = family(&pair_words, false);
        (p.off_init, p.wstride_init) = family(&self.init_state, per_world.init);
        let mut opt = [0.0_f32; OPT_STRIDE as usize];
        opt[OPT_GRAVITY as usize..OPT_GRAVITY as usize + 3].copy_from_slice(&[
            p.gravity_x,
            p.gravity_y,
            p.gravity_z,
        ]);
        opt[OPT_H as usize] = p.h;
        opt[OPT_DT as usize] = p.dt;
        (p.off_opt, p.wstride_opt) = family(&opt, per_world.options);
        // Scratch: per-body substep words, controls, contact count, contacts.
        let nb = p.num_bodies;
        p.scratch_ctrl = SCRATCH_BODY * nb;
        p.scratch_contacts = SCRATCH_BODY * nb + p.num_actuators + 1;
        p.scratch_ring = p.scratch_contacts + p.contact_capacity * CONTACT_STRIDE;
        p.scratch_stride = p.scratch_ring + p.ring_len * p.num_actuators;
        if out.is_empty() {
            out.push(0.0); // wgpu rejects empty bindings
        }
        out
    }

    /// World poses of every MJCF body (position, orientation) from one world's State row.
    pub fn body_poses(&self, state: &[f32]) -> Vec<(Vec3, Quat)> {
        self.mjcf_bodies
            .iter()
            .map(|&(s, p, q)| {
                if s == NONE {
                    return (p, q);
                }
                let at = (s * BODY_STATE) as usize;
                let x = Vec3::from_slice(&state[at + S_POS as usize..]);
                let r = Quat::from_slice(&state[at + S_QUAT as usize..]);
                (x + r * p, (r * q).normalize())
            })
            .collect()
    }
}
