//! Mass properties: of primitive geoms (MuJoCo's solid-body formulas), of a body assembled
//! from several geoms, and the principal axes of an inertia tensor.

use super::model::GeomKind;
use glam::{DMat3, DVec3, Mat3, Quat, Vec3};

/// Volume (m³) and unit-density principal inertia about the centre (m⁵) of a solid primitive
/// with MJCF sizes `size` in its own frame (capsule and cylinder along z). Planes have none.
pub fn unit_density(kind: GeomKind, size: Vec3) -> (f64, DVec3) {
    let (a, b, c) = (size.x as f64, size.y as f64, size.z as f64);
    use std::f64::consts::PI;
    match kind {
        GeomKind::Plane => (0.0, DVec3::ZERO),
        GeomKind::Sphere => {
            let v = 4.0 / 3.0 * PI * a.powi(3);
            (v, DVec3::splat(0.4 * v * a * a))
        }
        GeomKind::Capsule => {
            // A cylinder of radius r and height 2h plus two hemispheres, each hemisphere's
            // inertia moved from its own centre of mass (3r/8 from the flat face).
            let (r, h) = (a, 2.0 * b);
            let vs = 4.0 / 3.0 * PI * r.powi(3);
            let vc = PI * r * r * h;
            let ixx = vc * (h * h / 12.0 + r * r / 4.0)
                + vs * (0.4 * r * r + h * h / 4.0 + 3.0 * h * r / 8.0);
            let izz = (0.5 * vc + 0.4 * vs) * r * r;
            (vs + vc, DVec3::new(ixx, ixx, izz))
        }
        GeomKind::Cylinder => {
            let (r, h) = (a, 2.0 * b);
            let v = PI * r * r * h;
            let ixx = v * (3.0 * r * r + h * h) / 12.0;
            (v, DVec3::new(ixx, ixx, 0.5 * v * r * r))
        }
        GeomKind::Box => {
            let v = 8.0 * a * b * c;
            (
                v,
                DVec3::new(
                    v * (b * b + c * c) / 3.0,
                    v * (a * a + c * c) / 3.0,
                    v * (a * a + b * b) / 3.0,
                ),
            )
        }
        GeomKind::Ellipsoid => {
            let v = 4.0 / 3.0 * PI * a * b * c;
            (
                v,
                DVec3::new(
                    v * (b * b + c * c) / 5.0,
                    v * (a * a + c * c) / 5.0,
                    v * (a * a + b * b) / 5.0,
                ),
            )
        }
    }
}

/// One part of a body: its mass, centre in the body frame, orientation and principal inertia.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    /// kg.
    pub mass: f64,
    /// Centre of mass in the body frame, m.
    pub pos: DVec3,
    /// Orientation of the part's principal axes in the body frame.
    pub quat: Quat,
    /// Principal moments about the part's centre, kg·m².
    pub inertia: DVec3,
}

/// Mass, centre of mass and inertia tensor (about the centre of mass, body frame) of parts.
pub fn combine(parts: &[Part]) -> (f64, DVec3, DMat3) {
    let mass: f64 = parts.iter().map(|p| p.mass).sum();
    if mass <= 0.0 {
        return (0.0, DVec3::ZERO, DMat3::ZERO);
    }
    let com = parts.iter().map(|p| p.pos * p.mass).sum::<DVec3>() / mass;
    let mut tensor = DMat3::ZERO;
    for p in parts {
        let r = Mat3::from_quat(p.quat).as_dmat3();
        tensor += r * DMat3::from_diagonal(p.inertia) * r.transpose();
        let d = p.pos - com;
        tensor += (DMat3::IDENTITY * d.dot(d) - outer(d, d)) * p.mass;
    }
    (mass, com, tensor)
}

fn outer(a: DVec3, b: DVec3) -> DMat3 {
    DMat3::from_cols(a * b.x, a * b.y, a * b.z)
}

/// Principal moments and axes of a symmetric tensor, by cyclic Jacobi rotations.
/// Returns the moments, largest first, and the rotation whose columns are the matching
/// axes (a proper rotation).
pub fn principal(tensor: DMat3) -> (DVec3, Quat) {
    let mut a = [
        [tensor.x_axis.x, tensor.y_axis.x, tensor.z_axis.x],
        [tensor.x_axis.y, tensor.y_axis.y, tensor.z_axis.y],
        [tensor.x_axis.z, tensor.y_axis.z, tensor.z_axis.z],
    ];
    let mut v = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    for _sweep in 0..50 {
        let off = a[0][1].abs() + a[0][2].abs() + a[1][2].abs();
        let scale = a[0][0].abs() + a[1][1].abs() + a[2][2].abs();
        if off <= 1e-15 * scale.max(1e-300) {
            break;
        }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            if a[p][q] == 0.0 {
                continue;
            }
            let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let t = if theta == 0.0 { 1.0 } else { t };
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            for row in a.iter_mut() {
                let (akp, akq) = (row[p], row[q]);
                row[p] = c * akp - s * akq;
                row[q] = s * akp + c * akq;
            }
            let (rp, rq) = (a[p], a[q]);
            a[p] = std::array::from_fn(|k| c * rp[k] - s * rq[k]);
            a[q] = std::array::from_fn(|k| s * rp[k] + c * rq[k]);
            for row in &mut v {
                let (vp, vq) = (row[p], row[q]);
                row[p] = c * vp - s * vq;
                row[q] = s * vp + c * vq;
            }
        }
    }
    // Largest moment first, as MuJoCo orders body_inertia.
    let mut order = [0, 1, 2];
    order.sort_by(|&i, &j| a[j][j].total_cmp(&a[i][i]));
    let col = |k: usize| DVec3::new(v[0][k], v[1][k], v[2][k]);
    let mut axes = DMat3::from_cols(col(order[0]), col(order[1]), col(order[2]));
    if axes.determinant() < 0.0 {
        axes.z_axis = -axes.z_axis;
    }
    let moments = DVec3::new(
        a[order[0]][order[0]],
        a[order[1]][order[1]],
        a[order[2]][order[2]],
    );
    (moments, Quat::from_mat3(&axes.as_mat3()).normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sphere_and_box_match_textbook_values() {
        // Sizes arrive as f32, so compare to 1e-7 relative.
        let (v, i) = unit_density(GeomKind::Sphere, Vec3::new(0.5, 0.0, 0.0));
        assert!((v / (4.0 / 3.0 * std::f64::consts::PI * 0.125) - 1.0).abs() < 1e-7);
        assert!((i.x / v / (0.4 * 0.25) - 1.0).abs() < 1e-7);
        let (v, i) = unit_density(GeomKind::Box, Vec3::new(0.1, 0.2, 0.3));
        assert!((v / 0.048 - 1.0).abs() < 1e-6);
        assert!((i.z / v / ((0.2 * 0.2 + 0.4 * 0.4) / 12.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn capsule_tends_to_cylinder_and_sphere() {
        // A thin capsule is nearly its cylinder: the caps add about 2r/h of both.
        let (vc, ic) = unit_density(GeomKind::Cylinder, Vec3::new(0.001, 1.0, 0.0));
        let (vk, ik) = unit_density(GeomKind::Capsule, Vec3::new(0.001, 1.0, 0.0));
        assert!((vk / vc - 1.0).abs() < 0.003 && (ik.x / ic.x - 1.0).abs() < 0.003);
        let (vs, is) = unit_density(GeomKind::Sphere, Vec3::new(0.3, 0.0, 0.0));
        let (vk, ik) = unit_density(GeomKind::Capsule, Vec3::new(0.3, 0.0, 0.0));
        assert!(
            (vk - vs).abs() < 1e-12 && (ik.x - is.x).abs() < 1e-12 && (ik.z - is.z).abs() < 1e-12
        );
    }

    #[test]
    fn principal_axes_diagonalise_a_rotated_box() {
        let q = Quat::from_euler(glam::EulerRot::XYZ, 0.3, -0.7, 1.1);
        let part = Part {
            mass: 2.0,
            pos: DVec3::ZERO,
            quat: q,
            inertia: DVec3::new(1.0, 2.0, 3.0),
        };
        let (m, _, tensor) = combine(&[part]);
        assert_eq!(m, 2.0);
        let (moments, axes) = principal(tensor);
        let mut sorted = moments.to_array();
        sorted.sort_by(f64::total_cmp);
        // The rotation passes through f32 (glam::Quat), hence 1e-6.
        for (got, want) in sorted.iter().zip([1.0, 2.0, 3.0]) {
            assert!((got - want).abs() < 1e-6, "{moments:?}");
        }
        assert!(
            moments.x >= moments.y && moments.y >= moments.z,
            "largest first: {moments:?}"
        );
        let r = Mat3::from_quat(axes).as_dmat3();
        let back = r * DMat3::from_diagonal(moments) * r.transpose();
        assert!(
            (back - tensor).abs_diff_eq(DMat3::ZERO, 1e-6),
            "{back:?} vs {tensor:?}"
        );
    }

    #[test]
    fn parallel_axis_theorem() {
        let p = |x: f64| Part {
            mass: 1.0,
            pos: DVec3::new(x, 0.0, 0.0),
            quat: Quat::IDENTITY,
            inertia: DVec3::ZERO,
        };
        let (m, com, t) = combine(&[p(-1.0), p(1.0)]);
        assert_eq!((m, com), (2.0, DVec3::ZERO));
        assert!(
            (t.y_axis.y - 2.0).abs() < 1e-12
                && (t.z_axis.z - 2.0).abs() < 1e-12
                && t.x_axis.x.abs() < 1e-12
        );
    }
}
