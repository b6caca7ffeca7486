//! Twins of the renderer's WGSL structs (`shaders/shared/render_io.wgsl`) and the
//! constants the render shaders see.
//!
//! The renderer reads the env's State buffer (body poses) and its own Model tables (bodies,
//! geoms, materials, cameras, lights), and writes per-frame pose tables (`GeomPose`,
//! `ViewPose`, `LightPose`) in `render.prepare`, which the raster pass and the resolve pass
//! read. Every struct is made of 4-byte scalars and `vec4`s, padded to 16 bytes.

use super::{WgslTwin, WgslValue};
use bytemuck::{Pod, Zeroable};

/// `RenderMaterial::kind`: flat colour.
pub const MATERIAL_FLAT: u32 = 0;
/// `RenderMaterial::kind`: a two-colour checker (MJCF `texture builtin="checker"`).
pub const MATERIAL_CHECKER: u32 = 1;

/// `RenderCamera::mode`: rigidly attached to its body.
pub const CAMERA_FIXED: u32 = 0;
/// `RenderCamera::mode`: moves with its body's position, keeps its initial world orientation.
pub const CAMERA_TRACK: u32 = 1;

/// `RenderParams::outputs` bit: RGB requested.
pub const OUT_RGB: u32 = 1;
/// `RenderParams::outputs` bit: depth requested.
pub const OUT_DEPTH: u32 = 2;
/// `RenderParams::outputs` bit: segmentation requested.
pub const OUT_SEG: u32 = 4;

/// Depth written where no geometry covers a pixel (and beyond the far plane): 0, so that
/// `depth > 0` is the mask of valid pixels and the value never turns into NaN or ∞ in a
/// learner's normalization.
pub const DEPTH_BACKGROUND: f32 = 0.0;

/// Threads per workgroup of the render compute passes.
pub const RENDER_WORKGROUP: u32 = 64;

/// Per-frame parameters. Twin of `RenderParams` in `shaders/shared/render_io.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct RenderParams {
    /// Views rendered (rendered worlds × cameras).
    pub num_views: u32,
    /// Worlds rendered (slots).
    pub num_slots: u32,
    /// Geoms per world.
    pub num_geoms: u32,
    /// Lights per world.
    pub num_lights: u32,
    /// Cameras per world.
    pub num_cameras: u32,
    /// Words per world of the State buffer.
    pub state_dim: u32,
    /// Copies of the geom colour table (1: shared, or one per world).
    pub color_worlds: u32,
    /// Copies of the light table.
    pub light_worlds: u32,
    /// Copies of the camera table.
    pub camera_worlds: u32,
    /// Headlight ambient intensity (MuJoCo's `visual/headlight` default 0.1).
    pub head_ambient: f32,
    /// Headlight diffuse intensity (MuJoCo's default 0.4).
    pub head_diffuse: f32,
    /// Padding.
    pub pad0: u32,
    /// Background colour, linear RGB, then 1.
    pub background: [f32; 4],
}
const _: () = assert!(std::mem::size_of::<RenderParams>() == 64);
wgsl_twin!(
    RenderParams,
    "RenderParams",
    [
        num_views,
        num_slots,
        num_geoms,
        num_lights,
        num_cameras,
        state_dim,
        color_worlds,
        light_worlds,
        camera_worlds,
        head_ambient,
        head_diffuse,
        pad0,
        background
    ]
);

/// One atlas page of the resolve pass. Twin of `ResolvePage`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct ResolvePage {
    /// Index of the page's first view.
    pub first_view: u32,
    /// Views in the page.
    pub num_views: u32,
    /// `OUT_*` bits.
    pub outputs: u32,
    /// Most pixels of any view in the page (the dispatch's x extent).
    pub max_pixels: u32,
    /// Floats per row of the page's depth copy in the scratch buffer.
    pub depth_row: u32,
    /// Padding (scalars: a uniform struct may not hold a `u32` array).
    pub pad0: u32,
    /// Padding.
    pub pad1: u32,
    /// Padding.
    pub pad2: u32,
}
wgsl_twin!(
    ResolvePage,
    "ResolvePage",
    [first_view, num_views, outputs, max_pixels, depth_row, pad0, pad1, pad2]
);

/// Where an MJCF body's pose comes from: a sim body of the State plus a fixed offset, or a
/// fixed world pose (`sim == NONE`). Twin of `RenderBody`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct RenderBody {
    /// Sim body index in the State, or `physics::NONE` for bodies welded to the world.
    pub sim: u32,
    /// Padding.
    pub pad: [u32; 3],
    /// Offset in the sim body's frame (or world position), m; w unused.
    pub pos: [f32; 4],
    /// Orientation offset (x, y, z, w).
    pub quat: [f32; 4],
}
wgsl_twin!(RenderBody, "RenderBody", [sim, pad, pos, quat]);

/// A geom as the renderer sees it. Twin of `RenderGeom`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct RenderGeom {
    /// MJCF body index.
    pub body: u32,
    /// Mesh table entry (`render::mesh`).
    pub mesh: u32,
    /// Index into the material table, or `physics::NONE`.
    pub material: u32,
    /// Segmentation id (geom + 1, or body + 1).
    pub seg_id: u32,
    /// Position in the body frame, m; w: capsule half-length (the sphere mesh's hemispheres
    /// move apart by ± this along z), m.
    pub pos: [f32; 4],
    /// Orientation in the body frame (x, y, z, w).
    pub quat: [f32; 4],
    /// Mesh scale per axis, m; w unused.
    pub scale: [f32; 4],
}
wgsl_twin!(
    RenderGeom,
    "RenderGeom",
    [body, mesh, material, seg_id, pos, quat, scale]
);

/// A material. Twin of `RenderMaterial`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct RenderMaterial {
    /// `MATERIAL_*`.
    pub kind: u32,
    /// Padding.
    pub pad: [u32; 3],
    /// Checker: first colour (linear RGB, w unused).
    pub rgb1: [f32; 4],
    /// Checker: second colour.
    pub rgb2: [f32; 4],
    /// Checker cells per metre along the geom's local x and y (2 × MJCF texrepeat: one
    /// texture repeat holds 2 × 2 cells); zw unused.
    pub repeat: [f32; 4],
}
wgsl_twin!(
    RenderMaterial,
    "RenderMaterial",
    [kind, pad, rgb1, rgb2, repeat]
);

/// A camera, per world or shared. Twin of `RenderCamera`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct RenderCamera {
    /// MJCF body it is attached to.
    pub body: u32,
    /// `CAMERA_FIXED` or `CAMERA_TRACK`.
    pub mode: u32,
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// Fixed: position in the body frame. Track: offset from the body origin in the world
    /// frame. m; w unused.
    pub pos: [f32; 4],
    /// Fixed: orientation in the body frame. Track: world orientation. (x, y, z, w); the
    /// camera looks along its local -z with +y up (MuJoCo's convention).
    pub quat: [f32; 4],
    /// Pinhole intrinsics in pixels: fx, fy, cx, cy (pixel centres at +0.5).
    pub intrinsics: [f32; 4],
    /// Near and far clip distances along the camera axis, m; zw unused.
    pub clip: [f32; 4],
}
wgsl_twin!(
    RenderCamera,
    "RenderCamera",
    [body, mode, width, height, pos, quat, intrinsics, clip]
);

/// A light, per world or shared. Twin of `RenderLight`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct RenderLight {
    /// MJCF body it is attached to.
    pub body: u32,
    /// 1: directional, 0: point.
    pub directional: u32,
    /// Padding.
    pub pad: [u32; 2],
    /// Position in the body frame, m.
    pub pos: [f32; 4],
    /// Direction in the body frame (unit).
    pub dir: [f32; 4],
    /// Diffuse colour.
    pub diffuse: [f32; 4],
    /// Ambient colour.
    pub ambient: [f32; 4],
}
wgsl_twin!(
    RenderLight,
    "RenderLight",
    [body, directional, pad, pos, dir, diffuse, ambient]
);

/// One rendered view: which world and camera, and where its tile lies. Twin of `RenderView`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct RenderView {
    /// World index.
    pub world: u32,
    /// Slot of the world among the rendered worlds.
    pub slot: u32,
    /// Camera index.
    pub camera: u32,
    /// Atlas page.
    pub page: u32,
    /// Tile origin in the page, pixels.
    pub tile_x: u32,
    /// Tile origin in the page, pixels.
    pub tile_y: u32,
    /// View width, pixels.
    pub width: u32,
    /// View height, pixels.
    pub height: u32,
    /// Page width, pixels.
    pub page_w: u32,
    /// Page height, pixels.
    pub page_h: u32,
    /// First pixel of the view in the packed outputs.
    pub out_offset: u32,
    /// Padding.
    pub pad: u32,
}
wgsl_twin!(
    RenderView,
    "RenderView",
    [world, slot, camera, page, tile_x, tile_y, width, height, page_w, page_h, out_offset, pad]
);

/// A geom's world pose and colour for this frame. Twin of `GeomPose`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct GeomPose {
    /// World position, m; w: capsule half-length.
    pub pos: [f32; 4],
    /// World orientation (x, y, z, w).
    pub quat: [f32; 4],
    /// Mesh scale; w unused.
    pub scale: [f32; 4],
    /// Colour (linear RGBA).
    pub color: [f32; 4],
}
wgsl_twin!(GeomPose, "GeomPose", [pos, quat, scale, color]);

/// A view's camera for this frame. Twin of `ViewPose`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct ViewPose {
    /// Camera position in the world, m.
    pub pos: [f32; 4],
    /// World-to-camera rotation (x, y, z, w).
    pub qinv: [f32; 4],
    /// Projection: 2fx/W, 2fy/H, 2cx/W − 1, 1 − 2cy/H.
    pub proj: [f32; 4],
    /// Depth mapping: A = far/(far−near), B = −far·near/(far−near), near, far.
    pub depth: [f32; 4],
}
wgsl_twin!(ViewPose, "ViewPose", [pos, qinv, proj, depth]);

/// A light in world space for this frame. Twin of `LightPose`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct LightPose {
    /// World position; w: 1 directional, 0 point.
    pub pos: [f32; 4],
    /// World direction.
    pub dir: [f32; 4],
    /// Diffuse colour.
    pub diffuse: [f32; 4],
    /// Ambient colour.
    pub ambient: [f32; 4],
}
wgsl_twin!(LightPose, "LightPose", [pos, dir, diffuse, ambient]);

/// One mesh vertex (vertex buffer 0). Not a WGSL struct: its attributes are declared in
/// the render pipeline's vertex layout (`gpu::raster`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct MeshVertex {
    /// Position in the unit mesh.
    pub pos: [f32; 3],
    /// Capsule stretch: -1 (lower hemisphere), 0 or +1 (upper).
    pub stretch: f32,
    /// Outward normal in the unit mesh (before scaling).
    pub normal: [f32; 3],
    /// 1 when the normal is its face's (box, plane, cylinder caps), so the vertex shader
    /// may reject the face when it faces away; 0 on curved surfaces.
    pub flat: f32,
}

/// One instance of the raster draw (vertex buffer 1): which view and which geom.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct DrawInstance {
    /// View index.
    pub view: u32,
    /// Geom index.
    pub geom: u32,
}

/// Pixels each thread of `render.depth` and `render.resolve` handles (a workgroup covers
/// 64 × 64 = one 64² view), so that lavapipe's per-workgroup cost stays small.
pub const PIXELS_PER_THREAD: u32 = 64;

/// The constants the render shaders see.
pub const CONSTANTS: &[(&str, WgslValue)] = &[
    ("MATERIAL_FLAT", WgslValue::U32(MATERIAL_FLAT)),
    ("MATERIAL_CHECKER", WgslValue::U32(MATERIAL_CHECKER)),
    ("CAMERA_FIXED", WgslValue::U32(CAMERA_FIXED)),
    ("CAMERA_TRACK", WgslValue::U32(CAMERA_TRACK)),
    ("OUT_RGB", WgslValue::U32(OUT_RGB)),
    ("OUT_DEPTH", WgslValue::U32(OUT_DEPTH)),
    ("OUT_SEG", WgslValue::U32(OUT_SEG)),
    ("DEPTH_BACKGROUND", WgslValue::F32(DEPTH_BACKGROUND)),
    ("RENDER_WORKGROUP", WgslValue::U32(RENDER_WORKGROUP)),
    ("PIXELS_PER_THREAD", WgslValue::U32(PIXELS_PER_THREAD)),
];
