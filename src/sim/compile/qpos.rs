//! MuJoCo's joint coordinates (qpos, qvel) to and from the maximal-coordinate State.
//!
//! [`Compiled::state_from_qpos`] is forward kinematics over the sim bodies, parents first,
//! from the same body and joint records the step and the observation read, so that the
//! observation of the State it writes gives back the qpos and qvel it was given:
//!
//! - free joint: qpos is the MJCF body frame's world position and orientation (w, x, y, z,
//!   normalized as MuJoCo does); qvel is that frame origin's world linear velocity, then the
//!   angular velocity in the body frame;
//! - ball joint: qpos is the body frame's orientation relative to its reference pose on the
//!   parent, about the joint anchor; qvel is the angular velocity relative to the parent, in
//!   the body frame;
//! - two or three hinges through one anchor: the body turns by R(a1, q1 − ref1) R(a2, q2 −
//!   ref2) [R(a3, q3 − ref3)] about its own axes, as MuJoCo composes a body's hinges;
//!   each rate turns it about that hinge's axis as the earlier hinges left it;
//! - slides, then at most one hinge: each slide translates the body along its axis (fixed in
//!   the parent) by `q - ref` m, then the hinge turns it about its axis through the anchor
//!   by `q - ref` rad; velocities add `axis · qd` (linear for slides, angular for hinges,
//!   with `ω × r` for the points off the axis).
//!
//! [`Compiled::qpos_qvel`] is the other way, through the CPU reference's observation
//! ([`crate::sim::cpu::World::observe`]).

use super::{Compiled, PerWorld};
use crate::layout::physics::*;
use crate::sim::cpu::World;
use crate::Error;
use glam::{Quat, Vec3};

/// One sim body's pose and velocity (world frame; the origin is the centre of mass).
#[derive(Clone, Copy)]
struct Frame {
    p: Vec3,
    q: Quat,
    v: Vec3,
    w: Vec3,
}

impl Frame {
    /// The world: at rest at the origin.
    const WORLD: Frame = Frame {
        p: Vec3::ZERO,
        q: Quat::IDENTITY,
        v: Vec3::ZERO,
        w: Vec3::ZERO,
    };

    /// Velocity of the world point `x` moving with this frame.
    fn point_vel(&self, x: Vec3) -> Vec3 {
        self.v + self.w.cross(x - self.p)
    }
}

/// `values` has `n` entries, all finite.
fn check(field: &str, values: &[f32], n: usize, what: &str) -> Result<(), Error> {
    if values.len() != n {
        return Err(Error::InvalidArgument {
            field: field.into(),
            value: format!("{} values", values.len()),
            allowed: format!("exactly {n} values ({what})"),
        });
    }
    if let Some(k) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument {
            field: format!("{field}[{k}]"),
            value: values[k].to_string(),
            allowed: "finite values".into(),
        });
    }
    Ok(())
}

/// The quaternion (w, x, y, z) at `qpos[at..at + 4]`, normalized; an error when its norm
/// is too small to normalize.
fn quat_at(qpos: &[f32], at: usize) -> Result<Quat, Error> {
    let q = Quat::from_xyzw(qpos[at + 1], qpos[at + 2], qpos[at + 3], qpos[at]);
    let n = q.length();
    if n <= 1e-6 {
        return Err(Error::InvalidArgument {
            field: format!("qpos[{at}..{}]", at + 4),
            value: format!("{:?} (norm {n})", &qpos[at..at + 4]),
            allowed: "a quaternion (w, x, y, z) with a nonzero norm (it is normalized)".into(),
        });
    }
    Ok(q / n)
}

/// `Vec3` at `v[at..at + 3]`.
fn vec3_at(v: &[f32], at: usize) -> Vec3 {
    Vec3::from_slice(&v[at..at + 3])
}

impl Compiled {
    fn body_word(&self, s: usize, k: u32) -> f32 {
        self.body_words[s * BODY_STRIDE as usize + k as usize]
    }
    fn body_vec(&self, s: usize, k: u32) -> Vec3 {
        Vec3::from_slice(&self.body_words[s * BODY_STRIDE as usize + k as usize..])
    }
    fn body_quat(&self, s: usize, k: u32) -> Quat {
        Quat::from_slice(&self.body_words[s * BODY_STRIDE as usize + k as usize..])
    }
    fn joint_word(&self, j: usize, k: u32) -> f32 {
        self.joint_words[j * JOINT_STRIDE as usize + k as usize]
    }
    fn joint_vec(&self, j: usize, k: u32) -> Vec3 {
        Vec3::from_slice(&self.joint_words[j * JOINT_STRIDE as usize + k as usize..])
    }
    fn joint_quat(&self, j: usize, k: u32) -> Quat {
        Quat::from_slice(&self.joint_words[j * JOINT_STRIDE as usize + k as usize..])
    }

    /// One world's State row for joint positions `qpos` (`nq` values) and velocities
    /// `qvel` (`nv` values), in MuJoCo's conventions (see the module documentation). Hinge
    /// angles may be any number of turns: the State's hinge memory keeps them. Quaternions
    /// are normalized. Errors for wrong lengths, non-finite values and zero quaternions
    /// name the field (`qpos`, `qvel`) and what is allowed.
    pub fn state_from_qpos(&self, qpos: &[f32], qvel: &[f32]) -> Result<Vec<f32>, Error> {
        let p = &self.params;
        let (nq, nv) = (p.nq as usize, p.nv as usize);
        check("qpos", qpos, nq, "nq: the scene's joint positions")?;
        check("qvel", qvel, nv, "nv: the scene's joint velocities")?;
        let nb = p.num_bodies as usize;
        let mut joints_of = vec![Vec::new(); nb];
        for j in 0..self.joints.len() {
            joints_of[self.joint_word(j, J_BODY).to_bits() as usize].push(j);
        }
        let mut frames: Vec<Frame> = Vec::with_capacity(nb);
        for (s, js) in joints_of.iter().enumerate() {
            let parent = self.body_word(s, B_PARENT).to_bits();
            // Parents come first: MJCF lists a body after its parent.
            let pf = if parent == NONE {
                Frame::WORLD
            } else {
                frames[parent as usize]
            };
            let rot = self.body_word(s, B_ROT).to_bits();
            let f = if rot == ROT_FREE && self.body_word(s, B_TRANS_FREE).to_bits() == 1 {
                self.free_frame(js[0], qpos, qvel)?
            } else if rot == ROT_FREE {
                self.ball_frame(s, js[0], &pf, qpos, qvel)?
            } else if rot == ROT_HINGE2 || rot == ROT_HINGE3 {
                self.hinge_group_frame(s, js, &pf, qpos, qvel)
            } else {
                self.slide_hinge_frame(s, js, &pf, qpos, qvel)
            };
            frames.push(f);
        }
        let mut state = vec![0.0_f32; p.state_dim as usize];
        for (s, f) in frames.iter().enumerate() {
            let at = s * BODY_STATE as usize;
            let w = &mut state[at..at + BODY_STATE as usize];
            w[S_POS as usize..S_POS as usize + 3].copy_from_slice(&f.p.to_array());
            w[S_QUAT as usize..S_QUAT as usize + 4].copy_from_slice(&f.q.to_array());
            w[S_VEL as usize..S_VEL as usize + 3].copy_from_slice(&f.v.to_array());
            w[S_ANGVEL as usize..S_ANGVEL as usize + 3].copy_from_slice(&f.w.to_array());
        }
        // Hinge memory: the angle itself; the other joints keep their reference, as in the
        // compiled initial state.
        for (j, info) in self.joints.iter().enumerate() {
            let hinge = self.joint_word(j, J_KIND).to_bits() == JOINT_HINGE;
            state[nb * BODY_STATE as usize + j] = if hinge {
                qpos[info.qadr]
            } else {
                self.joint_word(j, J_REF)
            };
        }
        Ok(state)
    }

    /// A body on a free joint `j`.
    fn free_frame(&self, j: usize, qpos: &[f32], qvel: &[f32]) -> Result<Frame, Error> {
        let (qa, va) = (self.joints[j].qadr, self.joints[j].vadr);
        let xm = vec3_at(qpos, qa);
        let qm = quat_at(qpos, qa + 3)?;
        let q = (qm * self.joint_quat(j, J_RELC_QUAT).conjugate()).normalize();
        let p = xm - q * self.joint_vec(j, J_RELC_POS);
        let w = qm * vec3_at(qvel, va + 3);
        let v = vec3_at(qvel, va) + w.cross(p - xm);
        Ok(Frame { p, q, v, w })
    }

    /// Sim body `s` on ball joint `j`, below `pf`.
    fn ball_frame(
        &self,
        s: usize,
        j: usize,
        pf: &Frame,
        qpos: &[f32],
        qvel: &[f32],
    ) -> Result<Frame, Error> {
        let (qa, va) = (self.joints[j].qadr, self.joints[j].vadr);
        let r = quat_at(qpos, qa)?;
        let qm = (pf.q * self.joint_quat(j, J_PQ) * r).normalize();
        let q = (qm * self.joint_quat(j, J_RELC_QUAT).conjugate()).normalize();
        let anchor = pf.p + pf.q * self.body_vec(s, B_ANCHOR_P);
        let p = anchor - q * self.body_vec(s, B_ANCHOR_C);
        let w = pf.w + qm * vec3_at(qvel, va);
        let v = pf.point_vel(anchor) + w.cross(p - anchor);
        Ok(Frame { p, q, v, w })
    }

    /// Sim body `s` on slides `js` followed by at most one hinge (or welded, with no
    /// joints moving it), below `pf`.
    fn slide_hinge_frame(
        &self,
        s: usize,
        js: &[usize],
        pf: &Frame,
        qpos: &[f32],
        qvel: &[f32],
    ) -> Frame {
        let mut anchor = pf.p + pf.q * self.body_vec(s, B_ANCHOR_P);
        let mut v_anchor = pf.point_vel(anchor);
        let mut turn = Quat::IDENTITY;
        let mut w = pf.w;
        for &j in js {
            let (q, qd) = (qpos[self.joints[j].qadr], qvel[self.joints[j].vadr]);
            let d = q - self.joint_word(j, J_REF);
            if self.joint_word(j, J_KIND).to_bits() == JOINT_SLIDE {
                let slot = self.joint_word(j, J_SLOT).to_bits();
                let axis = pf.q * self.body_vec(s, B_SLIDE_AXES + 3 * slot);
                anchor += axis * d;
                v_anchor += axis * qd;
            } else {
                let axis_p = self.body_vec(s, B_HAXIS_P);
                turn = Quat::from_axis_angle(axis_p, d);
                w += pf.q * axis_p * qd;
            }
        }
        let q = (pf.q * turn * self.body_quat(s, B_QJ0)).normalize();
        let p = anchor - q * self.body_vec(s, B_ANCHOR_C);
        let v = v_anchor + w.cross(p - anchor);
        Frame { p, q, v, w }
    }

    /// Sim body `s` on two or three hinges `js` through one anchor, below `pf`: turned by
    /// R(a1, q1 − ref1) R(a2, q2 − ref2) [R(a3, q3 − ref3)] about its own axes, as MuJoCo
    /// composes them; each rate turns it about that hinge's axis as the earlier hinges
    /// have turned it.
    fn hinge_group_frame(
        &self,
        s: usize,
        js: &[usize],
        pf: &Frame,
        qpos: &[f32],
        qvel: &[f32],
    ) -> Frame {
        let anchor = pf.p + pf.q * self.body_vec(s, B_ANCHOR_P);
        let base = pf.q * self.body_quat(s, B_QJ0);
        let mut turn = Quat::IDENTITY;
        let mut w = pf.w;
        for (k, &j) in js.iter().enumerate() {
            let (q, qd) = (qpos[self.joints[j].qadr], qvel[self.joints[j].vadr]);
            let axis = self.body_vec(s, B_HINGE_AXES + 3 * k as u32);
            w += base * (turn * axis) * qd;
            turn *= Quat::from_axis_angle(axis, q - self.joint_word(j, J_REF));
        }
        let q = (base * turn).normalize();
        let p = anchor - q * self.body_vec(s, B_ANCHOR_C);
        let v = pf.point_vel(anchor) + w.cross(p - anchor);
        Frame { p, q, v, w }
    }

    /// qpos then qvel (`nq + nv` values per row) of each State row in `states` (rows of
    /// `state_dim` words), as the CPU reference observes them
    /// ([`crate::sim::cpu::World::observe`]); from this Compiled's own records (not any
    /// per-world randomized copy).
    pub fn qpos_qvel(&self, states: &[f32]) -> Vec<f32> {
        let mut c = self.clone();
        let model = c.model_words(1, PerWorld::default());
        let sd = c.params.state_dim as usize;
        let (nq, nv) = (c.params.nq as usize, c.params.nv as usize);
        let rows = states.len().checked_div(sd).unwrap_or(0);
        let mut out = vec![0.0_f32; rows * (nq + nv)];
        let mut row = vec![0.0_f32; sd];
        for r in 0..rows {
            row.copy_from_slice(&states[r * sd..(r + 1) * sd]);
            let world = World {
                p: &c.params,
                model: &model,
                state: &mut row,
                scratch: &mut [],
                world: 0,
            };
            world.qpos_qvel(&mut out[r * (nq + nv)..(r + 1) * (nq + nv)]);
        }
        out
    }

    /// World velocities of every MJCF body's frame origin from one world's State row:
    /// (linear velocity, m/s; angular velocity, rad/s), as MuJoCo's `mj_objectVelocity`
    /// gives them for `mjOBJ_XBODY` with `flg_local = 0` (angular first there). Static
    /// bodies are at rest.
    pub fn body_velocities(&self, state: &[f32]) -> Vec<(Vec3, Vec3)> {
        self.mjcf_bodies
            .iter()
            .map(|&(s, p, _)| {
                if s == NONE {
                    return (Vec3::ZERO, Vec3::ZERO);
                }
                let at = (s * BODY_STATE) as usize;
                let r = Quat::from_slice(&state[at + S_QUAT as usize..]);
                let v = Vec3::from_slice(&state[at + S_VEL as usize..]);
                let w = Vec3::from_slice(&state[at + S_ANGVEL as usize..]);
                (v + w.cross(r * p), w)
            })
            .collect()
    }
}
