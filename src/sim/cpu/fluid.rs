//! Stage `fluid` of the CPU reference: the twin of `shaders/scene/fluid.wgsl`.
//!
//! MuJoCo's inertia-box fluid model (Computation → Fluid forces; `mj_inertiaBoxFluidModel`
//! in MuJoCo's `engine_passive.c`), its default when `<option density>` or `<option
//! viscosity>` is set and no geom asks for `fluidshape="ellipsoid"` (not supported here).
//!
//! Each moving body is replaced by the box of uniform density that has its mass `m` and
//! principal moments `I`: side `dᵢ = √(6 (Iⱼ + Iₖ − Iᵢ) / m)` along principal axis `i`.
//! The moments are the body's own: the armature folded into a driven link
//! ([`B_ARM_AXIS`]) is left out, as MuJoCo's `body_inertia` has none (the tensor is
//! `diag(1 / B_INV_INERTIA) − s sᵀ`, whose diagonal is used; exact when the hinge axis is a
//! principal axis, as in Swimmer). With `v` the centre of mass's velocity relative to the
//! medium (`v − wind`) and `ω` the angular velocity, both in the principal frame:
//!
//! - viscous, with the mean side `d̄ = (d₀ + d₁ + d₂) / 3` as a sphere's diameter:
//!   `F = −3π d̄ μ v`, `τ = −π d̄³ μ ω`;
//! - quadratic drag, per component: `Fᵢ = −½ ρ dⱼ dₖ |vᵢ| vᵢ`,
//!   `τᵢ = −ρ dᵢ (dⱼ⁴ + dₖ⁴) |ωᵢ| ωᵢ / 64`.
//!
//! Every term acts on its own principal component, so each component `x` (with inverse
//! mass or inverse principal moment `w` and drag coefficient `k`, force `−k x`) is advanced
//! over the substep linearly implicitly: `x ← x / (1 + h w k)`, `k` taken at the substep's
//! start. That is exact for the quadratic term alone (`ẋ = −c x²` gives
//! `x / (1 + c x h)`), first-order accurate for the viscous one (error `(h w k)² / 2` per
//! substep) and never reverses a velocity, however dense or fast, where MuJoCo's explicit
//! force overshoots once `h w k > 2` (Swimmer: `h w k` ≤ 0.03 per m/s or rad/s, at
//! h = 2 ms). MuJoCo applies the force at each MJCF body; here at each sim body (welded
//! bodies merged into one box).

use super::*;

impl World<'_> {
    /// The box of uniform density with `b`'s mass and own principal moments: its side
    /// lengths, m, in the principal frame.
    fn fluid_box(&self, b: u32) -> Vec3 {
        let m = 1.0 / self.bw(b, B_INV_MASS);
        let s = self.bw3(b, B_ARM_AXIS);
        let i = Vec3::ONE / self.bw3(b, B_INV_INERTIA) - s * s;
        let twice = Vec3::new(i.y + i.z - i.x, i.x + i.z - i.y, i.x + i.y - i.z);
        // 1e-15: MuJoCo's mjMINVAL.
        (twice.max(Vec3::splat(1e-15)) * 6.0 / m).map(f32::sqrt)
    }

    /// Fluid drag into every moving body's velocities over one substep of `h` seconds;
    /// nothing when density and viscosity are both 0.
    pub(super) fn apply_fluid_forces(&mut self, h: f32) {
        let rho = self.opt(OPT_DENSITY);
        let mu = self.opt(OPT_VISCOSITY);
        if rho <= 0.0 && mu <= 0.0 {
            return;
        }
        let wind = Vec3::new(
            self.opt(OPT_WIND),
            self.opt(OPT_WIND + 1),
            self.opt(OPT_WIND + 2),
        );
        let pi = std::f32::consts::PI;
        for b in 0..self.p.num_bodies {
            let inv_m = self.bw(b, B_INV_MASS);
            if inv_m <= 0.0 {
                continue;
            }
            let d = self.fluid_box(b);
            let q = self.quat(b);
            // Velocity relative to the medium and angular velocity, principal frame.
            let vl = q.conjugate() * (self.vel(b) - wind);
            let wl = q.conjugate() * self.angvel(b);
            // Drag coefficients per component: force = −k_lin v, torque = −k_ang ω.
            let diam = (d.x + d.y + d.z) / 3.0;
            let mut k_lin = Vec3::splat(3.0 * pi * diam * mu.max(0.0));
            let mut k_ang = Vec3::splat(pi * diam * diam * diam * mu.max(0.0));
            if rho > 0.0 {
                let area = Vec3::new(d.y * d.z, d.x * d.z, d.x * d.y);
                k_lin += 0.5 * rho * area * vl.abs();
                let d4 = d * d * d * d;
                let sweep = d * Vec3::new(d4.y + d4.z, d4.x + d4.z, d4.x + d4.y);
                k_ang += rho / 64.0 * sweep * wl.abs();
            }
            let dv = -vl * (h * inv_m * k_lin) / (1.0 + h * inv_m * k_lin);
            let inv_i = self.bw3(b, B_INV_INERTIA);
            let dw = -wl * (h * inv_i * k_ang) / (1.0 + h * inv_i * k_ang);
            self.set_vel(b, self.vel(b) + q * dv);
            self.set_angvel(b, self.angvel(b) + q * dw);
        }
    }
}
