// randomize.looks: copies each world's randomized looks (colours, size scales, cameras,
// lights) from its draws row into the renderer's per-world tables, before the render
// passes. One thread per world. Slot table and draws layout: src/layout/randomize.rs.
#import shared/render_io

// Rust twin: manyworlds::layout::randomize::LooksParams.
struct LooksParams {
    num_worlds: u32,
    draw_stride: u32,
    num_slots: u32,
    num_geoms: u32,
    num_cameras: u32,
    num_lights: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(0) var<uniform> lp: LooksParams;
@group(0) @binding(1) var<storage, read> rand_table: array<f32>;
@group(0) @binding(2) var<storage, read> draws: array<f32>;
@group(0) @binding(3) var<storage, read_write> colors: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> scales: array<f32>;
@group(0) @binding(5) var<storage, read_write> cameras: array<RenderCamera>;
@group(0) @binding(6) var<storage, read_write> lights: array<RenderLight>;

fn rt(s: u32, k: u32) -> f32 {
    return rand_table[s * SLOT_STRIDE + k];
}
fn rtu(s: u32, k: u32) -> u32 {
    return bitcast<u32>(rt(s, k));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn looks(@builtin(global_invocation_id) gid: vec3<u32>) {
    let w = gid.x;
    if w >= lp.num_worlds {
        return;
    }
    let db = w * lp.draw_stride;
    for (var s = 0u; s < lp.num_slots; s++) {
        let f = rtu(s, R_FIELD);
        let t = rtu(s, R_TARGET);
        let at = db + rtu(s, R_VALUE);
        let v = vec4<f32>(draws[at], draws[at + 1u], draws[at + 2u], draws[at + 3u]);
        if f == F_GEOM_RGBA {
            colors[w * lp.num_geoms + t] = clamp(v, vec4<f32>(0.0), vec4<f32>(1.0));
        } else if f == F_GEOM_SIZE_SCALE {
            scales[w * lp.num_geoms + t] = v.x;
        } else if f == F_CAMERA_POS {
            cameras[w * lp.num_cameras + t].pos = vec4<f32>(v.xyz, 0.0);
        } else if f == F_CAMERA_FOVY {
            // fy = (h / 2) / tan(fovy / 2); fx keeps its ratio to fy.
            let fy = 0.5 * rt(s, R_BASE) / tan(0.5 * radians(v.x));
            let i = w * lp.num_cameras + t;
            cameras[i].intrinsics.x = fy * rt(s, R_BASE + 1u);
            cameras[i].intrinsics.y = fy;
        } else if f == F_LIGHT_DIR {
            if dot(v.xyz, v.xyz) > 1e-12 {
                lights[w * lp.num_lights + t].dir = vec4<f32>(normalize(v.xyz), 0.0);
            }
        } else if f == F_LIGHT_DIFFUSE {
            lights[w * lp.num_lights + t].diffuse = vec4<f32>(max(v.xyz, vec3<f32>(0.0)), 0.0);
        }
    }
}
