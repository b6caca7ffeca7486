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
    /// Whether body `b` turns on a group of two or three hinges.
    pub(super) fn hinge_group(&self, b: u32) -> bool {
        let rot = u(self.bw(b, B_ROT));
        rot == ROT_HINGE2 || rot == ROT_HINGE3
    }
    /// The angles of body `b`'s hinge group relative to the reference, each in (-π, π].
    /// MuJoCo turns the body by R(a1, θ1) R(a2, θ2) R(a3, θ3) about its own axes; in the
    /// orthonormal basis (a1, a2, a1 × a2) that is Rx Ry Rz, and the angles are read back
    /// as those Euler angles (the third's sign follows a3 against a1 × a2).
    pub(super) fn group_angles(&self, b: u32) -> Vec3 {
        let p = self.parent(b);
        let r = self.bw4(b, B_QJ0).conjugate() * self.quat(p).conjugate() * self.quat(b);
        let e1 = self.bw3(b, B_HINGE_AXES);
        let e2 = self.bw3(b, B_HINGE_AXES + 3);
        let e3 = cross(e1, e2);
        let (m1, m2, m3) = (r * e1, r * e2, r * e3);
        let (r02, r12, r22) = (e1.dot(m3), e2.dot(m3), e3.dot(m3));
        let sign = if self.bw3(b, B_HINGE_AXES + 6).dot(e3) < 0.0 {
            -1.0
        } else {
            1.0
        };
        Vec3::new(
            (-r12).atan2(r22),
            r02.atan2((r12 * r12 + r22 * r22).sqrt()),
            sign * (-e1.dot(m2)).atan2(e1.dot(m1)),
        )
    }
    /// World axes of body `b`'s hinge group: each hinge's axis as it turns the body now, so
    /// that the body's angular velocity relative to its parent is Σ axis_k · θ̇_k. The first
    /// is fixed in the parent and the last in the body; with three, the middle one is at
    /// right angles to both (MuJoCo turns it by the first hinge only), and with two the
    /// third is the held direction, their cross product. No angle is needed, so no
    /// inverse trigonometry (whose precision differs between CPU and GPU) steers a torque.
    pub(super) fn group_axes(&self, b: u32) -> [Vec3; 3] {
        let base = self.quat(self.parent(b)) * self.bw4(b, B_QJ0);
        let a1 = self.bw3(b, B_HINGE_AXES);
        let a2 = self.bw3(b, B_HINGE_AXES + 3);
        let g1 = base * a1;
        if u(self.bw(b, B_ROT)) == ROT_HINGE2 {
            let g2 = self.quat(b) * a2;
            return [g1, g2, cross(g1, g2)];
        }
        let a3 = self.bw3(b, B_HINGE_AXES + 6);
        let g3 = self.quat(b) * a3;
        // The sign that makes (a3 × a1) point along a2 at the reference.
        let s = cross(a3, a1).dot(a2);
        let c = cross(g3, g1);
        [g1, c * (s / c.length().max(1e-6)), g3]
    }
    /// The world direction of a unit torque on joint `j`'s coordinate, which is also the
    /// direction whose relative angular velocity is its rate: the hinge axis, or for a
    /// hinge of a group the dual of its axis against the group's other two (`b_k · g_l =
    /// δ_kl`), so that a torque on one hinge of a turned group drives no other.
    pub(super) fn hinge_force_axis(&self, j: u32) -> Vec3 {
        let b = u(self.jw(j, J_BODY));
        if !self.hinge_group(b) {
            return self.hinge_axis_world(b);
        }
        let g = self.group_axes(b);
        let k = u(self.jw(j, J_SLOT)) as usize;
        let (c, d) = (g[(k + 1) % 3], g[(k + 2) % 3]);
        let det = g[0].dot(cross(g[1], g[2]));
        // Near gimbal lock (the middle of three hinges at ±90°), bounded.
        let det = if det.abs() < 1e-3 {
            1e-3_f32.copysign(det)
        } else {
            det
        };
        cross(c, d) / det
    }
    /// Joint `j`'s hinge angle relative to its reference, in (-π, π].
    pub(super) fn hinge_raw_of(&self, j: u32) -> f32 {
        let b = u(self.jw(j, J_BODY));
        if !self.hinge_group(b) {
            return self.hinge_raw(b);
        }
        self.group_angles(b)[u(self.jw(j, J_SLOT)) as usize]
    }
    pub(super) fn memory_index(&self, j: u32) -> usize {
        (self.p.num_bodies * BODY_STATE + j) as usize
    }
    /// A hinge joint's position, continuous across turns (unwrapped against the last step).
    pub(super) fn hinge_q(&self, j: u32) -> f32 {
        let raw = self.jw(j, J_REF) + self.hinge_raw_of(j);
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
            (self.angvel(b) - self.angvel(p)).dot(self.hinge_force_axis(j))
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
        } else if rot == ROT_HINGE2 {
            // The first axis (fixed in the parent) stays at right angles to the second
            // (fixed in the body): a universal joint.
            let g1 = self.quat(p) * (self.bw4(b, B_QJ0) * self.bw3(b, B_HINGE_AXES));
            let g2 = self.quat(b) * self.bw3(b, B_HINGE_AXES + 3);
            self.solve_angle(b, p, cross(g1, g2) * g1.dot(g2));
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

    /// Soft limit of joint `j` over substep `h`, after MuJoCo's: once the substep started
    /// outside the range (violation `r0 < 0`, velocity `v0`), the joint is moved to where
    /// its acceleration is `d·aref`, with `aref = −B·v − K·d·r` and the impedance `d` of
    /// `|r0|`, taken implicitly in the end-of-substep violation and velocity so that any
    /// `solreflimit` is stable. A violation therefore recovers as MuJoCo's does (a
    /// critically damped return within about `timeconst`), but what the rest of the
    /// substep pushed into the limit is taken back whole: MuJoCo lets `(1 − d)` of it
    /// through, a 5–10% leak that against this solver's hard contacts would let a loaded
    /// limit sink without bound. A limit only pushes.
    pub(super) fn solve_limit(&mut self, j: u32, h: f32) {
        let (lo, hi) = (self.jw(j, J_RANGE_LO), self.jw(j, J_RANGE_HI));
        let i = self.joint_start_index(j);
        let (q0, qd0) = (self.scratch[i], self.scratch[i + 1]);
        // s maps the joint coordinate to the distance into the range.
        let (s, bound) = if q0 < lo {
            (1.0, lo)
        } else if q0 > hi {
            (-1.0, hi)
        } else {
            return;
        };
        let r0 = s * (q0 - bound);
        let v0 = s * qd0;
        let r = s * (self.scalar_q(j) - bound);
        let d = self.limit_impedance(j, -r0);
        let (k, bd) = (self.jw(j, J_LIMIT_K), self.jw(j, J_LIMIT_B));
        let x = (r0 + h * v0 + d * h * bd * r0) / (1.0 + d * h * bd + d * d * h * h * k);
        let dr = x - r;
        if dr <= 0.0 {
            return;
        }
        let b = u(self.jw(j, J_BODY));
        let p = self.parent(b);
        if u(self.jw(j, J_KIND)) == JOINT_HINGE {
            // As solve_angle, with the parent's reaction_share of the impulse.
            let a = self.hinge_force_axis(j);
            let share = self.reaction_share(b, a);
            let w = self.ang_inv_mass(b, a) + share * self.ang_inv_mass(p, a);
            if w > PHYS_EPS {
                let lambda = s * dr / w;
                self.apply_rot_impulse(b, a * lambda);
                self.apply_rot_impulse(p, -a * (lambda * share));
            }
        } else {
            let a = self.slide_axis_world(b, u(self.jw(j, J_SLOT)));
            let xc = self.anchor_c_world(b);
            let (rb, rp) = (xc - self.pos(b), xc - self.pos(p));
            self.solve_point(b, rb, p, rp, -a * (s * dr));
        }
    }

    /// MuJoCo's constraint impedance at violation `x` ≥ 0 from the joint's `solimplimit`
    /// (d0, dwidth, width, midpoint, power): d0 at 0 rising along a two-piece power
    /// sigmoid to dwidth at `width` and beyond.
    pub(super) fn limit_impedance(&self, j: u32, x: f32) -> f32 {
        let d0 = self.jw(j, J_SOLIMP);
        let dw = self.jw(j, J_SOLIMP + 1);
        let width = self.jw(j, J_SOLIMP + 2);
        let mid = self.jw(j, J_SOLIMP + 3);
        let power = self.jw(j, J_SOLIMP + 4);
        if x >= width {
            return dw;
        }
        let t = x / width;
        let y = if t <= mid {
            pow_sigmoid(t, power) / pow_sigmoid(mid, power - 1.0)
        } else {
            1.0 - pow_sigmoid(1.0 - t, power) / pow_sigmoid(1.0 - mid, power - 1.0)
        };
        d0 + y * (dw - d0)
    }

    /// Scratch index of joint `j`'s start-of-substep position (its velocity follows).
    pub(super) fn joint_start_index(&self, j: u32) -> usize {
        (self.p.scratch_joints + 2 * j) as usize
    }

    /// Whether joint `j` needs its start-of-substep state: a limited hinge or slide.
    pub(super) fn tracks_start(&self, j: u32) -> bool {
        u(self.jw(j, J_LIMITED)) != 0
    }

    /// The share of a joint-space impulse on the hinge of body `b` (world axis `a`) that
    /// reacts on its parent. MuJoCo's armature is inertia on the joint's own degree of
    /// freedom, which accelerates against nothing: an actuator turning a geared joint
    /// pushes back on the parent only with what accelerates the child's own inertia. Here
    /// the armature is folded into the child's inertia about the axis, so the parent takes
    /// `1 − armature · (a · I⁻¹ a)` of the impulse (the child's own share); without
    /// armature, all of it. Gymnasium's ant (armature 1 kg·m² on legs of 10⁻³) spun its
    /// torso off the ground under random controls with the full reaction. Exact for one
    /// joint force acting alone; at rest, where a shared force balances an unshared one
    /// (a motor holding a leg against gravity), the parent is short of `(1 − share)` of it.
    pub(super) fn reaction_share(&self, b: u32, a: Vec3) -> f32 {
        let s = self.bw3(b, B_ARM_AXIS);
        let arm = s.dot(s);
        if arm <= 0.0 {
            return 1.0;
        }
        (1.0 - arm * self.ang_inv_mass(b, a)).max(0.0)
    }

    /// Inverse effective mass of joint `j`'s degree of freedom through its two bodies: how
    /// an impulse along it changes its velocity, 1/(kg·m²) or 1/kg.
    pub(super) fn joint_inv_mass(&self, j: u32) -> f32 {
        let b = u(self.jw(j, J_BODY));
        let p = self.parent(b);
        if u(self.jw(j, J_KIND)) == JOINT_HINGE {
            let a = self.hinge_force_axis(j);
            self.ang_inv_mass(b, a) + self.ang_inv_mass(p, a)
        } else {
            let a = self.slide_axis_world(b, u(self.jw(j, J_SLOT)));
            let x = self.anchor_c_world(b);
            let (rb, rp) = (x - self.pos(b), x - self.pos(p));
            self.point_inv_mass(b, rb, a) + self.point_inv_mass(p, rp, a)
        }
    }

    /// A velocity-level impulse `imp` (N·m·s or N·s) along joint `j`: on the child, and its
    /// reaction on the parent.
    pub(super) fn joint_impulse(&mut self, j: u32, imp: f32) {
        self.joint_impulse_shared(j, imp, false);
    }

    /// [`Self::joint_impulse`], with the parent taking only its [`Self::reaction_share`]
    /// of a hinge's impulse when `driven` (actuators; soft limits share it the same way).
    /// Passive joint forces (springs, damping, dry friction) react in full, so that they
    /// balance gravity at rest as MuJoCo's do (half_cheetah's springs then hold it within
    /// 5 mm of MuJoCo's rest pose; sharing them too left it 2 cm low).
    pub(super) fn joint_impulse_shared(&mut self, j: u32, imp: f32, driven: bool) {
        let b = u(self.jw(j, J_BODY));
        let p = self.parent(b);
        if u(self.jw(j, J_KIND)) == JOINT_HINGE {
            let a = self.hinge_force_axis(j);
            let tau = a * imp;
            let wb = self.angvel(b) + self.inv_inertia_mul(b, tau);
            self.set_angvel_if(b, wb);
            let share = if driven {
                self.reaction_share(b, a)
            } else {
                1.0
            };
            let wp = self.angvel(p) - self.inv_inertia_mul(p, tau * share);
            self.set_angvel_if(p, wp);
        } else {
            let force = self.slide_axis_world(b, u(self.jw(j, J_SLOT))) * imp;
            let x = self.anchor_c_world(b);
            let (rb, rp) = (x - self.pos(b), x - self.pos(p));
            self.apply_vel_impulse(b, force, rb);
            self.apply_vel_impulse(p, -force, rp);
        }
    }

    /// Viscous damping of joint `j` over substep `h`: the impulse that a damper integrated
    /// backward-Euler would apply. It acts on the velocity the substep moves the bodies
    /// with, as MuJoCo's implicit damping does: applied after the positions moved (as it
    /// was), a joint whose damping dominates its inertia (humanoid's hips: 5 N·m·s/rad on
    /// 0.016 kg·m²) moved (1 + d·h/I) times too fast, 47% at h = 0.75 ms, while its
    /// reported velocity was right. Measured against MuJoCo under sine controls from
    /// qpos0, this lengthened every Gymnasium file's horizon within 0.05 (ant 2 → 7 steps,
    /// half_cheetah 3 → 4, hopper 45 → 47, walker2d 25 → 27, humanoid 11 → 19) and
    /// halved the worlds that fault under random controls (ant 5 → 3 of 64, walker2d 8 →
    /// 3).
    pub(super) fn damp_joint(&mut self, j: u32, h: f32) {
        let d = self.jw(j, J_DAMPING);
        let w = self.joint_inv_mass(j);
        let imp = -self.scalar_qd(j) * d * h / (1.0 + d * h * w);
        self.joint_impulse(j, imp);
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

    /// Actuator forces, then joint springs (`-stiffness · (q − springref)`), into the
    /// velocities over substep `h`.
    pub(super) fn apply_actuators(&mut self, h: f32) {
        for a in 0..self.p.num_actuators {
            let f = self.actuator_force(a);
            let j = u(self.aw(a, A_JOINT));
            self.joint_impulse_shared(j, f * h, true);
        }
        for j in 0..self.p.num_joints {
            let k = self.jw(j, J_STIFFNESS);
            if k > 0.0 {
                let f = -k * (self.scalar_q(j) - self.jw(j, J_SPRINGREF));
                self.joint_impulse(j, f * h);
            }
        }
    }

    /// Dry friction (`frictionloss`) of every rubbing joint against the velocities the
    /// substep's forces gave it, before they move anything: an impulse of at most
    /// frictionloss · h stops the joint or slows it, so that a joint held by friction does
    /// not creep.
    pub(super) fn apply_joint_friction(&mut self, h: f32) {
        for j in 0..self.p.num_joints {
            let fl = self.jw(j, J_FRICTIONLOSS);
            if fl <= 0.0 {
                continue;
            }
            let w = self.joint_inv_mass(j);
            if w <= PHYS_EPS {
                continue;
            }
            let stop = -self.scalar_qd(j) / w;
            self.joint_impulse(j, stop.clamp(-fl * h, fl * h));
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
    pub(super) fn solve_limits(&mut self, h: f32) {
        for j in 0..self.p.num_joints {
            if u(self.jw(j, J_LIMITED)) != 0 {
                self.solve_limit(j, h);
            }
        }
    }

    /// The position and velocity of every limited joint at the start of the substep, for
    /// the soft limits.
    pub(super) fn record_joint_states(&mut self) {
        for j in 0..self.p.num_joints {
            if self.tracks_start(j) {
                let i = self.joint_start_index(j);
                let q = self.scalar_q(j);
                self.scratch[i] = q;
                self.scratch[i + 1] = self.scalar_qd(j);
                if u(self.jw(j, J_KIND)) == JOINT_HINGE {
                    // Unwrap against the substep, not only the step: a limit must know
                    // which side of its range a fast joint left by.
                    let m = self.memory_index(j);
                    self.state[m] = q;
                }
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

/// `x^p` for `x` ≥ 0, exact for the default power 2 (and 1): the GPU twin takes the same
/// branches, so the default impedance is bit-identical on both.
fn pow_sigmoid(x: f32, p: f32) -> f32 {
    if p == 2.0 {
        x * x
    } else if p == 1.0 {
        x
    } else {
        x.powf(p)
    }
}
