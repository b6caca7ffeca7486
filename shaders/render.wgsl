// render.raster: every view of every rendered world in one instanced pass per atlas page
// and mesh. An instance is one (view, geom); the vertex shader places the vertex in the
// view's tile of the page and clips it to the tile with four clip distances, so one draw
// covers all views. Depth-tested, back faces culled, no blending, no anti-aliasing: depth
// and segmentation are exact per pixel.
enable clip_distances;
#import shared/render_io
#import shared/quat

// Pipeline constants: which shading features the scene uses. lavapipe runs both sides of
// a branch under a mask, so code for absent features would cost every pixel (measured:
// 22 ms of 51 per 1024 views at 64² for an untaken material and point-light branch).
override HAS_CHECKER: bool = true;
override HAS_POINT_LIGHTS: bool = true;

@group(0) @binding(0) var<uniform> params: RenderParams;
@group(0) @binding(1) var<storage, read> views: array<RenderView>;
@group(0) @binding(2) var<storage, read> geom_pose: array<GeomPose>;
@group(0) @binding(3) var<storage, read> view_pose: array<ViewPose>;
@group(0) @binding(4) var<storage, read> light_pose: array<LightPose>;
@group(0) @binding(5) var<storage, read> materials: array<RenderMaterial>;
@group(0) @binding(6) var<storage, read> geoms: array<RenderGeom>;

struct VertexIn {
    @location(0) pos: vec3<f32>,
    @location(1) stretch: f32,
    @location(2) normal: vec3<f32>,
    @location(3) view: u32,
    @location(4) geom: u32,
    @location(5) flat: f32,
}

// Clip distances may not sit in a struct that is also a fragment input, so the vertex
// output and the fragment input are two structs with the same locations.
struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @builtin(clip_distances) tile: array<f32, 4>,
    @location(0) world_pos: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) @interpolate(flat) color: vec4<f32>,
    @location(3) uv: vec2<f32>,
    @location(4) @interpolate(flat) ids: vec4<u32>,
    @location(5) light: vec3<f32>,
}

struct FragmentIn {
    @builtin(position) frag: vec4<f32>,
    @location(0) world_pos: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) @interpolate(flat) color: vec4<f32>,
    @location(3) uv: vec2<f32>,
    @location(4) @interpolate(flat) ids: vec4<u32>,
    @location(5) light: vec3<f32>,
}

// The normal turned towards the camera: a surface seen from behind (a plane from below) is
// lit as its front.
fn facing(n: vec3<f32>, p: vec3<f32>, cam: vec3<f32>) -> vec3<f32> {
    return select(n, -n, dot(n, cam - p) < 0.0);
}

// Lambert shading in two parts. Per vertex (exact on flat faces, which are most of what
// primitives show): the headlight (MuJoCo's, along the camera axis), every directional
// light (diffuse × max(0, n·l)) and every light's ambient term. Per pixel, in `shade`:
// point lights, whose direction changes across a face. No specular, no shadows.
fn vertex_light(view: RenderView, cam: ViewPose, p: vec3<f32>, n0: vec3<f32>) -> vec3<f32> {
    let n = facing(n0, p, cam.pos.xyz);
    let forward = qrot(qconj(cam.qinv), vec3<f32>(0.0, 0.0, -1.0));
    var light = vec3<f32>(params.head_ambient + params.head_diffuse * max(0.0, dot(n, -forward)));
    for (var l = 0u; l < params.num_lights; l++) {
        let lp = light_pose[view.slot * params.num_lights + l];
        light += lp.ambient.rgb;
        if lp.pos.w != 0.0 {
            light += lp.diffuse.rgb * max(0.0, dot(n, -lp.dir.xyz));
        }
    }
    return light;
}

@vertex
fn vs(v: VertexIn) -> VertexOut {
    let view = views[v.view];
    let g = geom_pose[view.slot * params.num_geoms + v.geom];
    let cam = view_pose[v.view];
    let local = v.pos * g.scale.xyz + vec3<f32>(0.0, 0.0, v.stretch * g.pos.w);
    let world = g.pos.xyz + qrot(g.quat, local);
    let n = qrot(g.quat, normalize(v.normal / g.scale.xyz));
    // Camera frame: looks along -z, +y up; d is the distance along the camera axis.
    let pc = qrot(cam.qinv, world - cam.pos.xyz);
    let d = -pc.z;
    let x = cam.proj.x * pc.x + cam.proj.z * d;
    let y = cam.proj.y * pc.y + cam.proj.w * d;
    let z = cam.depth.x * d + cam.depth.y;
    // Into the tile: NDC [-1, 1] of the view maps to its pixel rectangle of the page.
    let pw = f32(view.page_w);
    let ph = f32(view.page_h);
    let sx = f32(view.width) / pw;
    let sy = f32(view.height) / ph;
    let ox = (2.0 * f32(view.tile_x) + f32(view.width)) / pw - 1.0;
    let oy = 1.0 - (2.0 * f32(view.tile_y) + f32(view.height)) / ph;
    var out: VertexOut;
    out.clip = vec4<f32>(x * sx + d * ox, y * sy + d * oy, z, d);
    out.tile = array<f32, 4>(d + x, d - x, d + y, d - y);
    // A flat face turned away from the camera is rejected here, whole, by the clipper
    // (all its vertices share the face's plane, so all get the same verdict): lavapipe
    // then skips its set-up and binning, which back-face culling does only afterwards.
    if v.flat != 0.0 && dot(n, cam.pos.xyz - world) <= 0.0 {
        out.tile = array<f32, 4>(-1.0, -1.0, -1.0, -1.0);
    }
    out.world_pos = world;
    out.normal = n;
    out.color = g.color;
    out.uv = local.xy;
    let rg = geoms[v.geom];
    out.ids = vec4<u32>(v.view, rg.material, rg.seg_id, 0u);
    out.light = vertex_light(view, cam, world, n);
    return out;
}

fn shade(f: FragmentIn) -> vec4<f32> {
    var base = f.color.rgb;
    let material = f.ids.y;
    if HAS_CHECKER && material != NONE {
        let m = materials[material];
        if m.kind == MATERIAL_CHECKER {
            let cell = floor(f.uv * m.repeat.xy);
            let odd = (i32(cell.x) + i32(cell.y)) & 1;
            base *= select(m.rgb1.rgb, m.rgb2.rgb, odd == 1);
        }
    }
    var light = f.light;
    if HAS_POINT_LIGHTS {
        let view = views[f.ids.x];
        let n = facing(normalize(f.normal), f.world_pos, view_pose[f.ids.x].pos.xyz);
        for (var l = 0u; l < params.num_lights; l++) {
            let lp = light_pose[view.slot * params.num_lights + l];
            if lp.pos.w == 0.0 {
                let to_light = normalize(lp.pos.xyz - f.world_pos);
                light += lp.diffuse.rgb * max(0.0, dot(n, to_light));
            }
        }
    }
    return vec4<f32>(min(base * light, vec3<f32>(1.0)), 1.0);
}

// One entry point per output set (c: colour, s: segmentation), each writing only what was
// asked for, at consecutive locations. Depth needs no fragment output: the depth buffer
// is copied out and linearized (render.depth), so a depth-only pass has no fragment stage.
@fragment
fn fs_c(f: FragmentIn) -> @location(0) vec4<f32> {
    return shade(f);
}

@fragment
fn fs_s(f: FragmentIn) -> @location(0) u32 {
    return f.ids.z;
}

struct OutCS {
    @location(0) color: vec4<f32>,
    @location(1) seg: u32,
}

@fragment
fn fs_cs(f: FragmentIn) -> OutCS {
    return OutCS(shade(f), f.ids.z);
}
