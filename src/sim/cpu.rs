//! The CPU reference of the physics step: the same algorithm as `shaders/physics.wgsl`,
//! function for function, on the same word layout ([`crate::layout::physics`]). Tests
//! compare the GPU against it with a stated tolerance; it is also handy for debugging a
//! single world.
//!
//! # The solver: substepped XPBD
//! Macklin et al., "Small Steps in Physics Simulation" (2019) and Müller et al., "Detailed
//! Rigid Body Simulation with Extended Position Based Dynamics" (2020), with zero compliance
//! (hard contacts and joints). Per step:
//! 1. actions become controls (clamped to the control range, as MuJoCo);
//! 2. contacts are found once (speculatively, with a margin that covers what the pair can
//!    close during the step) and stored as body-local anchor points and a world normal;
//! 3. each of `substeps` substeps: actuator forces and gravity, integrate (symplectic Euler,
//!    with the gyroscopic term), one Gauss-Seidel pass over joint constraints, joint limits
//!    and contacts (normal, then static friction as a position constraint), velocities from
//!    positions, then a velocity pass (dynamic Coulomb friction, restitution, joint damping).
//!
//! Friction is an isotropic (circular) cone: the tangential correction is along the slip
//! direction and bounded by μ times the normal multiplier. The pair's μ is the larger of the
//! two geoms' sliding friction, as MuJoCo combines it.

use crate::layout::physics::*;
use glam::{Mat3, Quat, Vec3};

/// One world's view of the buffers: the shared Model words, its State row and its scratch.
pub struct World<'a> {
    /// Sizes and offsets.
    pub p: &'a SceneParams,
    /// The Model buffer (all worlds).
    pub model: &'a [f32],
    /// This world's State row.
    pub state: &'a mut [f32],
    /// This world's scratch row.
    pub scratch: &'a mut [f32],
    /// World index (selects per-world Model copies).
    pub world: u32,
}

fn u(x: f32) -> u32 {
    x.to_bits()
}

fn cross(a: Vec3, b: Vec3) -> Vec3 {
    a.cross(b)
}

/// The matrix of `r ×`.
fn skew(r: Vec3) -> Mat3 {
    Mat3::from_cols(
        Vec3::new(0.0, r.z, -r.y),
        Vec3::new(-r.z, 0.0, r.x),
        Vec3::new(r.y, -r.x, 0.0),
    )
}

/// Rotates by a small rotation vector, first order, then renormalizes (XPBD's update).
fn rotate_by(q: Quat, dphi: Vec3) -> Quat {
    let dq = Quat::from_xyzw(dphi.x, dphi.y, dphi.z, 0.0) * q;
    Quat::from_xyzw(
        q.x + 0.5 * dq.x,
        q.y + 0.5 * dq.y,
        q.z + 0.5 * dq.z,
        q.w + 0.5 * dq.w,
    )
    .normalize()
}

/// A contact found by the narrow phase: points on A and B, normal from B to A.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// Point on A's surface, world, m.
    pub pa: Vec3,
    /// Point on B's surface, world, m.
    pub pb: Vec3,
    /// Unit normal from B to A.
    pub n: Vec3,
}

/// A geom placed in the world.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    /// `GEOM_*`.
    pub ty: u32,
    /// Centre, m.
    pub c: Vec3,
    /// Orientation.
    pub q: Quat,
    /// Size words.
    pub size: Vec3,
}

impl World<'_> {
    // ---- Model access (one helper per record family) ----
    fn bw(&self, b: u32, k: u32) -> f32 {
        self.model
            [(self.p.off_body + self.world * self.p.wstride_body + b * BODY_STRIDE + k) as usize]
    }
    fn bw3(&self, b: u32, k: u32) -> Vec3 {
        Vec3::new(self.bw(b, k), self.bw(b, k + 1), self.bw(b, k + 2))
    }
    fn bw4(&self, b: u32, k: u32) -> Quat {
        Quat::from_xyzw(
            self.bw(b, k),
            self.bw(b, k + 1),
            self.bw(b, k + 2),
            self.bw(b, k + 3),
        )
    }
    fn jw(&self, j: u32, k: u32) -> f32 {
        self.model
            [(self.p.off_joint + self.world * self.p.wstride_joint + j * JOINT_STRIDE + k) as usize]
    }
    fn jw3(&self, j: u32, k: u32) -> Vec3 {
        Vec3::new(self.jw(j, k), self.jw(j, k + 1), self.jw(j, k + 2))
    }
    fn jw4(&self, j: u32, k: u32) -> Quat {
        Quat::from_xyzw(
            self.jw(j, k),
            self.jw(j, k + 1),
            self.jw(j, k + 2),
            self.jw(j, k + 3),
        )
    }
    fn gw(&self, g: u32, k: u32) -> f32 {
        self.model
            [(self.p.off_geom + self.world * self.p.wstride_geom + g * GEOM_STRIDE + k) as usize]
    }
    fn gw3(&self, g: u32, k: u32) -> Vec3 {
        Vec3::new(self.gw(g, k), self.gw(g, k + 1), self.gw(g, k + 2))
    }
    fn opt(&self, k: u32) -> f32 {
        self.model[(self.p.off_opt + self.world * self.p.wstride_opt + k) as usize]
    }
    fn gravity(&self) -> Vec3 {
        Vec3::new(
            self.opt(OPT_GRAVITY),
            self.opt(OPT_GRAVITY + 1),
            self.opt(OPT_GRAVITY + 2),
        )
    }
    fn aw(&self, a: u32, k: u32) -> f32 {
        self.model[(self.p.off_act + self.world * self.p.wstride_act + a * ACT_STRIDE + k) as usize]
    }

    // ---- State access ----
    fn sv3(&self, at: u32) -> Vec3 {
        let i = at as usize;
        Vec3::new(self.state[i], self.state[i + 1], self.state[i + 2])
    }
    fn set3(&mut self, at: u32, v: Vec3) {
        let i = at as usize;
        self.state[i..i + 3].copy_from_slice(&v.to_array());
    }
    /// Centre-of-mass position (the origin for the world).
    pub fn pos(&self, b: u32) -> Vec3 {
        if b == NONE {
            return Vec3::ZERO;
        }
        self.sv3(b * BODY_STATE + S_POS)
    }
    /// Orientation (identity for the world).
    pub fn quat(&self, b: u32) -> Quat {
        if b == NONE {
            return Quat::IDENTITY;
        }
        let i = (b * BODY_STATE + S_QUAT) as usize;
        Quat::from_xyzw(
            self.state[i],
            self.state[i + 1],
            self.state[i + 2],
            self.state[i + 3],
        )
    }
    /// Linear velocity.
    pub fn vel(&self, b: u32) -> Vec3 {
        if b == NONE {
            return Vec3::ZERO;
        }
        self.sv3(b * BODY_STATE + S_VEL)
    }
    /// Angular velocity, world frame.
    pub fn angvel(&self, b: u32) -> Vec3 {
        if b == NONE {
            return Vec3::ZERO;
        }
        self.sv3(b * BODY_STATE + S_ANGVEL)
    }
    fn set_pos(&mut self, b: u32, v: Vec3) {
        self.set3(b * BODY_STATE + S_POS, v);
    }
    fn set_quat(&mut self, b: u32, q: Quat) {
        let i = (b * BODY_STATE + S_QUAT) as usize;
        self.state[i..i + 4].copy_from_slice(&q.to_array());
    }
    fn set_vel(&mut self, b: u32, v: Vec3) {
        self.set3(b * BODY_STATE + S_VEL, v);
    }
    fn set_angvel(&mut self, b: u32, v: Vec3) {
        self.set3(b * BODY_STATE + S_ANGVEL, v);
    }
    fn prev_pos(&self, b: u32) -> Vec3 {
        if b == NONE {
            return Vec3::ZERO;
        }
        let i = (SCRATCH_BODY * b) as usize;
        Vec3::new(self.scratch[i], self.scratch[i + 1], self.scratch[i + 2])
    }
    fn prev_quat(&self, b: u32) -> Quat {
        if b == NONE {
            return Quat::IDENTITY;
        }
        let i = (SCRATCH_BODY * b + 3) as usize;
        Quat::from_xyzw(
            self.scratch[i],
            self.scratch[i + 1],
            self.scratch[i + 2],
            self.scratch[i + 3],
        )
    }

    // ---- Mass ----
    fn inv_mass(&self, b: u32) -> f32 {
        if b == NONE {
            return 0.0;
        }
        self.bw(b, B_INV_MASS)
    }
    /// World-frame inverse inertia applied to `v`.
    fn inv_inertia_mul(&self, b: u32, v: Vec3) -> Vec3 {
        if b == NONE {
            return Vec3::ZERO;
        }
        let q = self.quat(b);
        q * (self.bw3(b, B_INV_INERTIA) * (q.conjugate() * v))
    }
    /// Generalized inverse mass of a point at offset `r` from the centre, along `n`.
    fn point_inv_mass(&self, b: u32, r: Vec3, n: Vec3) -> f32 {
        if b == NONE {
            return 0.0;
        }
        let rn = cross(r, n);
        self.inv_mass(b) + rn.dot(self.inv_inertia_mul(b, rn))
    }
    fn ang_inv_mass(&self, b: u32, n: Vec3) -> f32 {
        if b == NONE {
            return 0.0;
        }
        n.dot(self.inv_inertia_mul(b, n))
    }
    /// Position-level impulse `imp` (N·s·s) at offset `r`.
    fn apply_pos_impulse(&mut self, b: u32, imp: Vec3, r: Vec3) {
        if b == NONE {
            return;
        }
        let dx = imp * self.inv_mass(b);
        self.set_pos(b, self.pos(b) + dx);
        self.add_scratch3(SCRATCH_BODY * b + SB_DX, dx);
        let dphi = self.inv_inertia_mul(b, cross(r, imp));
        self.set_quat(b, rotate_by(self.quat(b), dphi));
        self.add_scratch3(SCRATCH_BODY * b + SB_DPHI, dphi);
    }
    fn apply_rot_impulse(&mut self, b: u32, imp: Vec3) {
        if b == NONE {
            return;
        }
        let dphi = self.inv_inertia_mul(b, imp);
        self.set_quat(b, rotate_by(self.quat(b), dphi));
        self.add_scratch3(SCRATCH_BODY * b + SB_DPHI, dphi);
    }
    fn scratch3(&self, at: u32) -> Vec3 {
        let i = at as usize;
        Vec3::new(self.scratch[i], self.scratch[i + 1], self.scratch[i + 2])
    }
    /// Position corrections are summed per body, so that velocities come from the small
    /// corrections (v = v_predicted + Δx / h) rather than from differences of large
    /// positions, which lose the low bits in f32 at small substeps.
    fn add_scratch3(&mut self, at: u32, v: Vec3) {
        let s = self.scratch3(at) + v;
        let i = at as usize;
        self.scratch[i..i + 3].copy_from_slice(&s.to_array());
    }
    fn apply_vel_impulse(&mut self, b: u32, imp: Vec3, r: Vec3) {
        if b == NONE {
            return;
        }
        let v = self.vel(b) + imp * self.inv_mass(b);
        self.set_vel(b, v);
        let w = self.angvel(b) + self.inv_inertia_mul(b, cross(r, imp));
        self.set_angvel(b, w);
    }

    // ---- Constraint primitives (zero compliance) ----
    /// Moves the points `a + ra` and `b + rb` so that their difference changes by `-corr`.
    /// Returns the multiplier (N·s²) along `corr`'s direction.
    fn solve_point(&mut self, a: u32, ra: Vec3, b: u32, rb: Vec3, corr: Vec3) -> f32 {
        let c = corr.length();
        if c <= PHYS_EPS {
            return 0.0;
        }
        let n = corr / c;
        let w = self.point_inv_mass(a, ra, n) + self.point_inv_mass(b, rb, n);
        if w <= PHYS_EPS {
            return 0.0;
        }
        let lambda = c / w;
        self.apply_pos_impulse(a, -n * lambda, ra);
        self.apply_pos_impulse(b, n * lambda, rb);
        lambda
    }
    /// The 3×3 inverse effective mass of body `b` at offset `r`: how a point impulse there
    /// moves that point.
    fn point_k(&self, b: u32, r: Vec3) -> Mat3 {
        if b == NONE {
            return Mat3::ZERO;
        }
        let rx = skew(r);
        let q = Mat3::from_quat(self.quat(b));
        let inv_i = q * Mat3::from_diagonal(self.bw3(b, B_INV_INERTIA)) * q.transpose();
        Mat3::from_diagonal(Vec3::splat(self.inv_mass(b))) - rx * inv_i * rx
    }

    /// Holds body `b`'s joint anchor on its parent's in every direction its slides do not
    /// free, solving the (up to) 3×3 block at once: a scalar projection along the error
    /// converges badly when rotation and translation have very different inverse masses
    /// (a pendulum bob far from its pivot).
    fn solve_anchor(&mut self, b: u32, rb: Vec3, p: u32, rp: Vec3, d: Vec3) {
        let ns = u(self.bw(b, B_NSLIDE));
        if ns >= 3 {
            return;
        }
        // Orthonormal basis of the constrained directions, padded with unused columns.
        let mut e = [Vec3::X, Vec3::Y, Vec3::Z];
        let mut used = 3;
        if ns == 1 {
            let a = self.slide_axis_world(b, 0);
            let t = if a.x.abs() < 0.9 { Vec3::X } else { Vec3::Y };
            let t1 = (t - a * a.dot(t)).normalize();
            e = [t1, a.cross(t1), a];
            used = 2;
        } else if ns == 2 {
            let a1 = self.slide_axis_world(b, 0);
            let a2 = self.slide_axis_world(b, 1);
            e = [a1.cross(a2).normalize(), a1, a2];
            used = 1;
        }
        let k = self.point_k(b, rb) + self.point_k(p, rp);
        let mut m = Mat3::IDENTITY;
        let mut rhs = Vec3::ZERO;
        for i in 0..used {
            rhs[i] = e[i].dot(d);
            for j in 0..used {
                m.col_mut(j)[i] = e[i].dot(k * e[j]);
            }
        }
        let det = m.determinant();
        if det.abs() <= PHYS_EPS * PHYS_EPS {
            return;
        }
        let lam = m.inverse() * rhs;
        let imp = e[0] * lam.x + e[1] * lam.y + e[2] * lam.z;
        self.apply_pos_impulse(b, -imp, rb);
        self.apply_pos_impulse(p, imp, rp);
    }

    /// Rotates `a` by `dphi` relative to `b` (split by their inverse inertias).
    fn solve_angle(&mut self, a: u32, b: u32, dphi: Vec3) {
        let th = dphi.length();
        if th <= PHYS_EPS {
            return;
        }
        let n = dphi / th;
        let w = self.ang_inv_mass(a, n) + self.ang_inv_mass(b, n);
        if w <= PHYS_EPS {
            return;
        }
        let imp = n * (th / w);
        self.apply_rot_impulse(a, imp);
        self.apply_rot_impulse(b, -imp);
    }

    // ---- Joints ----
    fn parent(&self, b: u32) -> u32 {
        u(self.bw(b, B_PARENT))
    }
    fn anchor_c_world(&self, b: u32) -> Vec3 {
        self.pos(b) + self.quat(b) * self.bw3(b, B_ANCHOR_C)
    }
    fn anchor_p_world(&self, b: u32) -> Vec3 {
        let p = self.parent(b);
        self.pos(p) + self.quat(p) * self.bw3(b, B_ANCHOR_P)
    }
    fn slide_axis_world(&self, b: u32, slot: u32) -> Vec3 {
        self.quat(self.parent(b)) * self.bw3(b, B_SLIDE_AXES + 3 * slot)
    }
    fn hinge_axis_world(&self, b: u32) -> Vec3 {
        self.quat(self.parent(b)) * self.bw3(b, B_HAXIS_P)
    }
    /// Hinge angle relative to the reference, in (-π, π].
    fn hinge_raw(&self, b: u32) -> f32 {
        let p = self.parent(b);
        let r = self.quat(p).conjugate() * self.quat(b) * self.bw4(b, B_QJ0).conjugate();
        let s = Vec3::new(r.x, r.y, r.z).dot(self.bw3(b, B_HAXIS_P));
        2.0 * s.atan2(r.w)
    }
    fn memory_index(&self, j: u32) -> usize {
        (self.p.num_bodies * BODY_STATE + j) as usize
    }
    /// A hinge joint's position, continuous across turns (unwrapped against the last step).
    fn hinge_q(&self, j: u32) -> f32 {
        let b = u(self.jw(j, J_BODY));
        let raw = self.jw(j, J_REF) + self.hinge_raw(b);
        let last = self.state[self.memory_index(j)];
        last + wrap_pi(raw - last)
    }
    fn slide_q(&self, j: u32) -> f32 {
        let b = u(self.jw(j, J_BODY));
        let d = self.anchor_c_world(b) - self.anchor_p_world(b);
        self.jw(j, J_REF) + d.dot(self.slide_axis_world(b, u(self.jw(j, J_SLOT))))
    }
    /// Position of a hinge or slide joint.
    pub fn scalar_q(&self, j: u32) -> f32 {
        if u(self.jw(j, J_KIND)) == JOINT_HINGE {
            self.hinge_q(j)
        } else {
            self.slide_q(j)
        }
    }
    /// Velocity of a hinge or slide joint.
    pub fn scalar_qd(&self, j: u32) -> f32 {
        let b = u(self.jw(j, J_BODY));
        let p = self.parent(b);
        if u(self.jw(j, J_KIND)) == JOINT_HINGE {
            (self.angvel(b) - self.angvel(p)).dot(self.hinge_axis_world(b))
        } else {
            let x = self.anchor_c_world(b);
            let vc = self.vel(b) + cross(self.angvel(b), x - self.pos(b));
            let vp = self.vel(p) + cross(self.angvel(p), x - self.pos(p));
            (vc - vp).dot(self.slide_axis_world(b, u(self.jw(j, J_SLOT))))
        }
    }

    fn solve_joint_group(&mut self, b: u32) {
        let p = self.parent(b);
        let rot = u(self.bw(b, B_ROT));
        if rot == ROT_LOCKED {
            let target = self.quat(p) * self.bw4(b, B_QJ0);
            let mut e = target * self.quat(b).conjugate();
            if e.w < 0.0 {
                e = -e;
            }
            self.solve_angle(b, p, 2.0 * Vec3::new(e.x, e.y, e.z));
        } else if rot == ROT_HINGE {
            let ac = self.quat(b) * self.bw3(b, B_HAXIS_C);
            let ap = self.hinge_axis_world(b);
            self.solve_angle(b, p, cross(ac, ap));
        }
        if u(self.bw(b, B_TRANS_FREE)) == 0 {
            let xc = self.anchor_c_world(b);
            let xp = self.anchor_p_world(b);
            let d = xc - xp;
            // Lever arms from the start of the substep, as SHAKE takes constraint
            // gradients at the old configuration: taken at the new one, the projection is
            // implicit in the tangential force and damps at a rate of about ω²·h (18% of
            // a pendulum's energy in 10 s at h = 2 ms; 0.05% this way).
            let rb = self.prev_quat(b) * self.bw3(b, B_ANCHOR_C);
            let rp = self.prev_quat(p) * self.bw3(b, B_ANCHOR_P);
            self.solve_anchor(b, rb, p, rp, d);
        }
    }

    fn solve_limit(&mut self, j: u32) {
        let (lo, hi) = (self.jw(j, J_RANGE_LO), self.jw(j, J_RANGE_HI));
        let b = u(self.jw(j, J_BODY));
        let p = self.parent(b);
        let q = self.scalar_q(j);
        let err = if q < lo {
            q - lo
        } else if q > hi {
            q - hi
        } else {
            return;
        };
        if u(self.jw(j, J_KIND)) == JOINT_HINGE {
            let a = self.hinge_axis_world(b);
            self.solve_angle(b, p, -a * err);
        } else {
            let a = self.slide_axis_world(b, u(self.jw(j, J_SLOT)));
            let xc = self.anchor_c_world(b);
            let (rb, rp) = (xc - self.pos(b), xc - self.pos(p));
            self.solve_point(b, rb, p, rp, a * err);
        }
    }

    fn damp_joint(&mut self, j: u32, h: f32) {
        let d = self.jw(j, J_DAMPING);
        let b = u(self.jw(j, J_BODY));
        let p = self.parent(b);
        if u(self.jw(j, J_KIND)) == JOINT_HINGE {
            let a = self.hinge_axis_world(b);
            let wrel = (self.angvel(b) - self.angvel(p)).dot(a);
            let w = self.ang_inv_mass(b, a) + self.ang_inv_mass(p, a);
            // Implicit: the impulse that a damper integrated backward-Euler would apply.
            let imp = a * (-wrel * d * h / (1.0 + d * h * w));
            let wb = self.angvel(b) + self.inv_inertia_mul(b, imp);
            self.set_angvel_if(b, wb);
            let wp = self.angvel(p) - self.inv_inertia_mul(p, imp);
            self.set_angvel_if(p, wp);
        } else {
            let a = self.slide_axis_world(b, u(self.jw(j, J_SLOT)));
            let x = self.anchor_c_world(b);
            let (rb, rp) = (x - self.pos(b), x - self.pos(p));
            let vc = self.vel(b) + cross(self.angvel(b), rb);
            let vp = self.vel(p) + cross(self.angvel(p), rp);
            let vrel = (vc - vp).dot(a);
            let w = self.point_inv_mass(b, rb, a) + self.point_inv_mass(p, rp, a);
            let imp = a * (-vrel * d * h / (1.0 + d * h * w));
            self.apply_vel_impulse(b, imp, rb);
            self.apply_vel_impulse(p, -imp, rp);
        }
    }
    fn set_angvel_if(&mut self, b: u32, w: Vec3) {
        if b != NONE {
            self.set_angvel(b, w);
        }
    }

    /// Generalized force of actuator `a` (N or N·m) from the control and joint state.
    fn actuator_force(&self, a: u32) -> f32 {
        let j = u(self.aw(a, A_JOINT));
        let ctrl = self.scratch[(self.p.scratch_ctrl + a) as usize];
        let gear = self.aw(a, A_GEAR);
        let mut f = ctrl;
        if u(self.aw(a, A_KIND)) == ACT_POSITION {
            let kp = self.aw(a, A_KP);
            f = kp * ctrl
                - kp * gear * self.scalar_q(j)
                - self.aw(a, A_KV) * gear * self.scalar_qd(j);
        }
        if u(self.aw(a, A_FORCE_LIMITED)) != 0 {
            f = f.clamp(self.aw(a, A_FORCE_LO), self.aw(a, A_FORCE_HI));
        }
        gear * f
    }

    fn apply_actuators(&mut self, h: f32) {
        for a in 0..self.p.num_actuators {
            let f = self.actuator_force(a);
            let j = u(self.aw(a, A_JOINT));
            let b = u(self.jw(j, J_BODY));
            let p = self.parent(b);
            if u(self.jw(j, J_KIND)) == JOINT_HINGE {
                let tau = self.hinge_axis_world(b) * (f * h);
                let wb = self.angvel(b) + self.inv_inertia_mul(b, tau);
                self.set_angvel_if(b, wb);
                let wp = self.angvel(p) - self.inv_inertia_mul(p, tau);
                self.set_angvel_if(p, wp);
            } else {
                let force = self.slide_axis_world(b, u(self.jw(j, J_SLOT))) * (f * h);
                let x = self.anchor_c_world(b);
                let (rb, rp) = (x - self.pos(b), x - self.pos(p));
                self.apply_vel_impulse(b, force, rb);
                self.apply_vel_impulse(p, -force, rp);
            }
        }
    }

    // ---- Contacts ----
    fn contact_word(&self, c: u32, k: u32) -> f32 {
        self.scratch[(self.p.scratch_contacts + c * CONTACT_STRIDE + k) as usize]
    }
    fn contact3(&self, c: u32, k: u32) -> Vec3 {
        Vec3::new(
            self.contact_word(c, k),
            self.contact_word(c, k + 1),
            self.contact_word(c, k + 2),
        )
    }
    fn set_contact_word(&mut self, c: u32, k: u32, v: f32) {
        self.scratch[(self.p.scratch_contacts + c * CONTACT_STRIDE + k) as usize] = v;
    }
    fn num_contacts(&self) -> u32 {
        u(self.scratch[(self.p.scratch_contacts - 1) as usize])
    }
    fn contact_points(&self, c: u32) -> (u32, u32, Vec3, Vec3, Vec3) {
        let a = u(self.contact_word(c, C_BODY_A));
        let b = u(self.contact_word(c, C_BODY_B));
        let n = self.contact3(c, C_NORMAL);
        let ra = self.quat(a) * self.contact3(c, C_RA) - n * self.contact_word(c, C_RAD_A);
        let rb = self.quat(b) * self.contact3(c, C_RB) + n * self.contact_word(c, C_RAD_B);
        (a, b, ra, rb, self.contact3(c, C_NORMAL))
    }
    fn relative_velocity(&self, a: u32, ra: Vec3, b: u32, rb: Vec3) -> Vec3 {
        (self.vel(a) + cross(self.angvel(a), ra)) - (self.vel(b) + cross(self.angvel(b), rb))
    }

    fn solve_contact_position(&mut self, c: u32) {
        let (a, b, ra, rb, n) = self.contact_points(c);
        let pa = self.pos(a) + ra;
        let pb = self.pos(b) + rb;
        let d = (pa - pb).dot(n);
        let mut lambda = 0.0;
        if d < 0.0 {
            lambda = self.solve_point(a, ra, b, rb, n * d);
        }
        self.set_contact_word(c, C_LAMBDA, lambda);
    }

    /// Static friction at position level over one contact patch (contacts `c0..c1`: one
    /// body pair, one normal), after Müller et al. 2020 (who do it per contact): a slip
    /// since the start of the substep is taken back when holding it takes no more than mu
    /// times the patch's normal multiplier; otherwise the patch slides and the velocity
    /// pass applies dynamic friction.
    ///
    /// Per patch, because one contact's share of the normal force cannot hold a body
    /// alone and Gauss-Seidel over the corners walked a box sideways down an incline (8 mm
    /// in 2 s at 20°, mu 0.5). A patch of three or more points (a face: it cannot roll)
    /// holds the bodies' relative translation, applied at the centres of mass: an impulse
    /// at the patch partly tips the body instead, the normal contacts tip it back and a
    /// stack walked 1 cm in 10 s. Its spread also holds twist about the normal, up to mu
    /// times the normal times its mean radius. A patch of one or two points (a sphere, a
    /// capsule on its side) holds the contact point and may roll.
    fn patch_friction(&mut self, c0: u32, c1: u32) {
        let a = u(self.contact_word(c0, C_BODY_A));
        let b = u(self.contact_word(c0, C_BODY_B));
        let n = self.contact3(c0, C_NORMAL);
        let mu = self.contact_word(c0, C_FRICTION);
        let mut la = Vec3::ZERO;
        let mut lam = 0.0;
        let mut k = 0.0;
        for c in c0..c1 {
            let l = self.contact_word(c, C_LAMBDA);
            if l > 0.0 {
                la += self.contact3(c, C_RA);
                lam += l;
                k += 1.0;
            }
        }
        if lam <= 0.0 {
            return;
        }
        la /= k;
        if k >= 3.0 {
            let dx = (self.pos(a) - self.prev_pos(a)) - (self.pos(b) - self.prev_pos(b));
            let dxt = dx - n * dx.dot(n);
            let w = self.inv_mass(a) + self.inv_mass(b);
            if w > PHYS_EPS && dxt.length() / w <= mu * lam {
                self.solve_point(a, Vec3::ZERO, b, Vec3::ZERO, dxt);
            }
            let mut radius = 0.0;
            for c in c0..c1 {
                if self.contact_word(c, C_LAMBDA) > 0.0 {
                    radius += (self.contact3(c, C_RA) - la).length();
                }
            }
            radius /= k;
            let twist = (rotation_since(self.quat(a), self.prev_quat(a))
                - rotation_since(self.quat(b), self.prev_quat(b)))
            .dot(n);
            let wr = self.ang_inv_mass(a, n) + self.ang_inv_mass(b, n);
            if wr > PHYS_EPS && twist.abs() / wr <= mu * lam * radius {
                self.solve_angle(a, b, -n * twist);
            }
        } else {
            // The patch's contact point now, and where the material point now there was at
            // the start of the substep: its slip (zero for rolling without slipping).
            let (mut ra, mut rb) = (Vec3::ZERO, Vec3::ZERO);
            for c in c0..c1 {
                if self.contact_word(c, C_LAMBDA) > 0.0 {
                    let (_, _, rac, rbc, _) = self.contact_points(c);
                    ra += rac;
                    rb += rbc;
                }
            }
            ra /= k;
            rb /= k;
            let back_a = self.prev_quat(a) * self.quat(a).conjugate();
            let back_b = self.prev_quat(b) * self.quat(b).conjugate();
            let dp = (self.pos(a) + ra - self.prev_pos(a) - back_a * ra)
                - (self.pos(b) + rb - self.prev_pos(b) - back_b * rb);
            let dt = dp - n * dp.dot(n);
            let lt = dt.length();
            if lt <= PHYS_EPS {
                return;
            }
            let t = dt / lt;
            let w = self.point_inv_mass(a, ra, t) + self.point_inv_mass(b, rb, t);
            if w > PHYS_EPS && lt / w <= mu * lam {
                self.solve_point(a, ra, b, rb, dt);
            }
        }
    }

    /// Whether contacts `c` and `k` belong to one patch: same bodies, same normal (the
    /// words compared bitwise; body indices are u32 bit patterns).
    fn same_patch(&self, c: u32, k: u32) -> bool {
        [C_BODY_A, C_BODY_B, C_NORMAL, C_NORMAL + 1, C_NORMAL + 2]
            .iter()
            .all(|&w| self.contact_word(c, w).to_bits() == self.contact_word(k, w).to_bits())
    }

    fn solve_contact_velocity(&mut self, c: u32, h: f32) {
        let lambda = self.contact_word(c, C_LAMBDA);
        if lambda <= 0.0 {
            return;
        }
        let (a, b, ra, rb, n) = self.contact_points(c);
        // Normal: remove the approach speed (and the separation speed the position pass
        // created), keep restitution's bounce when the impact was fast enough to bounce.
        let vn = self.relative_velocity(a, ra, b, rb).dot(n);
        let g = self.gravity().length();
        let vn0 = self.contact_word(c, C_VN0);
        let e = if vn0.abs() <= 2.0 * g * h {
            0.0
        } else {
            self.contact_word(c, C_RESTITUTION)
        };
        let dvn = -vn + (-e * vn0).max(0.0);
        let wn = self.point_inv_mass(a, ra, n) + self.point_inv_mass(b, rb, n);
        let mut pn = 0.0;
        if wn > PHYS_EPS {
            pn = dvn / wn;
            self.apply_vel_impulse(a, n * pn, ra);
            self.apply_vel_impulse(b, -n * pn, rb);
        }
        // Dynamic friction, Coulomb with an isotropic cone: this substep's budget is mu
        // times its normal impulse (position pass lambda / h plus the velocity pass's).
        // Sticking was already enforced at position level by the patch pass.
        let budget = self.contact_word(c, C_FRICTION) * (lambda / h + pn).max(0.0);
        self.friction_impulse(c, budget);
    }

    /// Applies a friction impulse of at most `limit` (N·s) against contact `c`'s slip, no
    /// more than what stops it. Returns the impulse spent.
    fn friction_impulse(&mut self, c: u32, limit: f32) -> f32 {
        if limit <= 0.0 {
            return 0.0;
        }
        let (a, b, ra, rb, n) = self.contact_points(c);
        let v = self.relative_velocity(a, ra, b, rb);
        let vt = v - n * v.dot(n);
        let lt = vt.length();
        if lt <= PHYS_EPS {
            return 0.0;
        }
        let t = vt / lt;
        let w = self.point_inv_mass(a, ra, t) + self.point_inv_mass(b, rb, t);
        if w <= PHYS_EPS {
            return 0.0;
        }
        let mag = limit.min(lt / w);
        self.apply_vel_impulse(a, -t * mag, ra);
        self.apply_vel_impulse(b, t * mag, rb);
        mag
    }

    // ---- Collision ----
    fn placed(&self, g: u32) -> (u32, Placed) {
        let b = u(self.gw(g, G_BODY));
        let lp = self.gw3(g, G_POS);
        let lq = Quat::from_xyzw(
            self.gw(g, G_QUAT),
            self.gw(g, G_QUAT + 1),
            self.gw(g, G_QUAT + 2),
            self.gw(g, G_QUAT + 3),
        );
        let (x, q) = (self.pos(b), self.quat(b));
        (
            b,
            Placed {
                ty: u(self.gw(g, G_TYPE)),
                c: x + q * lp,
                q: q * lq,
                size: self.gw3(g, G_SIZE),
            },
        )
    }

    /// How far a body can move in one step, m: a bound used to size speculative margins.
    fn reach(&self, b: u32) -> f32 {
        if b == NONE {
            return 0.0;
        }
        (self.vel(b).length() + self.angvel(b).length() * self.bw(b, B_RADIUS)) * self.opt(OPT_DT)
    }

    /// Records `hit` between bodies `ba` and `bb` (geoms with rounding radii `rad`).
    fn add_contact(
        &mut self,
        hit: Hit,
        ba: u32,
        bb: u32,
        rad: [f32; 2],
        pair: [f32; 2],
        flags: &mut u32,
    ) {
        let [mu, e] = pair;
        let (a, b, pa, pb, n, rad_a, rad_b) = if ba == NONE {
            (bb, ba, hit.pb, hit.pa, -hit.n, rad[1], rad[0])
        } else {
            (ba, bb, hit.pa, hit.pb, hit.n, rad[0], rad[1])
        };
        let (pa, pb) = (pa + n * rad_a, pb - n * rad_b);
        let count = self.num_contacts();
        if count >= self.p.contact_capacity {
            *flags |= FLAG_CONTACT_OVERFLOW;
            return;
        }
        let ra = self.quat(a).conjugate() * (pa - self.pos(a));
        let rb = self.quat(b).conjugate() * (pb - self.pos(b));
        let words = [
            f32::from_bits(a),
            f32::from_bits(b),
            ra.x,
            ra.y,
            ra.z,
            rb.x,
            rb.y,
            rb.z,
            n.x,
            n.y,
            n.z,
            mu,
            0.0,
            e,
            0.0,
            rad_a,
            rad_b,
            1.0,
        ];
        let at = (self.p.scratch_contacts + count * CONTACT_STRIDE) as usize;
        self.scratch[at..at + CONTACT_STRIDE as usize].copy_from_slice(&words);
        if count > 0 && self.same_patch(count - 1, count) {
            self.set_contact_word(count, C_PATCH_FIRST, 0.0);
        }
        self.scratch[(self.p.scratch_contacts - 1) as usize] = f32::from_bits(count + 1);
    }

    /// Collision pair `i`'s geoms, A first: A is the higher type, so planes are always B.
    fn pair(&self, i: u32) -> (u32, u32) {
        let at = (self.p.off_pair + 2 * i) as usize;
        let (g1, g2) = (u(self.model[at]), u(self.model[at + 1]));
        if u(self.gw(g1, G_TYPE)) < u(self.gw(g2, G_TYPE)) {
            (g2, g1)
        } else {
            (g1, g2)
        }
    }

    /// Finds this step's contacts. Returns flags (overflow).
    pub fn collide(&mut self) -> u32 {
        let mut flags = 0;
        self.scratch[(self.p.scratch_contacts - 1) as usize] = f32::from_bits(0);
        for i in 0..self.p.num_pairs {
            let (g1, g2) = self.pair(i);
            let (b1, s1) = self.placed(g1);
            let (b2, s2) = self.placed(g2);
            let margin = self.p.margin + self.reach(b1) + self.reach(b2);
            let (r1, r2) = (self.gw(g1, G_RADIUS), self.gw(g2, G_RADIUS));
            if s2.ty == GEOM_PLANE {
                let n = s2.q * Vec3::Z;
                if (s1.c - s2.c).dot(n) - r1 > margin {
                    continue;
                }
            } else if (s1.c - s2.c).length() > r1 + r2 + margin {
                continue;
            }
            let mu = self.gw(g1, G_FRICTION).max(self.gw(g2, G_FRICTION));
            let e = self.gw(g1, G_RESTITUTION).max(self.gw(g2, G_RESTITUTION));
            let mut hits = [Hit {
                pa: Vec3::ZERO,
                pb: Vec3::ZERO,
                n: Vec3::Z,
            }; 8];
            let count = narrow_phase(&s1, &s2, margin, &mut hits);
            for hit in &hits[..count] {
                if (hit.pa - hit.pb).dot(hit.n) < margin {
                    let rad = [rounding(&s1), rounding(&s2)];
                    self.add_contact(*hit, b1, b2, rad, [mu, e], &mut flags);
                }
            }
        }
        flags
    }

    /// The deepest overlap between any two geoms of this world that may collide (its
    /// collision pairs), m; 0 when nothing overlaps. From the narrow phase on the
    /// current poses, whatever contacts the last step recorded: a soak's measure.
    pub fn max_penetration(&self) -> f32 {
        let mut deepest = 0.0f32;
        for i in 0..self.p.num_pairs {
            let (g1, g2) = self.pair(i);
            let (_, s1) = self.placed(g1);
            let (_, s2) = self.placed(g2);
            let mut hits = [Hit {
                pa: Vec3::ZERO,
                pb: Vec3::ZERO,
                n: Vec3::Z,
            }; 8];
            for hit in &hits_of(&s1, &s2, &mut hits) {
                deepest = deepest.max(-(hit.pa - hit.pb).dot(hit.n));
            }
        }
        deepest
    }

    // ---- The step ----
    /// One step with controls `ctrl` (one per actuator, already checked). Returns flags.
    pub fn step(&mut self, ctrl: &[f32]) -> u32 {
        for (a, &c) in ctrl.iter().enumerate() {
            let mut c = c;
            if u(self.aw(a as u32, A_CTRL_LIMITED)) != 0 {
                c = c.clamp(self.aw(a as u32, A_CTRL_LO), self.aw(a as u32, A_CTRL_HI));
            }
            self.scratch[(self.p.scratch_ctrl as usize) + a] = c;
        }
        let mut flags = self.collide();
        let h = self.opt(OPT_H);
        let g = self.gravity();
        let nb = self.p.num_bodies;
        let nc = self.num_contacts();
        for _ in 0..self.p.substeps {
            for c in 0..nc {
                let (a, b, ra, rb, n) = self.contact_points(c);
                let vn0 = self.relative_velocity(a, ra, b, rb).dot(n);
                self.set_contact_word(c, C_VN0, vn0);
            }
            self.apply_actuators(h);
            for b in 0..nb {
                let (x, q) = (self.pos(b), self.quat(b));
                let i = (SCRATCH_BODY * b) as usize;
                self.scratch[i..i + 3].copy_from_slice(&x.to_array());
                self.scratch[i + 3..i + 7].copy_from_slice(&q.to_array());
                self.scratch[i + 7..i + 13].fill(0.0);
                self.set_vel(b, self.vel(b) + g * h);
                // Gyroscopic term in the principal frame: I ω̇ = −ω × I ω.
                let inv_i = self.bw3(b, B_INV_INERTIA);
                let wl = q.conjugate() * self.angvel(b);
                let il = wl / inv_i;
                let wl = wl - h * inv_i * cross(wl, il);
                self.set_angvel(b, q * wl);
            }
            for b in 0..nb {
                let (v, w) = (self.vel(b), self.angvel(b));
                self.set_pos(b, self.pos(b) + v * h);
                self.set_quat(b, rotate_by(self.quat(b), w * h));
            }
            for b in 0..nb {
                if !(u(self.bw(b, B_ROT)) == ROT_FREE && u(self.bw(b, B_TRANS_FREE)) == 1) {
                    self.solve_joint_group(b);
                }
            }
            for j in 0..self.p.num_joints {
                if u(self.jw(j, J_LIMITED)) != 0 {
                    self.solve_limit(j);
                }
            }
            let mut start = 0;
            for c in 0..nc {
                self.solve_contact_position(c);
                if c + 1 == nc || self.contact_word(c + 1, C_PATCH_FIRST) != 0.0 {
                    self.patch_friction(start, c + 1);
                    start = c + 1;
                }
            }
            for b in 0..nb {
                let v = self.vel(b) + self.scratch3(SCRATCH_BODY * b + SB_DX) / h;
                self.set_vel(b, v);
                let w = self.angvel(b) + self.scratch3(SCRATCH_BODY * b + SB_DPHI) / h;
                self.set_angvel(b, w);
            }
            for c in 0..nc {
                self.solve_contact_velocity(c, h);
            }
            for j in 0..self.p.num_joints {
                if self.jw(j, J_DAMPING) > 0.0 {
                    self.damp_joint(j, h);
                }
            }
        }
        // Remember hinge angles so the next step unwraps against them.
        for j in 0..self.p.num_joints {
            if u(self.jw(j, J_KIND)) == JOINT_HINGE {
                let q = self.hinge_q(j);
                let i = self.memory_index(j);
                self.state[i] = q;
            }
        }
        if self.state.iter().any(|v| !v.is_finite()) {
            flags |= FLAG_NONFINITE;
        }
        let r2 = self.p.escape_radius * self.p.escape_radius;
        if (0..self.p.num_bodies).any(|b| self.pos(b).length_squared() > r2) {
            flags |= FLAG_ESCAPED;
        }
        flags
    }

    /// Writes qpos then qvel (MuJoCo's conventions) into `obs`.
    pub fn observe(&self, obs: &mut [f32]) {
        let nq = self.p.nq as usize;
        for j in 0..self.p.num_joints {
            let qa = u(self.jw(j, J_QADR)) as usize;
            let va = nq + u(self.jw(j, J_VADR)) as usize;
            let kind = u(self.jw(j, J_KIND));
            let b = u(self.jw(j, J_BODY));
            if kind == JOINT_HINGE || kind == JOINT_SLIDE {
                obs[qa] = self.scalar_q(j);
                obs[va] = self.scalar_qd(j);
                continue;
            }
            let qm = self.quat(b) * self.jw4(j, J_RELC_QUAT);
            if kind == JOINT_FREE {
                let xm = self.pos(b) + self.quat(b) * self.jw3(j, J_RELC_POS);
                let vm = self.vel(b) + cross(self.angvel(b), xm - self.pos(b));
                let wl = qm.conjugate() * self.angvel(b);
                obs[qa..qa + 7].copy_from_slice(&[xm.x, xm.y, xm.z, qm.w, qm.x, qm.y, qm.z]);
                obs[va..va + 6].copy_from_slice(&[vm.x, vm.y, vm.z, wl.x, wl.y, wl.z]);
            } else {
                let p = self.parent(b);
                let r = self.jw4(j, J_PQ).conjugate() * self.quat(p).conjugate() * qm;
                let wl = qm.conjugate() * (self.angvel(b) - self.angvel(p));
                obs[qa..qa + 4].copy_from_slice(&[r.w, r.x, r.y, r.z]);
                obs[va..va + 3].copy_from_slice(&[wl.x, wl.y, wl.z]);
            }
        }
    }
}

/// A geom's rounding radius: the distance from its core (point or segment) to its surface.
fn rounding(g: &Placed) -> f32 {
    if g.ty == GEOM_SPHERE || g.ty == GEOM_CAPSULE {
        g.size.x
    } else {
        0.0
    }
}

/// The rotation vector (rad) that takes `q0` to `q` (shortest way).
fn rotation_since(q: Quat, q0: Quat) -> Vec3 {
    let mut d = q * q0.conjugate();
    if d.w < 0.0 {
        d = -d;
    }
    2.0 * Vec3::new(d.x, d.y, d.z)
}

/// Wraps an angle into (-π, π].
pub fn wrap_pi(x: f32) -> f32 {
    let tau = std::f32::consts::TAU;
    x - tau * (x / tau).round()
}

fn hit(pa: Vec3, pb: Vec3, n: Vec3) -> Hit {
    Hit { pa, pb, n }
}

fn sphere_sphere(ca: Vec3, ra: f32, cb: Vec3, rb: f32) -> Hit {
    let d = ca - cb;
    let l = d.length();
    let n = if l > PHYS_EPS { d / l } else { Vec3::Z };
    hit(ca - n * ra, cb + n * rb, n)
}

/// Closest points between segments p1 + s d1 and p2 + t d2 (s, t in [0, 1]).
fn segment_segment(p1: Vec3, d1: Vec3, p2: Vec3, d2: Vec3) -> (Vec3, Vec3) {
    let r = p1 - p2;
    let a = d1.dot(d1);
    let e = d2.dot(d2);
    let f = d2.dot(r);
    let (mut s, mut t);
    if a <= PHYS_EPS && e <= PHYS_EPS {
        return (p1, p2);
    }
    if a <= PHYS_EPS {
        s = 0.0;
        t = (f / e).clamp(0.0, 1.0);
    } else {
        let c = d1.dot(r);
        if e <= PHYS_EPS {
            t = 0.0;
            s = (-c / a).clamp(0.0, 1.0);
        } else {
            let b = d1.dot(d2);
            let denom = a * e - b * b;
            s = if denom > PHYS_EPS {
                ((b * f - c * e) / denom).clamp(0.0, 1.0)
            } else {
                0.0
            };
            t = (b * s + f) / e;
            if t < 0.0 {
                t = 0.0;
                s = (-c / a).clamp(0.0, 1.0);
            } else if t > 1.0 {
                t = 1.0;
                s = ((b - c) / a).clamp(0.0, 1.0);
            }
        }
    }
    (p1 + d1 * s, p2 + d2 * t)
}

fn box_point(bx: &Placed, c: Vec3, r: f32) -> Hit {
    let h = bx.size;
    let l = bx.q.conjugate() * (c - bx.c);
    let inside = l.x.abs() < h.x && l.y.abs() < h.y && l.z.abs() < h.z;
    if !inside {
        let qb = bx.c + bx.q * l.clamp(-h, h);
        let d = qb - c;
        let dl = d.length();
        let n = if dl > PHYS_EPS { d / dl } else { Vec3::Z };
        return hit(qb, c + n * r, n);
    }
    // Inside: leave through the nearest face.
    let gap = h - l.abs();
    let mut k = 0;
    if gap.y < gap[k] {
        k = 1;
    }
    if gap.z < gap[k] {
        k = 2;
    }
    let mut nl = Vec3::ZERO;
    nl[k] = if l[k] >= 0.0 { 1.0 } else { -1.0 };
    let mut face = l;
    face[k] = nl[k] * h[k];
    let n = -(bx.q * nl);
    hit(bx.c + bx.q * face, c + n * r, n)
}

/// The narrow phase's hits between two placed geoms with no margin (only touching or
/// overlapping points), copied out of `buf`.
fn hits_of(a: &Placed, b: &Placed, buf: &mut [Hit; 8]) -> Vec<Hit> {
    let n = narrow_phase(a, b, 0.0, buf);
    buf[..n].to_vec()
}

/// Contacts between placed geoms A and B (A's type ≥ B's). Returns how many of `out` it wrote.
pub fn narrow_phase(a: &Placed, b: &Placed, margin: f32, out: &mut [Hit; 8]) -> usize {
    let mut n = 0;
    let mut push = |h: Hit, n: &mut usize| {
        if *n < 8 {
            out[*n] = h;
            *n += 1;
        }
    };
    match (a.ty, b.ty) {
        (GEOM_SPHERE, GEOM_PLANE) | (GEOM_CAPSULE, GEOM_PLANE) => {
            let m = b.q * Vec3::Z;
            let (r, ends) = if a.ty == GEOM_SPHERE {
                (a.size.x, [a.c, a.c])
            } else {
                let ax = a.q * Vec3::Z * a.size.y;
                (a.size.x, [a.c + ax, a.c - ax])
            };
            let count = if a.ty == GEOM_SPHERE { 1 } else { 2 };
            for c in &ends[..count] {
                let d = (*c - b.c).dot(m);
                push(hit(*c - m * r, *c - m * d, m), &mut n);
            }
        }
        (GEOM_BOX, GEOM_PLANE) => {
            let m = b.q * Vec3::Z;
            for i in 0..8 {
                let s = Vec3::new(
                    if i & 1 == 0 { -1.0 } else { 1.0 },
                    if i & 2 == 0 { -1.0 } else { 1.0 },
                    if i & 4 == 0 { -1.0 } else { 1.0 },
                );
                let v = a.c + a.q * (s * a.size);
                let d = (v - b.c).dot(m);
                if d < margin {
                    push(hit(v, v - m * d, m), &mut n);
                }
            }
        }
        (GEOM_SPHERE, GEOM_SPHERE) => push(sphere_sphere(a.c, a.size.x, b.c, b.size.x), &mut n),
        (GEOM_CAPSULE, GEOM_SPHERE) => {
            let ax = a.q * Vec3::Z;
            let t = (b.c - a.c).dot(ax).clamp(-a.size.y, a.size.y);
            push(sphere_sphere(a.c + ax * t, a.size.x, b.c, b.size.x), &mut n);
        }
        (GEOM_CAPSULE, GEOM_CAPSULE) => {
            let (ua, ub) = (a.q * Vec3::Z * a.size.y, b.q * Vec3::Z * b.size.y);
            let (pa, pb) = segment_segment(a.c - ua, 2.0 * ua, b.c - ub, 2.0 * ub);
            push(sphere_sphere(pa, a.size.x, pb, b.size.x), &mut n);
        }
        (GEOM_BOX, GEOM_SPHERE) => push(box_point(a, b.c, b.size.x), &mut n),
        (GEOM_BOX, GEOM_CAPSULE) => {
            // The capsule's two end spheres, and the sphere at the point of its axis
            // closest to the box (a few alternating projections converge for convex shapes).
            let ax = b.q * Vec3::Z;
            let hl = b.size.y;
            for s in [-1.0, 1.0] {
                push(box_point(a, b.c + ax * (s * hl), b.size.x), &mut n);
            }
            let mut t = (a.c - b.c).dot(ax).clamp(-hl, hl);
            for _ in 0..4 {
                let p = b.c + ax * t;
                let l = a.q.conjugate() * (p - a.c);
                let qb = a.c + a.q * l.clamp(-a.size, a.size);
                t = (qb - b.c).dot(ax).clamp(-hl, hl);
            }
            if t.abs() < hl - 1e-4 * hl.max(1e-3) {
                push(box_point(a, b.c + ax * t, b.size.x), &mut n);
            }
        }
        (GEOM_BOX, GEOM_BOX) => n = box_box(a, b, margin, out),
        _ => {}
    }
    n
}

fn axis_of(q: Quat, k: usize) -> Vec3 {
    match k {
        0 => q * Vec3::X,
        1 => q * Vec3::Y,
        _ => q * Vec3::Z,
    }
}

fn projected_radius(q: Quat, h: Vec3, l: Vec3) -> f32 {
    h.x * axis_of(q, 0).dot(l).abs()
        + h.y * axis_of(q, 1).dot(l).abs()
        + h.z * axis_of(q, 2).dot(l).abs()
}

/// Box-box by the separating axis test (15 axes), then a face manifold by clipping the
/// incident face against the reference face's sides (up to 8 points), or one edge-edge point.
/// Which points of a face-face manifold to keep (a bit mask over `ps`): all of them up to
/// four; else the deepest, the one farthest from it, and the farthest on each side of the
/// line through those two (normal `n`), the usual reduction to four: four corners hold a
/// face as well as eight, and every contact costs every substep (boxes at rest: 44 -> 32
/// contacts). Ties go to the first index, so the GPU twin picks the same points.
fn keep_four(ps: &[Vec3], seps: &[f32], n: Vec3) -> u32 {
    let len = ps.len();
    if len <= 4 {
        return (1 << len) - 1;
    }
    let mut i0 = 0;
    for m in 1..len {
        if seps[m] < seps[i0] {
            i0 = m;
        }
    }
    let mut i1 = usize::MAX;
    let mut far = -1.0;
    for m in 0..len {
        let d = (ps[m] - ps[i0]).length_squared();
        if m != i0 && d > far {
            far = d;
            i1 = m;
        }
    }
    let side = |m: usize| (ps[i1] - ps[i0]).cross(ps[m] - ps[i0]).dot(n);
    let (mut i2, mut hi) = (usize::MAX, f32::NEG_INFINITY);
    for m in 0..len {
        if m != i0 && m != i1 && side(m) > hi {
            hi = side(m);
            i2 = m;
        }
    }
    let (mut i3, mut lo) = (usize::MAX, f32::INFINITY);
    for m in 0..len {
        if m != i0 && m != i1 && m != i2 && side(m) < lo {
            lo = side(m);
            i3 = m;
        }
    }
    (1 << i0) | (1 << i1) | (1 << i2) | (1 << i3)
}

fn box_box(a: &Placed, b: &Placed, margin: f32, out: &mut [Hit; 8]) -> usize {
    let d = b.c - a.c;
    let mut best = f32::NEG_INFINITY;
    let mut best_axis = 0usize; // 0..3 A faces, 3..6 B faces, 6..15 edges
    for k in 0..6 {
        let l = if k < 3 {
            axis_of(a.q, k)
        } else {
            axis_of(b.q, k - 3)
        };
        let sep =
            d.dot(l).abs() - projected_radius(a.q, a.size, l) - projected_radius(b.q, b.size, l);
        if sep > margin {
            return 0;
        }
        // Prefer A's faces, then B's, on near ties: stable manifolds for resting stacks.
        if sep > best + 1e-5 {
            best = sep;
            best_axis = k;
        }
    }
    let face_best = best;
    for i in 0..3 {
        for j in 0..3 {
            let l = axis_of(a.q, i).cross(axis_of(b.q, j));
            let len = l.length();
            if len < 1e-5 {
                continue;
            }
            let l = l / len;
            let sep = d.dot(l).abs()
                - projected_radius(a.q, a.size, l)
                - projected_radius(b.q, b.size, l);
            if sep > margin {
                return 0;
            }
            // Edges win only clearly: face manifolds are what keeps boxes resting flat.
            if sep > best.max(face_best + 1e-3) {
                best = sep;
                best_axis = 6 + 3 * i + j;
            }
        }
    }
    if best_axis < 6 {
        let (rf, inc, ref_is_a) = if best_axis < 3 {
            (a, b, true)
        } else {
            (b, a, false)
        };
        let k = best_axis % 3;
        let rn0 = axis_of(rf.q, k);
        let nref = if (inc.c - rf.c).dot(rn0) >= 0.0 {
            rn0
        } else {
            -rn0
        };
        // Incident face: the one most anti-parallel to nref.
        let mut ik = 0;
        let mut best_dot = 0.0f32;
        for m in 0..3 {
            let dd = axis_of(inc.q, m).dot(nref);
            if dd.abs() > best_dot.abs() {
                best_dot = dd;
                ik = m;
            }
        }
        let inn = -axis_of(inc.q, ik) * best_dot.signum();
        let fc = inc.c + inn * inc.size[ik];
        let (u1, u2) = ((ik + 1) % 3, (ik + 2) % 3);
        let (e1, e2) = (
            axis_of(inc.q, u1) * inc.size[u1],
            axis_of(inc.q, u2) * inc.size[u2],
        );
        let mut poly = [Vec3::ZERO; 8];
        poly[0] = fc + e1 + e2;
        poly[1] = fc - e1 + e2;
        poly[2] = fc - e1 - e2;
        poly[3] = fc + e1 - e2;
        let mut np = 4;
        for m in [(k + 1) % 3, (k + 2) % 3] {
            let t = axis_of(rf.q, m);
            for side in [1.0f32, -1.0] {
                let off = t.dot(rf.c) * side + rf.size[m];
                np = clip(&mut poly, np, t * side, off);
            }
        }
        let mut cand = [Vec3::ZERO; 8];
        let mut seps = [0.0; 8];
        let mut nc = 0;
        for p in &poly[..np] {
            let sep = (*p - rf.c).dot(nref) - rf.size[k];
            if sep < margin && nc < 8 {
                cand[nc] = *p;
                seps[nc] = sep;
                nc += 1;
            }
        }
        let keep = keep_four(&cand[..nc], &seps[..nc], nref);
        let mut count = 0;
        for m in 0..nc {
            if keep & (1 << m) != 0 {
                let (p, sep) = (cand[m], seps[m]);
                let on_ref = p - nref * sep;
                out[count] = if ref_is_a {
                    hit(on_ref, p, -nref)
                } else {
                    hit(p, on_ref, nref)
                };
                count += 1;
            }
        }
        return count;
    }
    let e = best_axis - 6;
    let (i, j) = (e / 3, e % 3);
    let l = axis_of(a.q, i).cross(axis_of(b.q, j)).normalize();
    let n = if d.dot(l) > 0.0 { -l } else { l };
    let mut pa = a.c;
    let mut pb = b.c;
    for m in 0..3 {
        if m != i {
            let ax = axis_of(a.q, m);
            pa += ax * (a.size[m] * (-n).dot(ax).signum());
        }
        if m != j {
            let bx = axis_of(b.q, m);
            pb += bx * (b.size[m] * n.dot(bx).signum());
        }
    }
    let (da, db) = (axis_of(a.q, i) * a.size[i], axis_of(b.q, j) * b.size[j]);
    let (qa, qb) = segment_segment(pa - da, 2.0 * da, pb - db, 2.0 * db);
    out[0] = hit(qa, qb, n);
    1
}

/// Sutherland-Hodgman: keeps the part of `poly` with `plane_n · p <= off`.
fn clip(poly: &mut [Vec3; 8], np: usize, plane_n: Vec3, off: f32) -> usize {
    let src = *poly;
    let mut out = 0;
    for i in 0..np {
        let p = src[i];
        let q = src[(i + 1) % np];
        let dp = plane_n.dot(p) - off;
        let dq = plane_n.dot(q) - off;
        if dp <= 0.0 && out < 8 {
            poly[out] = p;
            out += 1;
        }
        if (dp <= 0.0) != (dq <= 0.0) && out < 8 {
            let t = dp / (dp - dq);
            poly[out] = p + (q - p) * t;
            out += 1;
        }
    }
    out
}

/// A batch of worlds stepped on the CPU with the reference step.
pub struct CpuBatch {
    /// Sizes and offsets (as filled by [`super::compile::Compiled::model_words`]).
    pub params: SceneParams,
    /// The Model words.
    pub model: Vec<f32>,
    /// `[worlds, state_dim]`.
    pub state: Vec<f32>,
    /// `[worlds, scratch_stride]`.
    pub scratch: Vec<f32>,
    /// Flags of the last step, per world.
    pub flags: Vec<u32>,
}

impl CpuBatch {
    /// `worlds` worlds of `compiled`, all at the initial state.
    pub fn new(compiled: &super::compile::Compiled, worlds: usize) -> CpuBatch {
        let mut c = compiled.clone();
        let model = c.model_words(worlds, Default::default());
        let p = c.params;
        let mut state = Vec::with_capacity(worlds * p.state_dim as usize);
        for _ in 0..worlds {
            state.extend_from_slice(&c.init_state);
        }
        CpuBatch {
            params: p,
            model,
            state,
            scratch: vec![0.0; worlds * p.scratch_stride as usize],
            flags: vec![0; worlds],
        }
    }

    /// One world's view.
    pub fn world(&mut self, w: usize) -> World<'_> {
        let sd = self.params.state_dim as usize;
        let ss = self.params.scratch_stride as usize;
        World {
            p: &self.params,
            model: &self.model,
            state: &mut self.state[w * sd..(w + 1) * sd],
            scratch: &mut self.scratch[w * ss..(w + 1) * ss],
            world: w as u32,
        }
    }

    /// Steps every world with its controls (`[worlds, num_actuators]`).
    pub fn step(&mut self, ctrl: &[f32]) {
        let nu = self.params.num_actuators as usize;
        for w in 0..self.flags.len() {
            let f = self.world(w).step(&ctrl[w * nu..(w + 1) * nu]);
            self.flags[w] = f;
        }
    }

    /// qpos then qvel of world `w`.
    pub fn observe(&mut self, w: usize) -> Vec<f32> {
        let mut obs = vec![0.0; self.params.obs_dim as usize];
        self.world(w).observe(&mut obs);
        obs
    }
}
