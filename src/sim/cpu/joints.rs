//! Stage `joints` of the CPU reference: the twin of `shaders/scene/joints.wgsl`.
//! Joint coordinates, joint groups and limits, damping and actuator forces.

use super::*;

impl World<'_> {
    // ---- Joints ----
    pub(super) fn parent(&self, b: u32) -> u32 {
        u(self.bw(b, B_PARENT))
    }
    pub(super) fn anchor_c_world(&self, b: u32) -> Vec3 {
        self.pos(b) + self.quat(b) * self.bw3(b, B_ANCHOR_C)
    }
    pub(super) fn anchor_p_world(&self, b: u32) -> Vec3 {
        let p = self.parent(b);
        self.pos(p) + self.quat(p) * self.bw3(b, B_ANCHOR_P)
    }
    pub(super) fn slide_axis_world(&self, b: u32, slot: u32) -> Vec3 {
        self.quat(self.parent(b)) * self.bw3(b, B_SLIDE_AXES + 3 * slot)
    }
    pub(super) fn hinge_axis_world(&self, b: u32) -> Vec3 {
        self.quat(self.parent(b)) * self.bw3(b, B_HAXIS_P)
    }
    /// Hinge angle relative to the reference, in (-π, π].
    pub(super) fn hinge_raw(&self, b: u32) -> f32 {
        let p = self.parent(b);
        let r = self.quat(p).conjugate() * self.quat(b) * self.bw4(b, B_QJ0).conjugate();
        let s = Vec3::new(r.x, r.y, r.z).dot(self.bw3(b, B_HAXIS_P));
        2.0 * s.atan2(r.w)
    }
    pub(super) fn memory_index(&self, j: u32) -> usize {
        (self.p.num_bodies * BODY_STATE + j) as usize
    }
    /// A hinge joint's position, continuous across turns (unwrapped against the last step).
    pub(super) fn hinge_q(&self, j: u32) -> f32 {
        let b = u(self.jw(j, J_BODY));
        let raw = self.jw(j, J_REF) + self.hinge_raw(b);
        let last = self.state[self.memory_index(j)];
        last + wrap_pi(raw - last)
    }
    pub(super) fn slide_q(&self, j: u32) -> f32 {
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

    pub(super) fn solve_joint_group(&mut self, b: u32) {
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

    pub(super) fn solve_limit(&mut self, j: u32) {
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

    pub(super) fn damp_joint(&mut self, j: u32, h: f32) {
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
    pub(super) fn set_angvel_if(&mut self, b: u32, w: Vec3) {
        if b != NONE {
            self.set_angvel(b, w);
        }
    }

    /// Generalized force of actuator `a` (N or N·m) from the control and joint state.
    pub(super) fn actuator_force(&self, a: u32) -> f32 {
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

    pub(super) fn apply_actuators(&mut self, h: f32) {
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
}

impl World<'_> {
    /// Every joint group of the world, in body order: one Gauss-Seidel pass. Free bodies
    /// have no joint to solve.
    pub(super) fn solve_joints(&mut self) {
        for b in 0..self.p.num_bodies {
            if !(u(self.bw(b, B_ROT)) == ROT_FREE && u(self.bw(b, B_TRANS_FREE)) == 1) {
                self.solve_joint_group(b);
            }
        }
    }

    /// Every limited joint's limit, in joint order.
    pub(super) fn solve_limits(&mut self) {
        for j in 0..self.p.num_joints {
            if u(self.jw(j, J_LIMITED)) != 0 {
                self.solve_limit(j);
            }
        }
    }

    /// Damping of every damped joint over substep `h`.
    pub(super) fn damp_joints(&mut self, h: f32) {
        for j in 0..self.p.num_joints {
            if self.jw(j, J_DAMPING) > 0.0 {
                self.damp_joint(j, h);
            }
        }
    }

    /// Each hinge's angle, remembered in the State so the next step unwraps against it.
    pub(super) fn store_hinge_angles(&mut self) {
        for j in 0..self.p.num_joints {
            if u(self.jw(j, J_KIND)) == JOINT_HINGE {
                let q = self.hinge_q(j);
                let i = self.memory_index(j);
                self.state[i] = q;
            }
        }
    }
}
