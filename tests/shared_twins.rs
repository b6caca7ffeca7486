//! The WGSL helpers in shaders/shared/ against their Rust twins, on the GPU: the RNG must
//! be bit-identical; sine and cosine within 4 ulp and division within 1 (the GPU
//! compiler may fuse multiply-adds inside the polynomial, Rust does not).

mod common;

use common::{gpu, read_buffer};
use manyworlds::gpu::{shader, Binding, GpuBuffer, Kernel};
use manyworlds::shared::{math, rng};

const N: usize = 4096;

const TEST_SHADER: &str = "
#import shared/rng
#import shared/math

struct Args { key: vec4<u32>, episode: u32, block: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> args: Args;
@group(0) @binding(1) var<storage, read> x_in: array<f32>;
@group(0) @binding(2) var<storage, read_write> bits_out: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> math_out: array<vec4<f32>>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if i >= arrayLength(&x_in) { return; }
    bits_out[i] = rng_block(args.key, i, args.episode, args.block);
    let x = x_in[i];
    let sc = sin_cos(x);
    math_out[i] = vec4<f32>(sc.x, sc.y, div_rn(x, 3.0 + f32(i % 7u)), rng_unit(bits_out[i].x));
}
";

fn ulps(a: f32, b: f32) -> u32 {
    if a == b {
        return 0;
    }
    let key = |x: f32| {
        let i = x.to_bits() as i32;
        if i < 0 {
            i32::MIN - i
        } else {
            i
        }
    };
    key(a).abs_diff(key(b))
}

#[test]
fn wgsl_helpers_match_their_rust_twins() {
    let g = gpu();
    let src = shader::compose("test.shared_twins", TEST_SHADER).unwrap();
    let kernel = Kernel::new(
        g,
        "test.shared_twins",
        &src,
        "main",
        &[
            Binding::Uniform,
            Binding::StorageRead,
            Binding::Storage,
            Binding::Storage,
        ],
    )
    .unwrap();
    let seed = 0x0123_4567_89ab_cdef_u64;
    let key = rng::rng_key(seed);
    let (episode, block) = (7_u32, 3_u32);
    let args: [u32; 8] = [key[0], key[1], key[2], key[3], episode, block, 0, 0];
    let args_buf = GpuBuffer::uniform(g, "test.args", &args);
    let xs: Vec<f32> = (0..N)
        .map(|i| (i as f32 - N as f32 / 2.0) * 0.37 + (i % 13) as f32 * 1e-3)
        .collect();
    let x_buf = GpuBuffer::<f32>::storage(g, "test.x", N).unwrap();
    x_buf.write(g, 0, &xs);
    let bits_buf = GpuBuffer::<[u32; 4]>::storage(g, "test.bits", N).unwrap();
    let math_buf = GpuBuffer::<[f32; 4]>::storage(g, "test.math", N).unwrap();
    bits_buf.fill_u32(g, u32::MAX);
    math_buf.fill_u32(g, u32::MAX);
    let bound = kernel.bind(
        g,
        &[args_buf.raw(), x_buf.raw(), bits_buf.raw(), math_buf.raw()],
    );
    let mut enc = g.encoder("test.shared_twins");
    bound.dispatch(
        &mut enc,
        (N as u32).div_ceil(manyworlds::layout::WORKGROUP_SIZE),
    );
    g.submit(enc);
    let gpu_bits: Vec<[u32; 4]> = read_buffer(bits_buf.raw());
    let gpu_math: Vec<[f32; 4]> = read_buffer(math_buf.raw());
    let mut worst = [0_u32; 3];
    for i in 0..N {
        let want = rng::rng_block(key, i as u32, episode, block);
        assert_eq!(gpu_bits[i], want, "rng_block differs at counter {i}");
        assert_eq!(
            gpu_math[i][3].to_bits(),
            rng::rng_unit(want[0]).to_bits(),
            "rng_unit at {i}"
        );
        let (s, c) = math::sin_cos(xs[i]);
        let d = math::div_rn(xs[i], 3.0 + (i % 7) as f32);
        for (k, want) in [s, c, d].into_iter().enumerate() {
            worst[k] = worst[k].max(ulps(gpu_math[i][k], want));
        }
    }
    eprintln!(
        "GPU vs Rust twin, worst ulp: sin {}, cos {}, div {}",
        worst[0], worst[1], worst[2]
    );
    // lavapipe: 2 ulp. The bound leaves room for adapters that contract differently.
    assert!(
        worst[0] <= 4 && worst[1] <= 4,
        "sin/cos differ by {worst:?} ulp"
    );
    assert!(worst[2] <= 1, "div_rn differs by {} ulp", worst[2]);
}

#[test]
fn rng_streams_are_distinct_and_uniform() {
    let key = rng::rng_key(1);
    let a = rng::rng_block(key, 0, 0, 0);
    assert_ne!(a, rng::rng_block(key, 1, 0, 0));
    assert_ne!(a, rng::rng_block(key, 0, 1, 0));
    assert_ne!(a, rng::rng_block(key, 0, 0, 1));
    assert_ne!(a, rng::rng_block(rng::rng_key(2), 0, 0, 0));
    // Mean and bucket counts of 2^16 unit draws: within 5 standard errors.
    let n = 1 << 16;
    let mut buckets = [0_u32; 16];
    let mut sum = 0.0_f64;
    for w in 0..n / 4 {
        for b in rng::rng_block(key, w, 3, 0) {
            let u = rng::rng_unit(b);
            assert!((0.0..1.0).contains(&u));
            sum += u as f64;
            buckets[(u * 16.0) as usize] += 1;
        }
    }
    let mean = sum / n as f64;
    assert!(
        (mean - 0.5).abs() < 5.0 * (1.0 / 12.0 / n as f64).sqrt(),
        "mean {mean}"
    );
    let expect = n as f64 / 16.0;
    for (i, c) in buckets.iter().enumerate() {
        assert!(
            (*c as f64 - expect).abs() < 5.0 * expect.sqrt(),
            "bucket {i}: {c}"
        );
    }
}
