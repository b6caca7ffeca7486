//! A training sanity check for `cartpole-vision`: a policy that sees only the rendered
//! 64 × 64 RGB images learns to balance the pole better than doing nothing.
//!
//! - Features, from pixels only (the low-dimensional `Step::obs` is never read): each frame
//!   is turned to grey and downsampled to 16 × 16 with a separable tent (bilinear) filter,
//!   which keeps sub-block positions visible as fractional intensities; the difference to the
//!   previous frame's 16 × 16 carries velocity. Each of the 512 values is standardized with
//!   its mean and standard deviation over the random-action baseline's frames.
//! - Policy: linear with a bias, `tanh` output in [-1, 1] (the cart force), 513 parameters.
//! - Trainer: the cross-entropy method with a diagonal Gaussian. Every iteration resets all
//!   worlds with a new seed and runs one rollout of `HORIZON` steps; the worlds are split
//!   into `CANDIDATES` groups of `WORLDS_PER_CANDIDATE`, each group driven by one candidate.
//!   Candidate 0 is the current mean itself, so its fitness is the current policy's score.
//!   Fitness is the mean reward per step (dm_control's balance reward, in [0, 1]).
//! - Baselines, measured the same way (all worlds, `HORIZON` steps from a reset): zero force
//!   and uniformly random force.
//! - Evaluation at the end, on all worlds with a seed never used in training: the trained
//!   mean policy over `HORIZON` steps, the same policy blind (its input frozen at the first
//!   frame, to show that it acts on what it sees), then full 1000-step episodes of the
//!   trained policy, zero force and random force (mean reward per step over the episode and
//!   over its last 250 steps).
//!
//! Run: `XDG_RUNTIME_DIR=/tmp cargo run --release --example train_cartpole_vision`
//! (6 to 8 minutes on lavapipe with 2 cores; training starts no new iteration after
//! `TIME_BUDGET_S`).

use manyworlds::env::{self, EnvConfig, VecEnv};
use manyworlds::gpu::Gpu;
use std::time::Instant;

/// Candidates per CEM generation.
const CANDIDATES: usize = 64;
/// Worlds that evaluate each candidate (different initial states).
const WORLDS_PER_CANDIDATE: usize = 8;
/// All worlds, stepped together.
const WORLDS: usize = CANDIDATES * WORLDS_PER_CANDIDATE;
/// Steps per rollout (0.01 s each).
const HORIZON: u32 = 200;
/// CEM generations at most.
const ITERATIONS: usize = 50;
/// Candidates kept to refit the distribution.
const ELITES: usize = 8;
/// Initial standard deviation of every parameter.
const SIGMA0: f32 = 0.1;
/// Extra standard deviation added to the refit, decaying linearly to 0 (noisy CEM).
const EXTRA_SIGMA: f32 = 0.02;
/// Training stops starting new iterations after this many seconds.
const TIME_BUDGET_S: f64 = 420.0;
/// Steps of a full episode (the env truncates there).
const EPISODE: u32 = 1000;

/// Rendered image side, pixels.
const SIDE: usize = 64;
/// Downsampled image side.
const BINS: usize = 16;
/// Values per frame: the 16 × 16 grey image.
const FRAME: usize = BINS * BINS;
/// Policy inputs: frame and frame difference.
const FEATURES: usize = 2 * FRAME;
/// Policy parameters: weights and bias.
const PARAMS: usize = FEATURES + 1;

/// Tent-filter taps: for each pixel coordinate, the bins it feeds and with what weight
/// (each bin's weights sum to 1).
fn tent_taps() -> Vec<Vec<(usize, f32)>> {
    let scale = (SIDE / BINS) as f32;
    let weight = |p: usize, k: usize| {
        let centre = scale * k as f32 + (scale - 1.0) / 2.0;
        (1.0 - (p as f32 - centre).abs() / scale).max(0.0)
    };
    let totals: Vec<f32> = (0..BINS)
        .map(|k| (0..SIDE).map(|p| weight(p, k)).sum())
        .collect();
    (0..SIDE)
        .map(|p| {
            (0..BINS)
                .filter(|&k| weight(p, k) > 0.0)
                .map(|k| (k, weight(p, k) / totals[k]))
                .collect()
        })
        .collect()
}

/// Turns one RGBA view into a 16 × 16 grey image in [0, 1].
fn downsample(rgba: &[u8], taps: &[Vec<(usize, f32)>], rows: &mut [f32], out: &mut [f32]) {
    rows.fill(0.0);
    for y in 0..SIDE {
        let row = &mut rows[y * BINS..(y + 1) * BINS];
        for (x, tx) in taps.iter().enumerate() {
            let p = &rgba[4 * (y * SIDE + x)..4 * (y * SIDE + x) + 3];
            let grey = (p[0] as f32 + p[1] as f32 + p[2] as f32) * (1.0 / 765.0);
            for &(k, w) in tx {
                row[k] += w * grey;
            }
        }
    }
    out.fill(0.0);
    for (y, ty) in taps.iter().enumerate() {
        for &(k, w) in ty {
            for kx in 0..BINS {
                out[k * BINS + kx] += w * rows[y * BINS + kx];
            }
        }
    }
}

/// Each world's mean reward per step over a rollout, and over its last quarter.
struct Scores {
    all: Vec<f32>,
    tail: Vec<f32>,
}

/// Runs every world for `horizon` steps from `reset(seed)`. `policy(t, features, actions)`
/// sees `[WORLDS, FEATURES]` raw features (frame, frame difference) and writes one force per
/// world.
fn rollout(
    env: &mut dyn VecEnv,
    seed: u64,
    horizon: u32,
    mut policy: impl FnMut(u32, &[f32], &mut [f32]),
) -> Result<Scores, manyworlds::Error> {
    let taps = tent_taps();
    let mut rows = vec![0.0; SIDE * BINS];
    let mut frame = vec![0.0; FRAME];
    let mut features = vec![0.0; WORLDS * FEATURES];
    let mut actions = vec![0.0; WORLDS];
    let mut returns = vec![0.0_f64; WORLDS];
    let mut tail = vec![0.0_f64; WORLDS];
    let tail_from = horizon - horizon / 4;
    // Writes the new frames and their differences to the previous ones (zero after a reset).
    let mut observe =
        |images: manyworlds::render::Images<'_>, features: &mut [f32], first: bool| {
            for (w, f) in features.chunks_exact_mut(FEATURES).enumerate() {
                let rgba = images.rgb(w).expect("the env renders RGB");
                downsample(rgba, &taps, &mut rows, &mut frame);
                let (now, diff) = f.split_at_mut(FRAME);
                for i in 0..FRAME {
                    diff[i] = if first { 0.0 } else { frame[i] - now[i] };
                    now[i] = frame[i];
                }
            }
        };
    env.reset(seed)?;
    observe(env.images().expect("the env renders"), &mut features, true);
    for t in 0..horizon {
        policy(t, &features, &mut actions);
        let step = env.step(&actions)?;
        for (r, &x) in returns.iter_mut().zip(step.rewards) {
            *r += x as f64;
        }
        if t >= tail_from {
            for (r, &x) in tail.iter_mut().zip(step.rewards) {
                *r += x as f64;
            }
        }
        observe(step.images.expect("the env renders"), &mut features, false);
    }
    let per_step = |v: &[f64], n: u32| v.iter().map(|r| (r / n as f64) as f32).collect();
    Ok(Scores {
        all: per_step(&returns, horizon),
        tail: per_step(&tail, horizon - tail_from),
    })
}

/// Per-feature standardization, measured on the random baseline's frames.
struct Normalizer {
    mean: Vec<f32>,
    inv_std: Vec<f32>,
}

impl Normalizer {
    fn fit(sum: &[f64], sum_sq: &[f64], count: f64) -> Normalizer {
        let mut mean = Vec::with_capacity(FEATURES);
        let mut inv_std = Vec::with_capacity(FEATURES);
        for (s, q) in sum.iter().zip(sum_sq) {
            let m = s / count;
            let std = (q / count - m * m).max(0.0).sqrt() as f32;
            mean.push(m as f32);
            // Values that never changed (sky, far floor) carry nothing: weight 0.
            inv_std.push(if std < 1e-6 { 0.0 } else { 1.0 / std.max(1e-2) });
        }
        Normalizer { mean, inv_std }
    }

    /// The linear policy's action for one world's raw features.
    fn act(&self, theta: &[f32], features: &[f32]) -> f32 {
        let mut u = theta[FEATURES];
        for i in 0..FEATURES {
            let z = ((features[i] - self.mean[i]) * self.inv_std[i]).clamp(-5.0, 5.0);
            u += theta[i] * z;
        }
        u.tanh()
    }
}

/// xorshift64* with Box–Muller normals.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1_u64 << 53) as f64
    }

    fn normal(&mut self) -> f32 {
        let (u, v) = (self.unit(), self.unit());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }
}

fn mean(x: &[f32]) -> f32 {
    x.iter().sum::<f32>() / x.len() as f32
}

fn main() -> Result<(), manyworlds::Error> {
    let start = Instant::now();
    let gpu = Gpu::new()?;
    println!("adapter: {}", gpu.adapter());
    let mut env = env::make(&gpu, "cartpole-vision", &EnvConfig::new(WORLDS))?;
    let action_space = env.spec().action_space.clone();
    println!(
        "{WORLDS} worlds = {CANDIDATES} candidates x {WORLDS_PER_CANDIDATE} worlds, \
         {HORIZON}-step rollouts, policy: linear on {FEATURES} pixel features ({BINS}x{BINS} \
         grey + frame difference) -> tanh, {PARAMS} parameters"
    );

    // Baselines, on the same seed.
    let baseline_seed = 1;
    let t = Instant::now();
    let zero = mean(&rollout(&mut *env, baseline_seed, HORIZON, |_, _, a| a.fill(0.0))?.all);
    println!(
        "baseline zero action:    mean reward/step {zero:.4}  ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut sum = vec![0.0_f64; FEATURES];
    let mut sum_sq = vec![0.0_f64; FEATURES];
    let random = rollout(&mut *env, baseline_seed, HORIZON, |step, f, a| {
        for row in f.chunks_exact(FEATURES) {
            for ((s, q), &x) in sum.iter_mut().zip(sum_sq.iter_mut()).zip(row) {
                *s += x as f64;
                *q += x as f64 * x as f64;
            }
        }
        a.copy_from_slice(&action_space.sample(WORLDS, baseline_seed, step));
    })?;
    let random = mean(&random.all);
    println!(
        "baseline random actions: mean reward/step {random:.4}  ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let norm = Normalizer::fit(&sum, &sum_sq, (WORLDS as f64) * HORIZON as f64);
    let live = norm.inv_std.iter().filter(|&&s| s > 0.0).count();
    println!("features that vary: {live} of {FEATURES}");

    // Cross-entropy method.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut mu = vec![0.0_f32; PARAMS];
    let mut sigma = vec![SIGMA0; PARAMS];
    let mut thetas = vec![0.0_f32; CANDIDATES * PARAMS];
    println!("iter | population mean | mean policy | best     | mean sigma | time");
    for it in 0..ITERATIONS {
        if start.elapsed().as_secs_f64() > TIME_BUDGET_S {
            println!("time budget reached after {it} iterations");
            break;
        }
        let t = Instant::now();
        for (c, theta) in thetas.chunks_exact_mut(PARAMS).enumerate() {
            for i in 0..PARAMS {
                theta[i] = if c == 0 {
                    mu[i]
                } else {
                    mu[i] + sigma[i] * rng.normal()
                };
            }
        }
        let rewards = rollout(&mut *env, 1000 + it as u64, HORIZON, |_, f, a| {
            for (w, aw) in a.iter_mut().enumerate() {
                let c = w / WORLDS_PER_CANDIDATE;
                *aw = norm.act(
                    &thetas[c * PARAMS..(c + 1) * PARAMS],
                    &f[w * FEATURES..(w + 1) * FEATURES],
                );
            }
        })?
        .all;
        let fitness: Vec<f32> = rewards
            .chunks_exact(WORLDS_PER_CANDIDATE)
            .map(mean)
            .collect();
        let mut order: Vec<usize> = (0..CANDIDATES).collect();
        order.sort_by(|&a, &b| fitness[b].total_cmp(&fitness[a]));
        let elites = &order[..ELITES];
        let extra = EXTRA_SIGMA * (1.0 - it as f32 / ITERATIONS as f32);
        for i in 0..PARAMS {
            let m = elites.iter().map(|&c| thetas[c * PARAMS + i]).sum::<f32>() / ELITES as f32;
            let v = elites
                .iter()
                .map(|&c| (thetas[c * PARAMS + i] - m).powi(2))
                .sum::<f32>()
                / ELITES as f32;
            mu[i] = m;
            sigma[i] = (v + extra * extra).sqrt();
        }
        println!(
            "{it:4} | {:15.4} | {:11.4} | {:.4}   | {:10.4} | {:.1} s (total {:.0} s)",
            mean(&fitness),
            fitness[0],
            fitness[order[0]],
            mean(&sigma),
            t.elapsed().as_secs_f64(),
            start.elapsed().as_secs_f64()
        );
    }

    // The final mean policy on every world, with a seed not used in training.
    let test_seed = 7;
    let trained = |_: u32, f: &[f32], a: &mut [f32]| {
        for (w, aw) in a.iter_mut().enumerate() {
            *aw = norm.act(&mu, &f[w * FEATURES..(w + 1) * FEATURES]);
        }
    };
    let t = Instant::now();
    let score = mean(&rollout(&mut *env, test_seed, HORIZON, trained)?.all);
    println!(
        "test (seed {test_seed}, {HORIZON} steps): trained mean policy {score:.4}  ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut first = vec![0.0_f32; WORLDS * FEATURES];
    let blind = rollout(&mut *env, test_seed, HORIZON, |step, f, a| {
        if step == 0 {
            first.copy_from_slice(f);
        }
        for (w, aw) in a.iter_mut().enumerate() {
            *aw = norm.act(&mu, &first[w * FEATURES..(w + 1) * FEATURES]);
        }
    })?;
    println!(
        "test (seed {test_seed}, {HORIZON} steps): same policy blind (first frame held) {:.4}  ({:.1} s)",
        mean(&blind.all),
        t.elapsed().as_secs_f64()
    );
    let random_actions = |step: u32, _: &[f32], a: &mut [f32]| {
        a.copy_from_slice(&action_space.sample(WORLDS, test_seed, step))
    };
    let zero_action = |_: u32, _: &[f32], a: &mut [f32]| a.fill(0.0);
    let t = Instant::now();
    let trained_ep = rollout(&mut *env, test_seed, EPISODE, trained)?;
    let zero_ep = rollout(&mut *env, test_seed, EPISODE, zero_action)?;
    let random_ep = rollout(&mut *env, test_seed, EPISODE, random_actions)?;
    for (name, s) in [
        ("trained", &trained_ep),
        ("zero action", &zero_ep),
        ("random actions", &random_ep),
    ] {
        println!(
            "test (seed {test_seed}, full {EPISODE}-step episodes) {name:>14}: mean reward/step {:.4}, \
             last {} steps {:.4}",
            mean(&s.all),
            EPISODE / 4,
            mean(&s.tail)
        );
    }
    println!("  ({:.1} s)", t.elapsed().as_secs_f64());
    println!("total wall time {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}
