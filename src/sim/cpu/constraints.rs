//! Stage `constraints` of the CPU reference: the twin of `shaders/scene/constraints.wgsl`.
//! Inverse masses and the zero-compliance XPBD constraint primitives.

use super::*;

impl World<'_> {
    // ---- Mass ----
    pub(super) fn inv_mass(&self, b: u32) -> f32 {
        if b == NONE {
            return 0.0;
        }
        self.bw(b, B_INV_MASS)
    }
    /// World-frame inverse inertia applied to `v`.
    pub(super) fn inv_inertia_mul(&self, b: u32, v: Vec3) -> Vec3 {
        if b == NONE {
            return Vec3::ZERO;
        }
        let q = self.quat(b);
        q * (self.bw3(b, B_INV_INERTIA) * (q.conjugate() * v))
    }
    /// Generalized inverse mass of a point at offset `r` from the centre, along `n`.
    pub(super) fn point_inv_mass(&self, b: u32, r: Vec3, n: Vec3) -> f32 {
        if b == NONE {
            return 0.0;
        }
        let rn = cross(r, n);
        self.inv_mass(b) + rn.dot(self.inv_inertia_mul(b, rn))
    }
    pub(super) fn ang_inv_mass(&self, b: u32, n: Vec3) -> f32 {
        if b == NONE {
            return 0.0;
        }
        n.dot(self.inv_inertia_mul(b, n))
    }
    /// Position-level impulse `imp` (N·s·s) at offset `r`.
    pub(super) fn apply_pos_impulse(&mut self, b: u32, imp: Vec3, r: Vec3) {
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
    pub(super) fn apply_rot_impulse(&mut self, b: u32, imp: Vec3) {
        if b == NONE {
            return;
        }
        let dphi = self.inv_inertia_mul(b, imp);
        self.set_quat(b, rotate_by(self.quat(b), dphi));
        self.add_scratch3(SCRATCH_BODY * b + SB_DPHI, dphi);
    }
    pub(super) fn scratch3(&self, at: u32) -> Vec3 {
        let i = at as usize;
        Vec3::new(self.scratch[i], self.scratch[i + 1], self.scratch[i + 2])
    }
    /// Position corrections are summed per body, so that velocities come from the small
    /// corrections (v = v_predicted + Δx / h) rather than from differences of large
    /// positions, which lose the low bits in f32 at small substeps.
    pub(super) fn add_scratch3(&mut self, at: u32, v: Vec3) {
        let s = self.scratch3(at) + v;
        let i = at as usize;
        self.scratch[i..i + 3].copy_from_slice(&s.to_array());
    }
    pub(super) fn apply_vel_impulse(&mut self, b: u32, imp: Vec3, r: Vec3) {
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
    pub(super) fn solve_point(&mut self, a: u32, ra: Vec3, b: u32, rb: Vec3, corr: Vec3) -> f32 {
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
    pub(super) fn point_k(&self, b: u32, r: Vec3) -> Mat3 {
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
    pub(super) fn solve_anchor(&mut self, b: u32, rb: Vec3, p: u32, rp: Vec3, d: Vec3) {
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
    pub(super) fn solve_angle(&mut self, a: u32, b: u32, dphi: Vec3) {
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
}
