// render.depth: turns the raw depth-buffer values of one page, copied whole into a scratch
// buffer (WebGPU copies depth textures only whole), into linear depth along the camera
// axis in the depth output. x: pixel of the view, y: view of the
// page (all views of a copied page have one size). Pages that cannot be copied (rows not
// aligned for a texture copy) go through render.resolve instead, which does the same.
#import shared/render_io

@group(0) @binding(0) var<uniform> page: ResolvePage;
@group(0) @binding(1) var<storage, read> views: array<RenderView>;
@group(0) @binding(2) var<storage, read> view_pose: array<ViewPose>;
@group(0) @binding(3) var<storage, read> page_depth: array<f32>;
@group(0) @binding(4) var<storage, read_write> depth_out: array<f32>;

// Each workgroup covers RENDER_WORKGROUP × PIXELS_PER_THREAD pixels of one view (a whole
// 64 × 64 view): lavapipe pays per workgroup, ~0.3 µs, which one pixel per thread made
// 21 ms of a 1024-view frame.
@compute @workgroup_size(RENDER_WORKGROUP)
fn linearize(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    if group.y >= page.num_views {
        return;
    }
    let v = page.first_view + group.y;
    let view = views[v];
    let n = view.width * view.height;
    let m = view_pose[v].depth;
    let first = group.x * RENDER_WORKGROUP * PIXELS_PER_THREAD + lane;
    for (var k = 0u; k < PIXELS_PER_THREAD; k++) {
        let p = first + k * RENDER_WORKGROUP;
        if p < n {
            // Column pages: the view's rows are page rows tile_y.., page width = view width.
            depth_out[view.out_offset + p] = linear_depth(page_depth[view.tile_y * view.width + p], m);
        }
    }
}
