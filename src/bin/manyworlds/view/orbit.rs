//! The viewer's orbit camera: yaw, pitch and distance about a target, its framing of a
//! scene, and the API camera it becomes.

use super::VIEWER_CAMERA;
use glam::Vec3;
use manyworlds::env::scene::SceneEnv;
use manyworlds::render::{CameraSpec, Intrinsics};

/// Vertical field of view of the viewer camera, degrees.
const VIEWER_FOVY: f32 = 45.0;

/// The orbit camera: yaw and pitch (radians) and distance (m) about a target.
#[derive(Clone, Copy, Debug)]
pub(super) struct Orbit {
    target: Vec3,
    yaw: f32,
    pitch: f32,
    distance: f32,
}

impl Default for Orbit {
    fn default() -> Self {
        Orbit {
            target: Vec3::ZERO,
            yaw: -std::f32::consts::FRAC_PI_4,
            pitch: 30f32.to_radians(),
            distance: 2.0,
        }
    }
}

impl Orbit {
    /// Looks at the centre of the box that holds the initial positions of the scene's
    /// bodies (the world body left out) and the ground below them (z = 0: MJCF is z-up,
    /// and dropped objects end there), from far enough to see all of it.
    pub(super) fn framing(env: &SceneEnv) -> Orbit {
        let c = env.compiled();
        let poses = c.body_poses(&c.init_state);
        let points: Vec<Vec3> = poses.iter().skip(1).map(|p| p.0).collect();
        if points.is_empty() {
            return Orbit::default();
        }
        let (mut lo, mut hi) = (points[0], points[0]);
        for p in &points {
            let ground = Vec3::new(p.x, p.y, p.z.min(0.0));
            lo = lo.min(*p).min(ground);
            hi = hi.max(*p).max(ground);
        }
        // 0.1 m of margin for the geoms around the bodies' origins.
        let radius = 0.5 * (hi - lo).length() + 0.1;
        Orbit {
            target: 0.5 * (lo + hi),
            distance: (3.0 * radius).max(0.3),
            ..Orbit::default()
        }
    }

    fn eye(&self) -> Vec3 {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        self.target + self.distance * Vec3::new(cp * cy, cp * sy, sp)
    }

    pub(super) fn camera(&self, w: u32, h: u32) -> CameraSpec {
        let mut c = CameraSpec::look_at(
            VIEWER_CAMERA,
            self.eye(),
            self.target,
            Vec3::Z,
            Intrinsics::Fovy(VIEWER_FOVY),
            w,
            h,
        );
        c.far = c.far.max(4.0 * self.distance);
        c
    }

    pub(super) fn rotate(&mut self, dx: f32, dy: f32) {
        let limit = 89f32.to_radians();
        self.yaw -= 0.01 * dx;
        self.pitch = (self.pitch + 0.01 * dy).clamp(-limit, limit);
    }

    pub(super) fn zoom(&mut self, lines: f32) {
        self.distance = (self.distance * 0.9f32.powf(lines)).clamp(0.05, 200.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orbit_keeps_its_distance_and_clamps_pitch_and_zoom() {
        let mut o = Orbit {
            target: Vec3::new(1.0, 2.0, 0.5),
            ..Orbit::default()
        };
        o.rotate(37.0, -12.0);
        assert!(((o.eye() - o.target).length() - o.distance).abs() < 1e-5);
        // Dragging far up or down stops short of the poles (the up vector stays defined).
        o.rotate(0.0, 1e6);
        assert!((o.pitch - 89f32.to_radians()).abs() < 1e-6);
        o.rotate(0.0, -1e6);
        assert!((o.pitch + 89f32.to_radians()).abs() < 1e-6);
        o.zoom(1e3);
        assert_eq!(o.distance, 0.05);
        o.zoom(-1e3);
        assert_eq!(o.distance, 200.0);
        let c = o.camera(64, 48);
        assert_eq!(c.name, VIEWER_CAMERA);
        assert!(c.far >= 4.0 * o.distance);
    }
}
