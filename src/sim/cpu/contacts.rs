//! Stage `contacts` of the CPU reference: the twin of `shaders/scene/contacts.wgsl`.
//! The contact list in scratch; the contact position and velocity passes.

use super::*;

impl World<'_> {
    // ---- Contacts ----
    pub(super) fn contact_word(&self, c: u32, k: u32) -> f32 {
        self.scratch[(self.p.scratch_contacts + c * CONTACT_STRIDE + k) as usize]
    }
    pub(super) fn contact3(&self, c: u32, k: u32) -> Vec3 {
        Vec3::new(
            self.contact_word(c, k),
            self.contact_word(c, k + 1),
            self.contact_word(c, k + 2),
        )
    }
    pub(super) fn set_contact_word(&mut self, c: u32, k: u32, v: f32) {
        self.scratch[(self.p.scratch_contacts + c * CONTACT_STRIDE + k) as usize] = v;
    }
    pub(super) fn num_contacts(&self) -> u32 {
        u(self.scratch[(self.p.scratch_contacts - 1) as usize])
    }
    pub(super) fn contact_points(&self, c: u32) -> (u32, u32, Vec3, Vec3, Vec3) {
        let a = u(self.contact_word(c, C_BODY_A));
        let b = u(self.contact_word(c, C_BODY_B));
        let n = self.contact3(c, C_NORMAL);
        let ra = self.quat(a) * self.contact3(c, C_RA) - n * self.contact_word(c, C_RAD_A);
        let rb = self.quat(b) * self.contact3(c, C_RB) + n * self.contact_word(c, C_RAD_B);
        (a, b, ra, rb, self.contact3(c, C_NORMAL))
    }
    pub(super) fn relative_velocity(&self, a: u32, ra: Vec3, b: u32, rb: Vec3) -> Vec3 {
        (self.vel(a) + cross(self.angvel(a), ra)) - (self.vel(b) + cross(self.angvel(b), rb))
    }

    pub(super) fn solve_contact_position(&mut self, c: u32) {
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
    pub(super) fn patch_friction(&mut self, c0: u32, c1: u32) {
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
    pub(super) fn same_patch(&self, c: u32, k: u32) -> bool {
        [C_BODY_A, C_BODY_B, C_NORMAL, C_NORMAL + 1, C_NORMAL + 2]
            .iter()
            .all(|&w| self.contact_word(c, w).to_bits() == self.contact_word(k, w).to_bits())
    }

    pub(super) fn solve_contact_velocity(&mut self, c: u32, h: f32) {
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
    pub(super) fn friction_impulse(&mut self, c: u32, limit: f32) -> f32 {
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
}

impl World<'_> {
    /// Each contact's normal approach speed at the start of the substep (restitution's
    /// target).
    pub(super) fn record_normal_velocities(&mut self, nc: u32) {
        for c in 0..nc {
            let (a, b, ra, rb, n) = self.contact_points(c);
            let vn0 = self.relative_velocity(a, ra, b, rb).dot(n);
            self.set_contact_word(c, C_VN0, vn0);
        }
    }

    /// The position pass over the contacts: each contact's normal, then after the last
    /// contact of a patch, the patch's static friction.
    pub(super) fn solve_contacts(&mut self, nc: u32) {
        let mut start = 0;
        for c in 0..nc {
            self.solve_contact_position(c);
            if c + 1 == nc || self.contact_word(c + 1, C_PATCH_FIRST) != 0.0 {
                self.patch_friction(start, c + 1);
                start = c + 1;
            }
        }
    }

    /// The velocity pass over the contacts: dynamic friction and restitution.
    pub(super) fn solve_contact_velocities(&mut self, nc: u32, h: f32) {
        for c in 0..nc {
            self.solve_contact_velocity(c, h);
        }
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
