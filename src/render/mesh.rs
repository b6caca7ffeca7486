//! The mesh table: unit primitives in one vertex and one index buffer.
//!
//! Entry `i` is `MESH_*` of [`crate::layout::render`]; a geom picks its entry and a
//! per-axis scale (and, for capsules, a stretch). Convex meshes from MJCF `<mesh>` would
//! append entries after [`BUILTIN_MESHES`] with scale 1: the table is indexed by entry, not
//! by geom type, so nothing else changes.

use crate::layout::render::MeshVertex;
use std::f32::consts::PI;

/// Mesh table entry: box (unit cube `[-1, 1]³`, flat normals), scaled by half-extents.
pub const MESH_BOX: u32 = 0;
/// Mesh table entry: unit square in the z = 0 plane, normal +z.
pub const MESH_PLANE: u32 = 1;

/// Segments around the round meshes, one entry per level of detail. A geom takes the
/// coarsest level whose silhouette stays within half a pixel of the true circle at the
/// size it is expected to appear (see `render::round_segments`).
pub const ROUND_LODS: [u32; 6] = [6, 8, 12, 16, 24, 32];

/// Mesh table entry of the unit sphere (spheres, ellipsoids, and capsules, whose two
/// hemispheres move apart along z) with `ROUND_LODS[lod]` segments.
pub fn mesh_sphere(lod: usize) -> u32 {
    2 + lod as u32
}

/// Mesh table entry of the unit cylinder (radius 1, z in `[-1, 1]`, capped) with
/// `ROUND_LODS[lod]` segments.
pub fn mesh_cylinder(lod: usize) -> u32 {
    2 + (ROUND_LODS.len() + lod) as u32
}

/// Entries in the built-in table; convex meshes will take the indices after these.
pub const BUILTIN_MESHES: u32 = 2 + 2 * ROUND_LODS.len() as u32;

/// One entry of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeshEntry {
    /// First vertex in the vertex buffer.
    pub base_vertex: u32,
    /// Index range in the index buffer.
    pub indices: std::ops::Range<u32>,
}

/// All meshes, ready for upload.
#[derive(Debug, Clone, Default)]
pub struct MeshTable {
    /// Vertices of every entry, back to back.
    pub vertices: Vec<MeshVertex>,
    /// Indices of every entry (relative to its base vertex), back to back.
    pub indices: Vec<u32>,
    /// The entries, by `MESH_*` index.
    pub entries: Vec<MeshEntry>,
}

/// A vertex of a curved surface (its normal varies across faces).
fn v(pos: [f32; 3], normal: [f32; 3], stretch: f32) -> MeshVertex {
    MeshVertex {
        pos,
        stretch,
        normal,
        flat: 0.0,
    }
}

/// A vertex of a flat face: its normal is the face's.
fn vf(pos: [f32; 3], normal: [f32; 3]) -> MeshVertex {
    MeshVertex {
        pos,
        stretch: 0.0,
        normal,
        flat: 1.0,
    }
}

impl MeshTable {
    /// The built-in primitives: box, plane, the spheres, the cylinders.
    pub fn builtin() -> MeshTable {
        let mut t = MeshTable::default();
        let (vs, is) = unit_box();
        t.push(vs, is);
        let (vs, is) = unit_plane();
        t.push(vs, is);
        for n in ROUND_LODS {
            let (vs, is) = unit_sphere(n);
            t.push(vs, is);
        }
        for n in ROUND_LODS {
            let (vs, is) = unit_cylinder(n);
            t.push(vs, is);
        }
        debug_assert_eq!(t.entries.len() as u32, BUILTIN_MESHES);
        t
    }

    /// Appends one mesh (indices relative to its own vertices).
    pub fn push(&mut self, vertices: Vec<MeshVertex>, indices: Vec<u32>) {
        let first = self.indices.len() as u32;
        self.entries.push(MeshEntry {
            base_vertex: self.vertices.len() as u32,
            indices: first..first + indices.len() as u32,
        });
        self.vertices.extend(vertices);
        self.indices.extend(indices);
    }
}

/// `[-1, 1]³`, four vertices per face so normals are flat; counter-clockwise seen from outside.
fn unit_box() -> (Vec<MeshVertex>, Vec<u32>) {
    let mut vs = Vec::new();
    let mut is = Vec::new();
    for axis in 0..3 {
        for sign in [-1.0f32, 1.0] {
            let mut n = [0.0; 3];
            n[axis] = sign;
            // Two tangents u, w with u × w = n.
            let (a, b) = ((axis + 1) % 3, (axis + 2) % 3);
            let base = vs.len() as u32;
            for (su, sw) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
                let mut p = [0.0; 3];
                p[axis] = sign;
                p[a] = su * sign;
                p[b] = sw;
                vs.push(vf(p, n));
            }
            is.extend([base, base + 1, base + 2, base, base + 2, base + 3]);
        }
    }
    (vs, is)
}

/// Unit sphere as two hemispheres whose equators are separate rings, so a capsule can
/// move them apart (stretch ±1) and the band between becomes its cylinder.
/// `seg` segments around, `seg / 4` rings per hemisphere (the same angular step).
fn unit_sphere(seg: u32) -> (Vec<MeshVertex>, Vec<u32>) {
    let rings = (seg / 4).max(1);
    let mut vs = Vec::new();
    // Rings from the north pole (k = 0) to the upper equator (k = rings), then the lower
    // equator (k = rings + 1) to the south pole (k = 2 rings + 1).
    let rows = 2 * rings + 2;
    for k in 0..rows {
        let (lat, stretch) = if k <= rings {
            (PI / 2.0 * (1.0 - k as f32 / rings as f32), 1.0)
        } else {
            (-PI / 2.0 * ((k - rings - 1) as f32 / rings as f32), -1.0)
        };
        for s in 0..=seg {
            let lon = 2.0 * PI * s as f32 / seg as f32;
            let n = [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()];
            vs.push(v(n, n, stretch));
        }
    }
    let mut is = Vec::new();
    let row = seg + 1;
    for k in 0..rows - 1 {
        for s in 0..seg {
            let a = k * row + s;
            let b = a + row;
            // Counter-clockwise seen from outside (longitude grows eastward, rows go south).
            is.extend([a, b, b + 1, a, b + 1, a + 1]);
        }
    }
    (vs, is)
}

/// Unit cylinder: radius 1, z in `[-1, 1]`, with flat caps.
fn unit_cylinder(seg: u32) -> (Vec<MeshVertex>, Vec<u32>) {
    let mut vs = Vec::new();
    let mut is = Vec::new();
    for s in 0..=seg {
        let lon = 2.0 * PI * s as f32 / seg as f32;
        let (c, sn) = (lon.cos(), lon.sin());
        vs.push(v([c, sn, 1.0], [c, sn, 0.0], 0.0));
        vs.push(v([c, sn, -1.0], [c, sn, 0.0], 0.0));
    }
    for s in 0..seg {
        let (t0, b0, t1, b1) = (2 * s, 2 * s + 1, 2 * s + 2, 2 * s + 3);
        is.extend([t0, b0, b1, t0, b1, t1]);
    }
    for z in [1.0f32, -1.0] {
        let centre = vs.len() as u32;
        vs.push(vf([0.0, 0.0, z], [0.0, 0.0, z]));
        for s in 0..=seg {
            let lon = 2.0 * PI * s as f32 / seg as f32;
            vs.push(vf([lon.cos(), lon.sin(), z], [0.0, 0.0, z]));
        }
        for s in 0..seg {
            let (a, b) = (centre + 1 + s, centre + 2 + s);
            if z > 0.0 {
                is.extend([centre, a, b]);
            } else {
                is.extend([centre, b, a]);
            }
        }
    }
    (vs, is)
}

/// Unit square in z = 0, normal +z.
fn unit_plane() -> (Vec<MeshVertex>, Vec<u32>) {
    let n = [0.0, 0.0, 1.0];
    let vs = vec![
        vf([-1.0, -1.0, 0.0], n),
        vf([1.0, -1.0, 0.0], n),
        vf([1.0, 1.0, 0.0], n),
        vf([-1.0, 1.0, 0.0], n),
    ];
    (vs, vec![0, 1, 2, 0, 2, 3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::Vec3;

    /// Every triangle of every closed mesh faces outward: its geometric normal agrees with
    /// the vertex normals (so back-face culling keeps the visible side).
    #[test]
    fn triangles_wind_counter_clockwise_seen_from_outside() {
        let t = MeshTable::builtin();
        for (m, e) in t.entries.iter().enumerate() {
            let idx = &t.indices[e.indices.start as usize..e.indices.end as usize];
            for tri in idx.chunks(3) {
                let p = |i: u32| {
                    let q = &t.vertices[(e.base_vertex + i) as usize];
                    // Capsule-stretched positions, as a capsule with half-length 1.
                    Vec3::from(q.pos) + Vec3::Z * q.stretch
                };
                let (a, b, c) = (p(tri[0]), p(tri[1]), p(tri[2]));
                let face = (b - a).cross(c - a);
                if face.length() < 1e-6 {
                    continue; // degenerate at a pole
                }
                let n: Vec3 = tri
                    .iter()
                    .map(|&i| Vec3::from(t.vertices[(e.base_vertex + i) as usize].normal))
                    .sum();
                assert!(face.dot(n) > 0.0, "mesh {m}: triangle {tri:?} faces inward");
            }
        }
    }
}
