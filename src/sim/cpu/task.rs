//! Stage `task` of the CPU reference: the twin of `shaders/scene/task.wgsl`.
//! Each task's reward and termination (Gymnasium's in `gym.rs`), and the observation. (The reset, with its noise
//! draws, and observation noise are the GPU's alone.)

use super::*;

impl World<'_> {
    /// The reward of the step that reached the current state, under `actions` (the step's
    /// actions, one per actuator): the twin of `task_reward`. For the task codes see
    /// [`TASK_NONE`] and the constants after it.
    pub fn task_reward(&self, actions: &[f32]) -> f32 {
        match self.p.task {
            TASK_BALANCE => 1.0,
            TASK_UPRIGHT => self.upright_reward(actions[0]),
            TASK_PUSH => self.push_reward(),
            t if t >= TASK_GYM_LOCOMOTION => self.gym_reward_terms(actions).iter().sum(),
            _ => 0.0,
        }
    }

    /// Whether the current state ends the episode: the twin of `task_terminated`.
    pub fn task_terminated(&self) -> bool {
        match self.p.task {
            TASK_PUSH => self.push_distance() < self.p.task_radius,
            TASK_BALANCE => self.scalar_q(self.p.task_q).abs() > self.p.task_limit,
            t if t >= TASK_GYM_LOCOMOTION => self.gym_terminated(),
            _ => false,
        }
    }

    /// dm_control / MuJoCo Playground cart-pole balance reward, in [0, 1]:
    /// upright · centred · small control · small velocity.
    fn upright_reward(&self, ctrl: f32) -> f32 {
        let gaussian = |x: f32, margin: f32| {
            let d = x / margin;
            (-0.5 * d * d * UPRIGHT_GAUSSIAN_SCALE2).exp()
        };
        let quadratic = |x: f32, margin: f32| {
            let d = x / margin;
            (1.0 - d * d).max(0.0)
        };
        let (pole, cart) = (self.p.task_q, self.p.task_q2);
        let upright = 0.5 * (self.scalar_q(pole).cos() + 1.0);
        let centred = 0.5 * (1.0 + gaussian(self.scalar_q(cart), UPRIGHT_CENTER_MARGIN));
        let small_control = (4.0 + quadratic(ctrl, UPRIGHT_CONTROL_MARGIN)) / 5.0;
        let small_velocity = 0.5 * (1.0 + gaussian(self.scalar_qd(pole), UPRIGHT_VELOCITY_MARGIN));
        upright * centred * small_control * small_velocity
    }

    /// Push: the xy distance (m) from the object body to the goal body.
    fn push_distance(&self) -> f32 {
        let d = self.pos(self.p.task_q) - self.pos(self.p.task_q2);
        d.truncate().length()
    }

    /// Push: −distance, plus the success bonus within the task radius.
    fn push_reward(&self) -> f32 {
        let d = self.push_distance();
        -d + if d < self.p.task_radius {
            PUSH_SUCCESS_BONUS
        } else {
            0.0
        }
    }

    /// Writes the observation into `obs`: qpos then qvel (MuJoCo's conventions), or the
    /// Gymnasium task's own (the twin of `observe`, without observation noise).
    pub fn observe(&self, obs: &mut [f32]) {
        if self.p.task >= TASK_GYM_LOCOMOTION {
            self.gym_observe(obs);
            return;
        }
        self.qpos_qvel(obs);
    }

    /// Writes qpos then qvel (MuJoCo's conventions) into `out` (nq + nv words): the twin of
    /// `joint_coords` over every joint.
    pub fn qpos_qvel(&self, out: &mut [f32]) {
        let nq = self.p.nq as usize;
        for j in 0..self.p.num_joints {
            let qa = u(self.jw(j, J_QADR)) as usize;
            let va = nq + u(self.jw(j, J_VADR)) as usize;
            let kind = u(self.jw(j, J_KIND));
            let b = u(self.jw(j, J_BODY));
            if kind == JOINT_HINGE || kind == JOINT_SLIDE {
                out[qa] = self.scalar_q(j);
                out[va] = self.scalar_qd(j);
                continue;
            }
            let qm = self.quat(b) * self.jw4(j, J_RELC_QUAT);
            if kind == JOINT_FREE {
                let xm = self.pos(b) + self.quat(b) * self.jw3(j, J_RELC_POS);
                let vm = self.vel(b) + cross(self.angvel(b), xm - self.pos(b));
                let wl = qm.conjugate() * self.angvel(b);
                out[qa..qa + 7].copy_from_slice(&[xm.x, xm.y, xm.z, qm.w, qm.x, qm.y, qm.z]);
                out[va..va + 6].copy_from_slice(&[vm.x, vm.y, vm.z, wl.x, wl.y, wl.z]);
            } else {
                let p = self.parent(b);
                let r = self.jw4(j, J_PQ).conjugate() * self.quat(p).conjugate() * qm;
                let wl = qm.conjugate() * (self.angvel(b) - self.angvel(p));
                out[qa..qa + 4].copy_from_slice(&[r.w, r.x, r.y, r.z]);
                out[va..va + 3].copy_from_slice(&[wl.x, wl.y, wl.z]);
            }
        }
    }
}
