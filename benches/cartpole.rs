//! Criterion benchmarks of cartpole stepping, with throughput in env-steps
//! (`worlds × steps` per iteration). Run: `cargo bench --bench cartpole`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use manyworlds::env::{self, EnvConfig};
use manyworlds::gpu::Gpu;
use std::time::Duration;

fn cartpole(c: &mut Criterion) {
    let gpu = Gpu::new().unwrap_or_else(|e| panic!("{e}"));
    eprintln!("adapter: {}", gpu.adapter());
    let mut group = c.benchmark_group("cartpole");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    for worlds in [1024_usize, 16384] {
        let mut env =
            env::make(&gpu, "cartpole", &EnvConfig::new(worlds)).expect("cartpole builds");
        env.reset(0).expect("reset");
        let actions: Vec<f32> = (0..worlds).map(|i| (i % 2) as f32).collect();
        // One RL step: upload actions, step, read observations, rewards and flags back.
        group.throughput(Throughput::Elements(worlds as u64));
        group.bench_function(BenchmarkId::new("step", worlds), |b| {
            b.iter(|| env.step(&actions).expect("step").rewards[0])
        });
        // 100 steps fused into one dispatch, results read back once.
        let k = 100;
        group.throughput(Throughput::Elements((worlds * k) as u64));
        group.bench_function(BenchmarkId::new("step_many_100", worlds), |b| {
            b.iter(|| {
                env.step_many(&actions, k as u32)
                    .expect("step_many")
                    .rewards[0]
            })
        });
    }
    group.finish();
}

criterion_group!(benches, cartpole);
criterion_main!(benches);
