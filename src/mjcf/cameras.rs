//! `<camera>`.

use super::compiler::{Compiler, Node};
use super::orientation::POSE;
use crate::sim::model::{Camera, CameraMode};
use crate::Error;
use glam::Vec3;

impl<'a, 'input> Compiler<'a, 'input> {
    /// A `<camera>` attached to `body`.
    pub(super) fn camera(
        &mut self,
        n: Node<'a, 'input>,
        body: usize,
        cc: Option<&str>,
    ) -> Result<(), Error> {
        let known = [POSE, &["name", "fovy", "mode"]].concat();
        let a = self.attrs(n, "camera", cc, &known)?;
        let mode = match self
            .choice(
                &a,
                "camera",
                "mode",
                &["fixed", "track", "trackcom", "targetbody", "targetbodycom"],
                "fixed",
            )?
            .as_str()
        {
            "track" => CameraMode::Track,
            "trackcom" => CameraMode::TrackCom,
            "targetbody" => CameraMode::TargetBody,
            "targetbodycom" => CameraMode::TargetBodyCom,
            _ => CameraMode::Fixed,
        };
        let fovy = self.float(&a, "camera", "fovy", 45.0)?;
        if !(fovy > 0.0 && fovy < 180.0) {
            return Err(self.err(
                n,
                "camera.fovy",
                format!("is {fovy}; allowed: (0, 180) degrees"),
            ));
        }
        let camera = Camera {
            name: Self::name(&a),
            body,
            pos: self.vec3(&a, "camera", "pos", Vec3::ZERO)?,
            quat: self.orientation(&a, "camera")?,
            fovy,
            mode,
        };
        self.model.cameras.push(camera);
        Ok(())
    }
}
