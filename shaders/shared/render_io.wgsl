// The renderer's structs. Rust twins: src/layout/render.rs (checked by tests/layout.rs).

struct RenderParams {
    num_views: u32,
    num_slots: u32,
    num_geoms: u32,
    num_lights: u32,
    num_cameras: u32,
    state_dim: u32,
    color_worlds: u32,
    light_worlds: u32,
    camera_worlds: u32,
    head_ambient: f32,
    head_diffuse: f32,
    pad0: u32,
    background: vec4<f32>,
}

struct ResolvePage {
    first_view: u32,
    num_views: u32,
    outputs: u32,
    max_pixels: u32,
    depth_row: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

struct RenderBody {
    sim: u32,
    pad: array<u32, 3>,
    pos: vec4<f32>,
    quat: vec4<f32>,
}

struct RenderGeom {
    body: u32,
    mesh: u32,
    material: u32,
    seg_id: u32,
    pos: vec4<f32>,
    quat: vec4<f32>,
    scale: vec4<f32>,
}

struct RenderMaterial {
    kind: u32,
    pad: array<u32, 3>,
    rgb1: vec4<f32>,
    rgb2: vec4<f32>,
    repeat: vec4<f32>,
}

struct RenderCamera {
    body: u32,
    mode: u32,
    width: u32,
    height: u32,
    pos: vec4<f32>,
    quat: vec4<f32>,
    intrinsics: vec4<f32>,
    clip: vec4<f32>,
}

struct RenderLight {
    body: u32,
    directional: u32,
    pad: array<u32, 2>,
    pos: vec4<f32>,
    dir: vec4<f32>,
    diffuse: vec4<f32>,
    ambient: vec4<f32>,
}

struct RenderView {
    world: u32,
    slot: u32,
    camera: u32,
    page: u32,
    tile_x: u32,
    tile_y: u32,
    width: u32,
    height: u32,
    page_w: u32,
    page_h: u32,
    out_offset: u32,
    pad: u32,
}

struct GeomPose {
    pos: vec4<f32>,
    quat: vec4<f32>,
    scale: vec4<f32>,
    color: vec4<f32>,
}

struct ViewPose {
    pos: vec4<f32>,
    qinv: vec4<f32>,
    proj: vec4<f32>,
    depth: vec4<f32>,
}

struct LightPose {
    pos: vec4<f32>,
    dir: vec4<f32>,
    diffuse: vec4<f32>,
    ambient: vec4<f32>,
}

// Linear depth along the camera axis from a depth-buffer value z = A + B / d (m = A, B,
// near, far of ViewPose.depth): d = B / (z - A). The cleared value 1 (nothing drawn, or
// beyond the far plane) is DEPTH_BACKGROUND.
fn linear_depth(z: f32, m: vec4<f32>) -> f32 {
    return select(m.y / (z - m.x), DEPTH_BACKGROUND, z >= 1.0);
}
