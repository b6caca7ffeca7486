//! Orientations: every MJCF form (`quat`, `axisangle`, `euler`, `xyaxes`, `zaxis`) to a
//! quaternion, in the `<compiler>`'s angle unit and Euler sequence.

use super::attrs::Attrs;
use super::compiler::Compiler;
use crate::Error;
use glam::{Mat3, Quat, Vec3};

/// The minimal rotation taking +z to the direction of `v`; a half turn about x when `v`
/// points down, as MuJoCo chooses, so frames match MuJoCo's exactly.
pub(super) fn z_to(v: Vec3) -> Quat {
    let v = v.normalize();
    let axis = Vec3::Z.cross(v);
    let s = axis.length();
    if s < 1e-7 {
        return if v.z < 0.0 {
            Quat::from_xyzw(1.0, 0.0, 0.0, 0.0)
        } else {
            Quat::IDENTITY
        };
    }
    Quat::from_axis_angle(axis / s, s.atan2(v.z))
}

/// The attributes that place an element in its parent's frame.
pub(super) const POSE: &[&str] = &["pos", "quat", "axisangle", "euler", "xyaxes", "zaxis"];

impl<'a, 'input> Compiler<'a, 'input> {
    /// An angle in the `<compiler>` unit, in radians.
    pub(super) fn angle(&self, x: f32) -> f32 {
        if self.degrees {
            x.to_radians()
        } else {
            x
        }
    }

    /// Orientation from whichever of quat, axisangle, euler, xyaxes, zaxis is given.
    pub(super) fn orientation(&self, a: &Attrs, tag: &str) -> Result<Quat, Error> {
        let given: Vec<&str> = ["quat", "axisangle", "euler", "xyaxes", "zaxis"]
            .into_iter()
            .filter(|k| a.get(k).is_some())
            .collect();
        if given.len() > 1 {
            let at = a.get(given[1]).map(|(_, at)| at).unwrap_or_default();
            return Err(self.err_at(
                &at,
                format!("{tag}.{}", given[1]),
                format!("conflicts with {}; give one orientation", given[0]),
            ));
        }
        let zero = |name: &str| {
            let at = a.get(name).map(|(_, at)| at).unwrap_or_default();
            self.err_at(
                &at,
                format!("{tag}.{name}"),
                "has zero length; an orientation needs a non-zero vector",
            )
        };
        if let Some(q) = self.floats(a, tag, "quat", &[4])? {
            let q = Quat::from_xyzw(q[1], q[2], q[3], q[0]);
            if q.length() < 1e-9 {
                return Err(zero("quat"));
            }
            return Ok(q.normalize());
        }
        if let Some(v) = self.floats(a, tag, "axisangle", &[4])? {
            let axis = Vec3::new(v[0], v[1], v[2]);
            if axis.length() < 1e-9 {
                return Err(zero("axisangle"));
            }
            return Ok(Quat::from_axis_angle(axis.normalize(), self.angle(v[3])));
        }
        if let Some(v) = self.floats(a, tag, "euler", &[3])? {
            let mut q = Quat::IDENTITY;
            for (i, &axis) in self.eulerseq.iter().enumerate() {
                let r = match axis.to_ascii_lowercase() {
                    b'x' => Quat::from_rotation_x(self.angle(v[i])),
                    b'y' => Quat::from_rotation_y(self.angle(v[i])),
                    _ => Quat::from_rotation_z(self.angle(v[i])),
                };
                // Lower case: intrinsic (about the rotated frame's axes); upper case: extrinsic.
                q = if axis.is_ascii_lowercase() {
                    q * r
                } else {
                    r * q
                };
            }
            return Ok(q.normalize());
        }
        if let Some(v) = self.floats(a, tag, "xyaxes", &[6])? {
            let x = Vec3::new(v[0], v[1], v[2]);
            let y = Vec3::new(v[3], v[4], v[5]);
            if x.length() < 1e-9 {
                return Err(zero("xyaxes"));
            }
            let x = x.normalize();
            let y = y - x * y.dot(x);
            if y.length() < 1e-9 {
                return Err(zero("xyaxes"));
            }
            let y = y.normalize();
            return Ok(Quat::from_mat3(&Mat3::from_cols(x, y, x.cross(y))).normalize());
        }
        if let Some(z) = self.floats(a, tag, "zaxis", &[3])? {
            let z = Vec3::new(z[0], z[1], z[2]);
            if z.length() < 1e-9 {
                return Err(zero("zaxis"));
            }
            return Ok(z_to(z));
        }
        Ok(Quat::IDENTITY)
    }
}
