//! Cameras: the [`CameraSpec`]s a config selects from the model (MJCF cameras and extra
//! ones given through the API), their defaults and checks, and [`ViewCamera`], a view's
//! camera for one frame in the computer-vision convention (intrinsics `K`, pose
//! `world_from_camera`, unprojection of depth pixels).

use super::config::RenderConfig;
use crate::layout::render::ViewPose;
use crate::sim::model::{CameraMode, Model};
use crate::Error;
use glam::{Quat, Vec3};

/// Camera intrinsics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Intrinsics {
    /// Vertical field of view in degrees, square pixels, principal point at the centre
    /// (MJCF `fovy`).
    Fovy(f32),
    /// A full pinhole in pixels (pixel centres at +0.5; x right, y down).
    Pinhole {
        /// Focal length along x, pixels.
        fx: f32,
        /// Focal length along y, pixels.
        fy: f32,
        /// Principal point x, pixels.
        cx: f32,
        /// Principal point y, pixels.
        cy: f32,
    },
}

/// A camera given through the API (MJCF cameras become these too).
#[derive(Debug, Clone, PartialEq)]
pub struct CameraSpec {
    /// Name (used in output file names).
    pub name: String,
    /// MJCF body index it is attached to (0: the world).
    pub body: usize,
    /// Position in the body frame, m.
    pub pos: Vec3,
    /// Orientation in the body frame; looks along local -z with +y up.
    pub quat: Quat,
    /// Follow the body's position but keep the initial world orientation (MJCF
    /// `mode="track"`) instead of moving rigidly with it.
    pub track: bool,
    /// Intrinsics.
    pub intrinsics: Intrinsics,
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// Near clip distance, m. Default 0.01 (MuJoCo's znear for a 1 m extent).
    pub near: f32,
    /// Far clip distance, m. Default 50 (MuJoCo's zfar for a 1 m extent).
    pub far: f32,
}

/// Default near plane, m: MuJoCo's `znear` (0.01) times a 1 m model extent.
pub const DEFAULT_NEAR: f32 = 0.01;
/// Default far plane, m: MuJoCo's `zfar` (50) times a 1 m model extent.
pub const DEFAULT_FAR: f32 = 50.0;

impl CameraSpec {
    /// A world-fixed camera at `eye` looking at `target`, with `up` roughly up.
    #[allow(clippy::too_many_arguments)] // reason: a camera's eight independent settings
    pub fn look_at(
        name: &str,
        eye: Vec3,
        target: Vec3,
        up: Vec3,
        intrinsics: Intrinsics,
        width: u32,
        height: u32,
    ) -> CameraSpec {
        let back = (eye - target).normalize();
        let right = up.cross(back).normalize();
        let true_up = back.cross(right);
        let quat = Quat::from_mat3(&glam::Mat3::from_cols(right, true_up, back));
        CameraSpec {
            name: name.into(),
            body: 0,
            pos: eye,
            quat,
            track: false,
            intrinsics,
            width,
            height,
            near: DEFAULT_NEAR,
            far: DEFAULT_FAR,
        }
    }

    /// Intrinsics in pixels: (fx, fy, cx, cy).
    pub fn pixels(&self) -> [f32; 4] {
        match self.intrinsics {
            Intrinsics::Fovy(deg) => {
                let fy = 0.5 * self.height as f32 / (0.5 * deg.to_radians()).tan();
                [fy, fy, 0.5 * self.width as f32, 0.5 * self.height as f32]
            }
            Intrinsics::Pinhole { fx, fy, cx, cy } => [fx, fy, cx, cy],
        }
    }

    /// Checks the image size, clip planes, body and intrinsics against `model`.
    fn check(&self, model: &Model) -> Result<(), Error> {
        let bad = |field: &str, value: String, allowed: &str| Error::InvalidArgument {
            field: format!("camera `{}`.{field}", self.name),
            value,
            allowed: allowed.into(),
        };
        if self.width == 0 || self.height == 0 || self.width > 8192 || self.height > 8192 {
            return Err(bad(
                "size",
                format!("{}x{}", self.width, self.height),
                "1 to 8192 pixels each way",
            ));
        }
        if !(self.near > 0.0 && self.far > self.near && self.far.is_finite()) {
            return Err(bad(
                "near/far",
                format!("{}/{}", self.near, self.far),
                "0 < near < far < ∞",
            ));
        }
        if self.body >= model.bodies.len() {
            return Err(bad(
                "body",
                self.body.to_string(),
                &format!("a body index below {}", model.bodies.len()),
            ));
        }
        let k = self.pixels();
        if !(k[0] > 0.0 && k[1] > 0.0 && k.iter().all(|x| x.is_finite())) {
            return Err(bad(
                "intrinsics",
                format!("{:?}", self.intrinsics),
                "fovy in (0, 180) degrees, or finite fx, fy > 0",
            ));
        }
        Ok(())
    }
}

/// The name of MJCF camera `i` (its name, or `camera{i}`).
pub fn camera_name(model: &Model, i: usize) -> String {
    model.cameras[i]
        .name
        .clone()
        .unwrap_or_else(|| format!("camera{i}"))
}

/// The camera specs a config selects from `model`, in view order.
pub fn select_cameras(model: &Model, config: &RenderConfig) -> Result<Vec<CameraSpec>, Error> {
    let mut out = Vec::new();
    if !config.no_mjcf_cameras {
        let names: Vec<String> = (0..model.cameras.len())
            .map(|i| camera_name(model, i))
            .collect();
        let chosen: Vec<usize> = if config.cameras.is_empty() {
            (0..model.cameras.len()).collect()
        } else {
            config
                .cameras
                .iter()
                .map(|c| {
                    names
                        .iter()
                        .position(|n| n == c)
                        .ok_or_else(|| Error::InvalidArgument {
                            field: "camera".into(),
                            value: c.clone(),
                            allowed: if names.is_empty() {
                                "none: the model has no cameras".into()
                            } else {
                                format!("one of {}", names.join(", "))
                            },
                        })
                })
                .collect::<Result<_, _>>()?
        };
        for i in chosen {
            let c = &model.cameras[i];
            let track = match c.mode {
                CameraMode::Fixed => false,
                CameraMode::Track => true,
                other => {
                    return Err(Error::InvalidArgument {
                        field: format!("camera `{}`.mode", names[i]),
                        value: format!("{other:?}"),
                        allowed: "fixed or track (trackcom, targetbody and targetbodycom are \
                                  not rendered yet)"
                            .into(),
                    })
                }
            };
            out.push(CameraSpec {
                name: names[i].clone(),
                body: c.body,
                pos: c.pos,
                quat: c.quat,
                track,
                intrinsics: Intrinsics::Fovy(c.fovy),
                width: config.width,
                height: config.height,
                near: config.near,
                far: config.far,
            });
        }
    }
    out.extend(config.extra_cameras.iter().cloned());
    if out.is_empty() {
        return Err(Error::InvalidArgument {
            field: "cameras".into(),
            value: "none".into(),
            allowed: "at least one camera: add a <camera> to the MJCF or an extra camera \
                      through RenderConfig::extra_cameras"
                .into(),
        });
    }
    for c in &out {
        c.check(model)?;
    }
    Ok(out)
}

/// A view's camera for one frame, in the computer-vision (OpenCV) convention that
/// datasets use: camera x right, y down, z forward (the viewing direction), pixel (u, v)
/// with u right and v down, pixel centres at +0.5. A camera-frame point X projects to
/// `[u, v, 1]ᵀ ∝ K·X`, and a depth pixel d (m, along the camera axis) at (u, v) lies at
/// `world_from_camera · [d·(u − cx)/fx, d·(v − cy)/fy, d, 1]ᵀ`. (MJCF cameras look
/// along their local −z with +y up; this is that frame turned by 180° about x.)
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewCamera {
    /// Intrinsics, pixels: `[[fx, 0, cx], [0, fy, cy], [0, 0, 1]]`, row-major.
    pub k: [[f32; 3]; 3],
    /// Rigid transform from camera to world coordinates, row-major, metres.
    pub world_from_camera: [[f32; 4]; 4],
    /// Image width, pixels.
    pub width: u32,
    /// Image height, pixels.
    pub height: u32,
    /// Near clip distance, m.
    pub near: f32,
    /// Far clip distance, m (depth beyond it reads
    /// [`DEPTH_BACKGROUND`](super::DEPTH_BACKGROUND)).
    pub far: f32,
}

impl ViewCamera {
    /// From the pose `render.prepare` wrote for a `width` × `height` view.
    pub fn from_pose(p: &ViewPose, width: u32, height: u32) -> ViewCamera {
        let (w, h) = (width as f32, height as f32);
        let fx = p.proj[0] * w / 2.0;
        let fy = p.proj[1] * h / 2.0;
        let cx = (p.proj[2] + 1.0) * w / 2.0;
        let cy = (1.0 - p.proj[3]) * h / 2.0;
        let q = Quat::from_xyzw(p.qinv[0], p.qinv[1], p.qinv[2], p.qinv[3])
            .normalize()
            .inverse();
        // World-from-MJCF-camera rotation, then flip y and z for the OpenCV axes.
        let r = glam::Mat3::from_quat(q) * glam::Mat3::from_diagonal(Vec3::new(1.0, -1.0, -1.0));
        let mut m = [[0.0f32; 4]; 4];
        for (i, row) in m.iter_mut().enumerate().take(3) {
            for (j, e) in row.iter_mut().enumerate().take(3) {
                *e = r.col(j)[i];
            }
            row[3] = p.pos[i];
        }
        m[3][3] = 1.0;
        ViewCamera {
            k: [[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]],
            world_from_camera: m,
            width,
            height,
            near: p.depth[2],
            far: p.depth[3],
        }
    }

    /// The world point seen at pixel (u, v) (continuous pixel coordinates) with depth
    /// `d` m along the camera axis.
    pub fn unproject(&self, u: f32, v: f32, d: f32) -> Vec3 {
        let [[fx, _, cx], [_, fy, cy], _] = self.k;
        let c = Vec3::new(d * (u - cx) / fx, d * (v - cy) / fy, d);
        let m = &self.world_from_camera;
        Vec3::new(
            m[0][0] * c.x + m[0][1] * c.y + m[0][2] * c.z + m[0][3],
            m[1][0] * c.x + m[1][1] * c.y + m[1][2] * c.z + m[1][3],
            m[2][0] * c.x + m[2][1] * c.y + m[2][2] * c.z + m[2][3],
        )
    }
}
