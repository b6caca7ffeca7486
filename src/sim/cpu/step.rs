//! Stage `step` of the CPU reference: the twin of `shaders/scene/step.wgsl`.
//! The physics step as an ordered list of named stages.

use super::*;

impl World<'_> {
    /// One step with controls `ctrl` (one per actuator, already checked). Returns flags.
    ///
    /// The CPU twin of `physics_step` in `shaders/scene/step.wgsl`, call for call. The
    /// GPU's latency ring and action noise are not modelled here: the reference takes the
    /// controls as given.
    pub fn step(&mut self, ctrl: &[f32]) -> u32 {
        self.set_controls(ctrl); // actions -> controls: ctrlrange
        let flags = self.collide(); // contacts, found once per step with a margin
        let h = self.opt(OPT_H); // the substep, s
        let nc = self.num_contacts();
        for _ in 0..self.p.substeps {
            self.record_normal_velocities(nc); // each contact's approach speed, for restitution
            self.record_joint_states(); // limited joints' position and velocity
            self.apply_actuators(h); // actuator and joint spring forces into velocities
            self.integrate_velocities(h); // gravity, gyroscopic term; the substep's start pose
            self.apply_fluid_forces(h); // MuJoCo's inertia-box fluid drag (none without a medium)
            self.damp_joints(h); // joint damping, implicit in the velocity that moves
            self.apply_joint_friction(h); // dry friction, before anything moves
            self.integrate_positions(h); // symplectic Euler
            self.solve_joints(); // one Gauss-Seidel pass over the joint groups
            self.solve_limits(h); // soft joint limits (MuJoCo's solreflimit, solimplimit)
            self.solve_contacts(nc); // normal, then static friction per patch
            self.velocities_from_positions(h); // v += dx / h, w += dphi / h
            self.solve_contact_velocities(nc, h); // dynamic friction, restitution
        }
        self.store_hinge_angles(); // so the next step unwraps hinges against them
        flags | self.fault_flags() // non-finite state, escaped bodies
    }

    /// Controls into the scratch row, clamped to the control range where the actuator is
    /// ctrllimited (as MuJoCo).
    fn set_controls(&mut self, ctrl: &[f32]) {
        for (a, &c) in ctrl.iter().enumerate() {
            let mut c = c;
            if u(self.aw(a as u32, A_CTRL_LIMITED)) != 0 {
                c = c.clamp(self.aw(a as u32, A_CTRL_LO), self.aw(a as u32, A_CTRL_HI));
            }
            self.scratch[(self.p.scratch_ctrl as usize) + a] = c;
        }
    }

    /// Gravity and the gyroscopic term into every body's velocities; the substep's start
    /// pose is saved and its corrections zeroed.
    fn integrate_velocities(&mut self, h: f32) {
        let g = self.gravity();
        for b in 0..self.p.num_bodies {
            let (x, q) = (self.pos(b), self.quat(b));
            let i = (SCRATCH_BODY * b) as usize;
            self.scratch[i..i + 3].copy_from_slice(&x.to_array());
            self.scratch[i + 3..i + 7].copy_from_slice(&q.to_array());
            self.scratch[i + 7..i + 13].fill(0.0);
            self.set_vel(b, self.vel(b) + g * h);
            // Gyroscopic term in the principal frame: I ω̇ = −ω × I ω, with I the body's
            // own inertia (the folded armature has no gyroscopic torque, as in MuJoCo).
            let inv_i = self.bw3(b, B_INV_INERTIA);
            let wl = q.conjugate() * self.angvel(b);
            let s = self.bw3(b, B_ARM_AXIS);
            let il = wl / inv_i - s * s.dot(wl);
            let wl = wl - h * inv_i * cross(wl, il);
            self.set_angvel(b, q * wl);
        }
    }

    /// Positions and orientations from the velocities over one substep.
    fn integrate_positions(&mut self, h: f32) {
        for b in 0..self.p.num_bodies {
            let (v, w) = (self.vel(b), self.angvel(b));
            self.set_pos(b, self.pos(b) + v * h);
            self.set_quat(b, rotate_by(self.quat(b), w * h));
        }
    }

    /// Velocities from the substep's position corrections (XPBD's velocity update).
    fn velocities_from_positions(&mut self, h: f32) {
        for b in 0..self.p.num_bodies {
            let v = self.vel(b) + self.scratch3(SCRATCH_BODY * b + SB_DX) / h;
            self.set_vel(b, v);
            let w = self.angvel(b) + self.scratch3(SCRATCH_BODY * b + SB_DPHI) / h;
            self.set_angvel(b, w);
        }
    }

    /// Fault flags after a step: a non-finite State word, or a body beyond the escape
    /// radius.
    fn fault_flags(&self) -> u32 {
        let mut flags = 0;
        if self.state.iter().any(|v| !v.is_finite()) {
            flags |= FLAG_NONFINITE;
        }
        let r2 = self.p.escape_radius * self.p.escape_radius;
        if (0..self.p.num_bodies).any(|b| self.pos(b).length_squared() > r2) {
            flags |= FLAG_ESCAPED;
        }
        flags
    }
}
