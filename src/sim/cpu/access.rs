//! Stage `access` of the CPU reference: the twin of `shaders/scene/access.wgsl`.
//! One accessor per Model record family and per State field, on the same word layout.

use super::*;

impl World<'_> {
    // ---- Model access (one helper per record family) ----
    pub(super) fn bw(&self, b: u32, k: u32) -> f32 {
        self.model
            [(self.p.off_body + self.world * self.p.wstride_body + b * BODY_STRIDE + k) as usize]
    }
    pub(super) fn bw3(&self, b: u32, k: u32) -> Vec3 {
        Vec3::new(self.bw(b, k), self.bw(b, k + 1), self.bw(b, k + 2))
    }
    pub(super) fn bw4(&self, b: u32, k: u32) -> Quat {
        Quat::from_xyzw(
            self.bw(b, k),
            self.bw(b, k + 1),
            self.bw(b, k + 2),
            self.bw(b, k + 3),
        )
    }
    pub(super) fn jw(&self, j: u32, k: u32) -> f32 {
        self.model
            [(self.p.off_joint + self.world * self.p.wstride_joint + j * JOINT_STRIDE + k) as usize]
    }
    pub(super) fn jw3(&self, j: u32, k: u32) -> Vec3 {
        Vec3::new(self.jw(j, k), self.jw(j, k + 1), self.jw(j, k + 2))
    }
    pub(super) fn jw4(&self, j: u32, k: u32) -> Quat {
        Quat::from_xyzw(
            self.jw(j, k),
            self.jw(j, k + 1),
            self.jw(j, k + 2),
            self.jw(j, k + 3),
        )
    }
    pub(super) fn gw(&self, g: u32, k: u32) -> f32 {
        self.model
            [(self.p.off_geom + self.world * self.p.wstride_geom + g * GEOM_STRIDE + k) as usize]
    }
    pub(super) fn gw3(&self, g: u32, k: u32) -> Vec3 {
        Vec3::new(self.gw(g, k), self.gw(g, k + 1), self.gw(g, k + 2))
    }
    pub(super) fn opt(&self, k: u32) -> f32 {
        self.model[(self.p.off_opt + self.world * self.p.wstride_opt + k) as usize]
    }
    pub(super) fn gravity(&self) -> Vec3 {
        Vec3::new(
            self.opt(OPT_GRAVITY),
            self.opt(OPT_GRAVITY + 1),
            self.opt(OPT_GRAVITY + 2),
        )
    }
    pub(super) fn aw(&self, a: u32, k: u32) -> f32 {
        self.model[(self.p.off_act + self.world * self.p.wstride_act + a * ACT_STRIDE + k) as usize]
    }

    // ---- State access ----
    pub(super) fn sv3(&self, at: u32) -> Vec3 {
        let i = at as usize;
        Vec3::new(self.state[i], self.state[i + 1], self.state[i + 2])
    }
    pub(super) fn set3(&mut self, at: u32, v: Vec3) {
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
    pub(super) fn set_pos(&mut self, b: u32, v: Vec3) {
        self.set3(b * BODY_STATE + S_POS, v);
    }
    pub(super) fn set_quat(&mut self, b: u32, q: Quat) {
        let i = (b * BODY_STATE + S_QUAT) as usize;
        self.state[i..i + 4].copy_from_slice(&q.to_array());
    }
    pub(super) fn set_vel(&mut self, b: u32, v: Vec3) {
        self.set3(b * BODY_STATE + S_VEL, v);
    }
    pub(super) fn set_angvel(&mut self, b: u32, v: Vec3) {
        self.set3(b * BODY_STATE + S_ANGVEL, v);
    }
    pub(super) fn prev_pos(&self, b: u32) -> Vec3 {
        if b == NONE {
            return Vec3::ZERO;
        }
        let i = (SCRATCH_BODY * b) as usize;
        Vec3::new(self.scratch[i], self.scratch[i + 1], self.scratch[i + 2])
    }
    pub(super) fn prev_quat(&self, b: u32) -> Quat {
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
}
