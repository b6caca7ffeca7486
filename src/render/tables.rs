//! The model and look tables: the bodies, materials, geoms (mesh, scale, material and
//! segmentation id of each), geom colours, cameras and lights that the render passes read,
//! built on the CPU from the [`Model`] and the selected cameras.

use super::camera::CameraSpec;
use super::config::SegmentIds;
use super::mesh::{self, mesh_cylinder, mesh_sphere, MESH_BOX, MESH_PLANE};
use crate::layout::physics::NONE;
use crate::layout::render::{
    RenderBody, RenderCamera, RenderGeom, RenderLight, RenderMaterial, CAMERA_FIXED, CAMERA_TRACK,
    MATERIAL_CHECKER,
};
use crate::sim::compile::Compiled;
use crate::sim::model::{GeomKind, Model};
use glam::{Quat, Vec3, Vec4};

/// Half-size, m, used for planes MJCF declares infinite (size 0): beyond the default far
/// plane from any camera near the origin.
pub const INFINITE_PLANE_HALF_SIZE: f32 = 100.0;

/// `v` with a fourth component `w`, as the GPU tables store it.
fn v4(v: Vec3, w: f32) -> [f32; 4] {
    [v.x, v.y, v.z, w]
}

/// `q` as x, y, z, w.
fn q4(q: Quat) -> [f32; 4] {
    [q.x, q.y, q.z, q.w]
}

/// MuJoCo's default geom colour; a geom that keeps it shows its material's colour.
pub const DEFAULT_GEOM_RGBA: Vec4 = Vec4::new(0.5, 0.5, 0.5, 1.0);

/// Mesh entry, scale and capsule half-length of a geom; round geoms take level of detail
/// `lod` of [`mesh::ROUND_LODS`].
fn geom_shape(kind: GeomKind, size: Vec3, lod: usize) -> (u32, Vec3, f32) {
    match kind {
        GeomKind::Plane => {
            let half = |s: f32| if s > 0.0 { s } else { INFINITE_PLANE_HALF_SIZE };
            (MESH_PLANE, Vec3::new(half(size.x), half(size.y), 1.0), 0.0)
        }
        GeomKind::Sphere => (mesh_sphere(lod), Vec3::splat(size.x), 0.0),
        GeomKind::Capsule => (mesh_sphere(lod), Vec3::splat(size.x), size.y),
        GeomKind::Cylinder => (mesh_cylinder(lod), Vec3::new(size.x, size.x, size.y), 0.0),
        GeomKind::Box => (MESH_BOX, size, 0.0),
        GeomKind::Ellipsoid => (mesh_sphere(lod), size, 0.0),
    }
}

/// Level of detail of a round geom: the coarsest of [`mesh::ROUND_LODS`] whose polygon
/// stays within half a pixel of the true silhouette, r·(1 − cos(π/n)) ≤ 0.5 px, for the
/// largest radius in pixels the geom shows in any camera at the initial configuration,
/// doubled to allow for motion towards the camera. `radius` and `extent` (bounding
/// radius) in m; `cams` holds each camera's initial position and fy in pixels.
fn round_lod(radius: f32, centre: Vec3, extent: f32, cams: &[(Vec3, f32)], near: f32) -> usize {
    let px = cams
        .iter()
        .map(|&(c, fy)| 2.0 * fy * radius / ((centre - c).length() - extent).max(near))
        .fold(0.0f32, f32::max);
    mesh::ROUND_LODS
        .iter()
        .position(|&n| px * (1.0 - (std::f32::consts::PI / n as f32).cos()) <= 0.5)
        .unwrap_or(mesh::ROUND_LODS.len() - 1)
}

/// The tables the render passes read, one copy for all worlds (the per-world copies of the
/// look tables are made when they are uploaded).
pub(super) struct SceneTables {
    /// MJCF bodies: the simulated body each follows and its offset from it.
    pub bodies: Vec<RenderBody>,
    /// Textured materials (checker only); untextured ones need no entry.
    pub materials: Vec<RenderMaterial>,
    /// Geoms: mesh, body, material, segmentation id, pose and scale.
    pub geoms: Vec<RenderGeom>,
    /// Geom colours, linear RGBA, one per geom.
    pub colors: Vec<[f32; 4]>,
    /// The selected cameras, in camera-index order.
    pub cameras: Vec<RenderCamera>,
    /// MJCF lights.
    pub lights: Vec<RenderLight>,
    /// Names of the segmentation ids: entry `id - 1` names id `id`.
    pub seg_names: Vec<String>,
}

impl SceneTables {
    /// The tables of `model` (laid out as `compiled` says) seen through `cams`, with
    /// segmentation ids naming `segmentation`.
    pub fn new(
        model: &Model,
        compiled: &Compiled,
        cams: &[CameraSpec],
        segmentation: SegmentIds,
    ) -> SceneTables {
        let init_poses = compiled.body_poses(&compiled.init_state);
        let (materials, material_of) = material_table(model);
        let (geoms, colors) = geom_table(model, &init_poses, cams, &material_of, segmentation);
        let seg_names = match segmentation {
            SegmentIds::Geom => (0..model.geoms.len())
                .map(|g| {
                    model.geoms[g]
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("geom{g}"))
                })
                .collect(),
            SegmentIds::Body => compiled.body_names.clone(),
        };
        SceneTables {
            bodies: body_table(compiled),
            materials,
            geoms,
            colors,
            cameras: cams
                .iter()
                .map(|c| camera_record(c, init_poses[c.body].1))
                .collect(),
            lights: light_table(model),
            seg_names,
        }
    }

    /// Whether any material is textured (the raster shader's `HAS_CHECKER`).
    pub fn has_checker(&self) -> bool {
        !self.materials.is_empty()
    }

    /// Whether any light is a point light (the raster shader's `HAS_POINT_LIGHTS`).
    pub fn has_point_lights(&self) -> bool {
        !self.lights.iter().all(|l| l.directional != 0)
    }
}

/// Each MJCF body's simulated body and its offset from it.
fn body_table(compiled: &Compiled) -> Vec<RenderBody> {
    compiled
        .mjcf_bodies
        .iter()
        .map(|&(sim, p, q)| RenderBody {
            sim,
            pad: [0; 3],
            pos: v4(p, 0.0),
            quat: q4(q),
        })
        .collect()
}

/// The textured materials, and each MJCF material's index among them ([`NONE`] for
/// untextured ones).
fn material_table(model: &Model) -> (Vec<RenderMaterial>, Vec<u32>) {
    let mut materials = Vec::new();
    let mut material_of = vec![NONE; model.materials.len()];
    for (i, m) in model.materials.iter().enumerate() {
        let checker = m
            .texture
            .map(|t| &model.textures[t])
            .filter(|t| t.builtin == "checker");
        if let Some(t) = checker {
            material_of[i] = materials.len() as u32;
            materials.push(RenderMaterial {
                kind: MATERIAL_CHECKER,
                pad: [0; 3],
                rgb1: v4(t.rgb1, 0.0),
                rgb2: v4(t.rgb2, 0.0),
                repeat: [2.0 * m.texrepeat[0], 2.0 * m.texrepeat[1], 0.0, 0.0],
            });
        }
    }
    (materials, material_of)
}

/// The geom table and the geom colours. Round geoms get the level of detail their size in
/// `cams` at the initial body poses `init_poses` calls for.
fn geom_table(
    model: &Model,
    init_poses: &[(Vec3, Quat)],
    cams: &[CameraSpec],
    material_of: &[u32],
    segmentation: SegmentIds,
) -> (Vec<RenderGeom>, Vec<[f32; 4]>) {
    let cam_init: Vec<(Vec3, f32)> = cams
        .iter()
        .map(|c| {
            let (bp, bq) = init_poses[c.body];
            (bp + bq * c.pos, c.pixels()[1])
        })
        .collect();
    let near = cams.iter().map(|c| c.near).fold(f32::INFINITY, f32::min);
    let mut geoms = Vec::new();
    let mut colors = Vec::new();
    for (g, geom) in model.geoms.iter().enumerate() {
        let (bp, bq) = init_poses[geom.body];
        let centre = bp + bq * geom.pos;
        let lod = match geom.kind {
            GeomKind::Sphere => round_lod(geom.size.x, centre, geom.size.x, &cam_init, near),
            GeomKind::Capsule | GeomKind::Cylinder => round_lod(
                geom.size.x,
                centre,
                geom.size.x + geom.size.y,
                &cam_init,
                near,
            ),
            GeomKind::Ellipsoid => {
                let r = geom.size.max_element();
                round_lod(r, centre, r, &cam_init, near)
            }
            _ => 0,
        };
        let (mesh, scale, ext) = geom_shape(geom.kind, geom.size, lod);
        let mut rgba = geom.rgba;
        if let Some(m) = geom.material {
            if geom.rgba == DEFAULT_GEOM_RGBA {
                rgba = model.materials[m].rgba;
            }
        }
        geoms.push(RenderGeom {
            body: geom.body as u32,
            mesh,
            material: geom.material.map_or(NONE, |m| material_of[m]),
            seg_id: match segmentation {
                SegmentIds::Geom => g as u32 + 1,
                SegmentIds::Body => geom.body as u32 + 1,
            },
            pos: v4(geom.pos, ext),
            quat: q4(geom.quat.normalize()),
            scale: v4(scale, 0.0),
        });
        colors.push(rgba.to_array());
    }
    (geoms, colors)
}

/// Camera `c`'s table entry. A tracking camera keeps the world orientation it has with its
/// body at orientation `body_quat` (the initial one), so its offset and orientation are
/// stored turned into the world frame; a fixed camera's stay in its body's frame and
/// `body_quat` is unused.
pub(super) fn camera_record(c: &CameraSpec, body_quat: Quat) -> RenderCamera {
    let (pos, quat) = if c.track {
        (body_quat * c.pos, (body_quat * c.quat).normalize())
    } else {
        (c.pos, c.quat.normalize())
    };
    RenderCamera {
        body: c.body as u32,
        mode: if c.track { CAMERA_TRACK } else { CAMERA_FIXED },
        width: c.width,
        height: c.height,
        pos: v4(pos, 0.0),
        quat: q4(quat),
        intrinsics: c.pixels(),
        clip: [c.near, c.far, 0.0, 0.0],
    }
}

/// The MJCF lights.
fn light_table(model: &Model) -> Vec<RenderLight> {
    model
        .lights
        .iter()
        .map(|l| RenderLight {
            body: l.body as u32,
            directional: l.directional as u32,
            pad: [0; 2],
            pos: v4(l.pos, 0.0),
            dir: v4(l.dir.normalize_or(Vec3::NEG_Z), 0.0),
            diffuse: v4(l.diffuse, 0.0),
            ambient: v4(l.ambient, 0.0),
        })
        .collect()
}
