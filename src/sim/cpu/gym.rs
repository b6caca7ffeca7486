//! Stage `gym` of the CPU reference: the twin of `shaders/scene/gym.wgsl`, Gymnasium's v5
//! tasks' observation, reward terms and termination from MuJoCo's qpos and qvel. (Their
//! reset, with its noise draws, is the GPU's alone.)

use super::*;

impl World<'_> {
    /// qpos then qvel of the current state (the twin of `gym_store_qpos`).
    fn gym_state(&self) -> Vec<f32> {
        let mut s = vec![0.0; (self.p.nq + self.p.nv) as usize];
        self.qpos_qvel(&mut s);
        s
    }

    /// Records qpos\[0\] before a step, for the forward reward: the twin of `task_begin`.
    /// Call it on the state the step starts from.
    pub fn task_begin(&mut self) {
        if self.p.task >= TASK_GYM_LOCOMOTION {
            let x = self.gym_state()[0];
            self.scratch[(self.p.scratch_task + TS_X_BEFORE) as usize] = x;
        }
    }

    fn point_a(&self) -> Vec3 {
        let b = self.p.task_q;
        self.pos(b) + self.quat(b) * Vec3::new(self.p.pa_x, self.p.pa_y, self.p.pa_z)
    }

    fn point_b(&self) -> Vec3 {
        let b = self.p.task_q2;
        self.pos(b) + self.quat(b) * Vec3::new(self.p.pb_x, self.p.pb_y, self.p.pb_z)
    }

    fn gym_in(&self, v: f32, lo: f32, hi: f32) -> bool {
        if self.p.health_inclusive != 0 {
            v >= lo && v <= hi
        } else {
            v > lo && v < hi
        }
    }

    /// Whether the state is healthy (locomotion and balance tasks): `gym_healthy`.
    pub fn gym_healthy(&self) -> bool {
        let s = self.gym_state();
        let p = self.p;
        let mut ok = true;
        if p.z_q != NONE {
            ok &= self.gym_in(s[p.z_q as usize], p.z_lo, p.z_hi);
        }
        if p.angle_q != NONE {
            ok &= self.gym_in(s[p.angle_q as usize], p.angle_lo, p.angle_hi);
        }
        for &v in &s[p.state_from as usize..] {
            ok &= v.is_finite() && self.gym_in(v, p.state_lo, p.state_hi);
        }
        ok
    }

    fn idp_alive(&self) -> bool {
        self.point_a().z > IDP_MIN_HEIGHT
    }

    /// The reward terms of the step that reached the current state under `actions`, in
    /// slot order ([`MAX_REWARD_TERMS`] of them): the twin of `gym_reward`. The forward
    /// term needs [`World::task_begin`] on the step's starting state.
    pub fn gym_reward_terms(&self, actions: &[f32]) -> [f32; MAX_REWARD_TERMS as usize] {
        let p = self.p;
        let s = self.gym_state();
        let ctrl2: f32 = actions.iter().map(|a| a * a).sum();
        let mut t = [0.0; MAX_REWARD_TERMS as usize];
        match p.task {
            TASK_GYM_LOCOMOTION => {
                let dt = self.opt(OPT_DT) * p.frame_skip.max(1) as f32;
                let before = self.scratch[(p.scratch_task + TS_X_BEFORE) as usize];
                t[TERM_FORWARD as usize] = p.w_forward * ((s[0] - before) / dt);
                t[TERM_CTRL as usize] = -p.w_ctrl * ctrl2;
                t[TERM_SURVIVE as usize] = if self.gym_healthy() {
                    p.healthy_reward
                } else {
                    0.0
                };
            }
            TASK_GYM_DOUBLE_PENDULUM => {
                let tip = self.point_a();
                let dz = tip.z - IDP_TARGET_HEIGHT;
                let (v1, v2) = (s[p.nq as usize + 1], s[p.nq as usize + 2]);
                t[0] = if self.idp_alive() {
                    p.healthy_reward
                } else {
                    0.0
                };
                t[1] = -(IDP_X_WEIGHT * tip.x * tip.x + dz * dz);
                t[2] = -(IDP_V1_WEIGHT * v1 * v1 + IDP_V2_WEIGHT * v2 * v2);
            }
            TASK_GYM_REACHER => {
                t[0] = -(self.point_a() - self.point_b()).length();
                t[1] = -p.w_ctrl * ctrl2;
            }
            _ => {}
        }
        t
    }

    /// Whether the current state ends the episode: the twin of `gym_terminated`.
    pub fn gym_terminated(&self) -> bool {
        match self.p.task {
            TASK_GYM_LOCOMOTION => self.p.terminate_unhealthy != 0 && !self.gym_healthy(),
            TASK_GYM_DOUBLE_PENDULUM => !self.idp_alive(),
            _ => false,
        }
    }

    /// The task's observation: the twin of `gym_observe`.
    pub(super) fn gym_observe(&self, obs: &mut [f32]) {
        let p = self.p;
        let s = self.gym_state();
        let (q, v) = s.split_at(p.nq as usize);
        let mut out: Vec<f32> = Vec::with_capacity(p.obs_dim as usize);
        match p.task {
            TASK_GYM_LOCOMOTION => {
                out.extend(&q[p.obs_skip as usize..]);
                out.extend(v.iter().map(|&x| {
                    if p.vel_clip > 0.0 {
                        x.clamp(-p.vel_clip, p.vel_clip)
                    } else {
                        x
                    }
                }));
            }
            TASK_GYM_DOUBLE_PENDULUM => {
                out.push(q[0]);
                out.extend(q[1..].iter().map(|x| x.sin()));
                out.extend(q[1..].iter().map(|x| x.cos()));
                out.extend(v.iter().map(|x| x.clamp(-GYM_VEL_CLIP, GYM_VEL_CLIP)));
                out.push(0.0); // MuJoCo's constraint force on the cart: not computed
            }
            TASK_GYM_REACHER => {
                out.extend([q[0].cos(), q[1].cos(), q[0].sin(), q[1].sin()]);
                out.extend(&q[2..]);
                out.extend(&v[..2]);
                let d = self.point_a() - self.point_b();
                out.extend([d.x, d.y]);
            }
            _ => {}
        }
        debug_assert_eq!(out.len(), p.obs_dim as usize);
        for (o, x) in obs.iter_mut().zip(out) {
            *o = if x.is_finite() { x } else { 0.0 };
        }
    }
}
