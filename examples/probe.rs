use manyworlds::env::{self, EnvConfig};
use std::time::Instant;
fn med(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
fn main() {
    let gpu = manyworlds::gpu::Gpu::new().unwrap();
    for n in [4096usize, 16384] {
        let mut e = env::make(&gpu, "cartpole", &EnvConfig::new(n)).unwrap();
        e.reset(0).unwrap();
        let acts: Vec<Vec<f32>> = (0..8)
            .map(|k| (0..n).map(|i| ((i * 7 + k * 13) % 3 % 2) as f32).collect())
            .collect();
        for t in 0..50 {
            e.step(&acts[t % 8]).unwrap();
        }
        let (mut r1, mut r3, mut r4) = (vec![], vec![], vec![]);
        for _ in 0..7 {
            let t = Instant::now();
            for _ in 0..200 {
                e.step_resident(1).unwrap();
            }
            gpu.wait_idle().unwrap();
            r1.push(t.elapsed().as_secs_f64() / 200.0 * 1e6);
            let t = Instant::now();
            e.step_resident(200).unwrap();
            gpu.wait_idle().unwrap();
            r3.push(t.elapsed().as_secs_f64() / 200.0 * 1e6);
            let t = Instant::now();
            for k in 0..200 {
                e.step(&acts[k % 8]).unwrap();
            }
            r4.push(t.elapsed().as_secs_f64() / 200.0 * 1e6);
        }
        println!(
            "n={n}: resident(1) {:.1} us, resident(200) {:.1} us/step, rl step {:.1} us",
            med(r1),
            med(r3),
            med(r4)
        );
    }
}
