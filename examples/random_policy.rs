//! A random policy on 4096 cartpoles for 1000 steps, counting finished episodes and their
//! mean length. Run: `cargo run --release --example random_policy`.

use manyworlds::env::{self, EnvConfig};
use manyworlds::gpu::Gpu;

fn main() -> Result<(), manyworlds::Error> {
    let gpu = Gpu::new()?;
    println!("adapter: {}", gpu.adapter());
    let worlds = 4096;
    let mut env = env::make(&gpu, "cartpole", &EnvConfig::new(worlds))?;
    env.reset(0)?;
    let mut episodes = 0_u64;
    let mut lengths = 0_u64;
    let mut running = vec![0_u64; worlds];
    for t in 0..1000_u32 {
        // Any host policy goes here; this one flips a coin per world.
        let actions = env.spec().action_space.sample(worlds, 0, t);
        let step = env.step(&actions)?;
        for (w, length) in running.iter_mut().enumerate() {
            *length += step.rewards[w] as u64;
            if step.terminated[w] || step.truncated[w] {
                episodes += 1;
                lengths += *length;
                *length = 0;
            }
        }
    }
    println!(
        "{episodes} episodes finished, mean length {:.1} steps (Gymnasium's random policy: about 22)",
        lengths as f64 / episodes as f64
    );
    Ok(())
}
