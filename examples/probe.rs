use manyworlds::env::{self, EnvConfig};
use std::time::Instant;
fn main() {
    let gpu = manyworlds::gpu::Gpu::new().unwrap();
    for n in [1024usize, 16384] {
        let mut e = env::make(&gpu, "cartpole", &EnvConfig::new(n)).unwrap();
        e.reset(0).unwrap();
        let a = vec![1.0f32; n];
        e.step(&a).unwrap();
        let t = Instant::now();
        for _ in 0..300 { e.step_resident(1).unwrap(); }
        gpu.wait_idle().unwrap();
        let r1 = t.elapsed().as_secs_f64() / 300.0 * 1e6;
        let t = Instant::now();
        for _ in 0..300 { e.step_resident(1).unwrap(); gpu.wait_idle().unwrap(); }
        let r2 = t.elapsed().as_secs_f64() / 300.0 * 1e6;
        let t = Instant::now();
        e.step_resident(300).unwrap(); gpu.wait_idle().unwrap();
        let r3 = t.elapsed().as_secs_f64() / 300.0 * 1e6;
        let t = Instant::now();
        for _ in 0..300 { e.step(&a).unwrap(); }
        let r4 = t.elapsed().as_secs_f64() / 300.0 * 1e6;
        println!("n={n}: resident(1) queued {r1:.1} us, resident(1)+wait {r2:.1} us, resident(300) {r3:.1} us/step, step {r4:.1} us");
    }
}
