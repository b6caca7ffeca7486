//! The geom, joint and actuator records, in the sim bodies' frames.

use super::bodies::{Pose, SimBodies};
use super::{bits, put3, put4, unsupported, JointInfo, PhysicsOptions};
use crate::layout::physics::*;
use crate::sim::model::{ActuatorKind, GeomKind, JointKind, Model};
use crate::Error;
use glam::Vec3;

/// The geom records, and each sim body's bounding radius (from its frame's origin, m).
pub(super) fn geom_words(
    model: &Model,
    opts: &PhysicsOptions,
    bodies: &SimBodies,
    warnings: &mut Vec<String>,
) -> (Vec<f32>, Vec<f32>) {
    let ng = model.geoms.len();
    let mut geom_words = vec![0.0_f32; ng * GEOM_STRIDE as usize];
    let mut body_radius = vec![0.0_f32; bodies.roots.len()];
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
        let s = if geom.body == 0 {
            NONE
        } else {
            bodies.sim[geom.body]
        };
        let (bs, bp, bq) = bodies.mjcf_bodies[geom.body];
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
        // The pair's condim decides whether it has friction (collision stage).
        w[G_FRICTION as usize] = geom.friction.x;
        put3(w, G_SIZE, size);
        put3(w, G_POS, local.p);
        put4(w, G_QUAT, local.q);
        w[G_RADIUS as usize] = radius;
        w[G_RESTITUTION as usize] = opts.restitution;
        w[G_MARGIN as usize] = geom.margin;
        w[G_GAP as usize] = geom.gap;
        if s != NONE {
            let r = &mut body_radius[s as usize];
            *r = r.max(local.p.length() + radius);
        }
    }
    if model.geoms.iter().any(|g| g.condim > 3) {
        warnings
            .push("condim 4 and 6 (torsional and rolling friction) are treated as condim 3".into());
    }
    (geom_words, body_radius)
}

/// The joint records (`slot_of_joint`: each slide's slot in its body record), and the
/// joints as outputs name them, in qpos order.
pub(super) fn joint_words(
    model: &Model,
    bodies: &SimBodies,
    slot_of_joint: &[u32],
) -> (Vec<f32>, Vec<JointInfo>) {
    let mut joint_words = vec![0.0_f32; model.joints.len() * JOINT_STRIDE as usize];
    let mut joints = Vec::new();
    let (mut qadr, mut vadr) = (0usize, 0usize);
    for (j, joint) in model.joints.iter().enumerate() {
        let w = &mut joint_words[j * JOINT_STRIDE as usize..(j + 1) * JOINT_STRIDE as usize];
        let s = bodies.sim[joint.body];
        let kind = match joint.kind {
            JointKind::Free => JOINT_FREE,
            JointKind::Ball => JOINT_BALL,
            JointKind::Slide => JOINT_SLIDE,
            JointKind::Hinge => JOINT_HINGE,
        };
        let (_, rp, rq) = bodies.mjcf_bodies[joint.body];
        let xp = bodies.frame_of(bodies.parent_sim(model, s as usize));
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
        if matches!(joint.kind, JointKind::Slide | JointKind::Hinge) {
            w[J_STIFFNESS as usize] = joint.stiffness;
            w[J_SPRINGREF as usize] = joint.springref;
            w[J_FRICTIONLOSS as usize] = joint.frictionloss;
        }
        let (k, b) = limit_reference(joint, model.option.timestep);
        w[J_LIMIT_K as usize] = k;
        w[J_LIMIT_B as usize] = b;
        w[J_SOLIMP as usize..J_SOLIMP as usize + 5].copy_from_slice(&joint.solimp_limit);
        put3(w, J_RELC_POS, rp);
        put4(w, J_RELC_QUAT, rq);
        put4(
            w,
            J_PQ,
            (xp.q.conjugate() * bodies.xb[joint.body].q).normalize(),
        );
        joints.push(JointInfo {
            name: joint.name.clone().unwrap_or_else(|| format!("joint{j}")),
            kind: joint.kind,
            qadr,
            vadr,
        });
        qadr += joint.kind.nq();
        vadr += joint.kind.nv();
    }
    (joint_words, joints)
}

/// The actuator records and the action bounds (control ranges; ±∞ when unlimited).
pub(super) fn actuator_words(model: &Model) -> Result<(Vec<f32>, Vec<[f32; 2]>), Error> {
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
    Ok((act_words, ctrl_range))
}

/// MuJoCo's reference stiffness and damping (1/s², 1/s) of a joint's limit from its
/// `solreflimit` and `solimplimit`: `K = 1 / (dmax² · tc² · dampratio²)`,
/// `B = 2 / (dmax · tc)`, with the time constant raised to at least two model timesteps as
/// MuJoCo's default `refsafe` flag does; negative solref values are `(-K, -B)` directly.
fn limit_reference(joint: &crate::sim::model::Joint, timestep: f32) -> (f32, f32) {
    let [tc, dr] = joint.solref_limit;
    if tc <= 0.0 {
        return (-tc, -dr);
    }
    let tc = tc.max(2.0 * timestep);
    let dmax = joint.solimp_limit[1];
    (1.0 / (dmax * dmax * tc * tc * dr * dr), 2.0 / (dmax * tc))
}
