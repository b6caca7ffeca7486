// render.resolve: for pages whose rows cannot be texture-copied (width not a multiple of
// 64 pixels), copies each view of the page out of its tile into the tightly packed outputs ([view, H, W]): RGBA8 as one u32 per pixel, linear depth along the camera
// axis in metres (DEPTH_BACKGROUND where nothing was drawn), segmentation ids. Only the
// requested outputs are read and written. x: pixel of the view, y: view of the page.
#import shared/render_io

@group(0) @binding(0) var<uniform> page: ResolvePage;
@group(0) @binding(1) var<storage, read> views: array<RenderView>;
@group(0) @binding(2) var<storage, read> view_pose: array<ViewPose>;
@group(0) @binding(3) var color_in: texture_2d<f32>;
// The page's depth buffer, copied whole with rows of page.depth_row floats (a compute
// shader reads no depth texture: the GL backend cannot).
@group(0) @binding(4) var<storage, read> page_depth: array<f32>;
@group(0) @binding(5) var seg_in: texture_2d<u32>;
@group(0) @binding(6) var<storage, read_write> rgb_out: array<u32>;
@group(0) @binding(7) var<storage, read_write> depth_out: array<f32>;
@group(0) @binding(8) var<storage, read_write> seg_out: array<u32>;

// Each workgroup covers RENDER_WORKGROUP × PIXELS_PER_THREAD pixels of one view (see
// render_depth.wgsl for why).
@compute @workgroup_size(RENDER_WORKGROUP)
fn resolve(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    if group.y >= page.num_views {
        return;
    }
    let v = page.first_view + group.y;
    let view = views[v];
    let first = group.x * RENDER_WORKGROUP * PIXELS_PER_THREAD + lane;
    for (var k = 0u; k < PIXELS_PER_THREAD; k++) {
        let p = first + k * RENDER_WORKGROUP;
        if p < view.width * view.height {
            resolve_pixel(v, view, p);
        }
    }
}

fn resolve_pixel(v: u32, view: RenderView, p: u32) {
    let texel = vec2<u32>(view.tile_x + p % view.width, view.tile_y + p / view.width);
    let out = view.out_offset + p;
    if (page.outputs & OUT_RGB) != 0u {
        rgb_out[out] = pack4x8unorm(textureLoad(color_in, texel, 0));
    }
    if (page.outputs & OUT_DEPTH) != 0u {
        depth_out[out] = linear_depth(page_depth[texel.y * page.depth_row + texel.x], view_pose[v].depth);
    }
    if (page.outputs & OUT_SEG) != 0u {
        seg_out[out] = textureLoad(seg_in, texel, 0).x;
    }
}
