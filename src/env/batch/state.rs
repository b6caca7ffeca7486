//! `get_state` and `set_state` of [`BatchEnv`]: the worlds' state vectors and clocks,
//! copied back from the GPU or checked and written to it.

use super::BatchEnv;
use crate::env::{WorldStates, Worlds};
use crate::gpu::Readback;
use crate::layout::WorldClock;
use crate::Error;

impl BatchEnv {
    /// `VecEnv::get_state`: copies the chosen worlds' state and clocks back.
    pub(super) fn read_states(&mut self, worlds: Worlds<'_>) -> Result<WorldStates, Error> {
        let all: Vec<usize>;
        let worlds = match worlds {
            Worlds::All => {
                all = (0..self.worlds).collect();
                &all[..]
            }
            Worlds::Some(w) => {
                self.check_worlds(w)?;
                w
            }
        };
        let sd = self.spec.state_dim;
        let state_bytes = self.state.bytes();
        let mut rb = Readback::new(
            &self.gpu,
            "env.get_state",
            state_bytes + self.clocks.bytes(),
            1,
        );
        let (ticket, staging) = rb.claim();
        let mut enc = self.gpu.encoder("env.get_state");
        enc.copy_buffer_to_buffer(self.state.raw(), 0, staging, 0, state_bytes);
        enc.copy_buffer_to_buffer(
            self.clocks.raw(),
            0,
            staging,
            state_bytes,
            self.clocks.bytes(),
        );
        let index = self.gpu.submit(enc);
        rb.start_map(ticket, index);
        rb.wait(&self.gpu, ticket)?;
        let b = rb.bytes_of(ticket);
        let state: Vec<f32> = bytemuck::pod_collect_to_vec(&b[..state_bytes as usize]);
        let clocks: Vec<WorldClock> = bytemuck::pod_collect_to_vec(&b[state_bytes as usize..]);
        Ok(WorldStates {
            state_dim: sd,
            worlds: worlds.to_vec(),
            state: worlds
                .iter()
                .flat_map(|&w| state[w * sd..(w + 1) * sd].iter().copied())
                .collect(),
            clocks: worlds.iter().map(|&w| clocks[w]).collect(),
        })
    }

    /// `VecEnv::set_state`: checks the states, writes them and observes again.
    pub(super) fn write_states(&mut self, states: &WorldStates) -> Result<(), Error> {
        let sd = self.spec.state_dim;
        if states.state_dim != sd {
            return Err(Error::InvalidArgument {
                field: "state_dim".into(),
                value: states.state_dim.to_string(),
                allowed: format!("{sd} for {}", self.spec.name),
            });
        }
        self.check_worlds(&states.worlds)?;
        let n = states.worlds.len();
        if states.state.len() != n * sd || states.clocks.len() != n {
            return Err(Error::InvalidArgument {
                field: "state / clocks".into(),
                value: format!(
                    "{} floats and {} clocks",
                    states.state.len(),
                    states.clocks.len()
                ),
                allowed: format!("{} floats and {n} clocks for {n} worlds", n * sd),
            });
        }
        if let Some(i) = states.state.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument {
                field: format!("state of world {} [{}]", states.worlds[i / sd], i % sd),
                value: states.state[i].to_string(),
                allowed: "a finite number".into(),
            });
        }
        self.drain()?;
        for (row, &w) in states.worlds.iter().enumerate() {
            self.state
                .write(&self.gpu, w * sd, &states.state[row * sd..(row + 1) * sd]);
            self.clocks
                .write(&self.gpu, w, &states.clocks[row..row + 1]);
        }
        self.submit_observe()?;
        self.wait()
    }
}
