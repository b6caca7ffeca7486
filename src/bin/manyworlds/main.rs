//! The `manyworlds` command line. With no arguments it runs `bench` on the embedded default
//! scene, `boxes` (see [`DEFAULT_BENCH`]).

use clap::{Parser, Subcommand};
use manyworlds::env;
use manyworlds::gpu::Gpu;

mod bench;
mod common;
#[cfg(feature = "hdf5")]
mod demos;
mod gen_data;
mod peers;
mod record;
mod render;
mod rollout;
mod selftest;
mod soak;
mod view;

#[derive(Parser)]
#[command(
    name = "manyworlds",
    version,
    about = "Batched GPU simulation for robot learning"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Measure env-steps/s over every combination of envs, world counts and modes.
    Bench(bench::BenchArgs),
    /// Replay given initial states and actions (autoreset off unless the input asks); write
    /// every step.
    Rollout(rollout::RolloutArgs),
    /// Render views of a scene or env after some steps: PNG, NPY and a mosaic per view.
    Render(render::RenderArgs),
    /// Open a live window on a grid of worlds (orbit, zoom, pause, step, reset; RGB, depth
    /// or segmentation); `--frames N --screenshot F` runs it headless and saves the last frame.
    View(view::Args),
    /// Write an animation (GIF or PNG sequence) of a mosaic of worlds.
    Record(record::Args),
    /// Export a labelled synthetic dataset (RGB, depth, segmentation, camera and object
    /// labels, randomized parameters) from randomized scenes.
    GenData(gen_data::Args),
    #[cfg(feature = "hdf5")]
    /// Run a scripted expert on every world of a randomized env and write its episodes as
    /// an imitation-learning dataset (robomimic HDF5); `--replay FILE --check` replays one.
    Demos(demos::Args),
    /// Check that this adapter computes what the engine promises (GPU against CPU
    /// references, determinism, rendering): the first thing to run on a new machine.
    Selftest(selftest::Args),
    /// A long run of random actions under full randomization, counting non-finite
    /// states, escapes, overflows and resets, with penetration and memory checks.
    Soak(soak::Args),
    /// List the registered envs.
    Envs,
    /// Print the adapter that would be used, and why.
    Adapter,
}

/// What `manyworlds` with no arguments runs: the embedded `boxes` scene (8 free boxes
/// falling onto a plane and settling), 1024 worlds, whole 150-step episodes after one
/// untimed episode, both modes. One episode because the cost per step changes as the
/// boxes fall, collide and come to rest; 1024 worlds because it is the size the issue's
/// MuJoCo comparison uses, and it keeps the run near a minute on a 2-core CPU.
const DEFAULT_BENCH: &[&str] = &[
    "manyworlds",
    "bench",
    "--env",
    "boxes",
    "--worlds",
    "1024",
    "--steps",
    "150",
    "--warmup",
    "150",
];

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        None => match Cli::parse_from(DEFAULT_BENCH).command {
            Some(Command::Bench(a)) => bench::run(&a),
            _ => unreachable!("`bench` parses as the bench subcommand"),
        },
        Some(Command::Bench(a)) => bench::run(&a),
        Some(Command::Rollout(a)) => rollout::run(&a),
        Some(Command::Render(a)) => render::run(&a),
        Some(Command::View(a)) => view::run(&a),
        Some(Command::Record(a)) => record::run(&a),
        Some(Command::GenData(a)) => gen_data::run(&a),
        #[cfg(feature = "hdf5")]
        Some(Command::Demos(a)) => demos::run(&a),
        Some(Command::Selftest(a)) => selftest::run(&a),
        Some(Command::Soak(a)) => soak::run(&a),
        Some(Command::Envs) => {
            for e in env::REGISTRY {
                println!("{:<12} {}", e.name, e.about);
            }
            Ok(())
        }
        Some(Command::Adapter) => Gpu::new().map(|g| println!("{}", g.adapter())),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
