// randomize.depth_noise: Gaussian noise on the rendered depth, after the render passes.
// Each rendered world's standard deviation is its `depth.noise_std` value; pixels that see
// no surface (depth 0) stay 0, and noisy depths stay above 0 so `depth > 0` is still the
// mask. Fresh for every (episode, step). x: pixel groups of a world; y: rendered world.
#import shared/env_io
#import shared/rng
#import shared/randomize

// Rust twin: manyworlds::layout::randomize::NoiseParams.
struct NoiseParams {
    pixels_per_world: u32,
    num_slots: u32,
    draw_stride: u32,
    value: u32,
}

@group(0) @binding(0) var<uniform> np: NoiseParams;
@group(0) @binding(1) var<uniform> params: StepParams;
@group(0) @binding(2) var<storage, read> draws: array<f32>;
@group(0) @binding(3) var<storage, read> clocks: array<WorldClock>;
@group(0) @binding(4) var<storage, read> slots: array<u32>;
@group(0) @binding(5) var<storage, read_write> depth: array<f32>;

// One thread per four pixels: one RNG block gives two Box-Muller pairs (cos and sin of
// each), a quarter of the hashing and half the logarithms of one draw per pixel.
@compute @workgroup_size(WORKGROUP_SIZE)
fn depth_noise(@builtin(global_invocation_id) gid: vec3<u32>) {
    let q = gid.x;
    let slot = gid.y;
    if 4u * q >= np.pixels_per_world || slot >= np.num_slots {
        return;
    }
    let world = slots[slot];
    let sd = draws[world * np.draw_stride + np.value];
    if sd <= 0.0 {
        return;
    }
    let clock = clocks[world];
    let key = params.key ^ vec4<u32>(0u, 0u, clock.elapsed & ~CLOCK_DONE, 0u);
    let z = sd * normals4(rng_block(key, world, clock.episode, DEPTH_NOISE_BLOCK + q));
    let base = slot * np.pixels_per_world + 4u * q;
    for (var k = 0u; k < 4u; k++) {
        let p = 4u * q + k;
        if p < np.pixels_per_world {
            let d = depth[base + k];
            if d > 0.0 {
                depth[base + k] = max(d + z[k], 1e-6);
            }
        }
    }
}
