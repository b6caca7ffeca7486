//! `<light>`.

use super::compiler::{Compiler, Node};
use crate::sim::model::Light;
use crate::Error;
use glam::Vec3;

impl<'a, 'input> Compiler<'a, 'input> {
    /// A `<light>` attached to `body`.
    pub(super) fn light(
        &mut self,
        n: Node<'a, 'input>,
        body: usize,
        cc: Option<&str>,
    ) -> Result<(), Error> {
        let known = [
            "name",
            "pos",
            "dir",
            "directional",
            "diffuse",
            "ambient",
            "specular",
        ];
        let a = self.attrs(n, "light", cc, &known)?;
        let dir = self.vec3(&a, "light", "dir", Vec3::new(0.0, 0.0, -1.0))?;
        if dir.length() < 1e-9 {
            return Err(self.err(n, "light.dir", "has zero length"));
        }
        let light = Light {
            name: Self::name(&a),
            body,
            pos: self.vec3(&a, "light", "pos", Vec3::ZERO)?,
            dir: dir.normalize(),
            directional: self.boolean(&a, "light", "directional")?.unwrap_or(false),
            diffuse: self.vec3(&a, "light", "diffuse", Vec3::splat(0.7))?,
            ambient: self.vec3(&a, "light", "ambient", Vec3::ZERO)?,
            specular: self.vec3(&a, "light", "specular", Vec3::splat(0.3))?,
        };
        self.model.lights.push(light);
        Ok(())
    }
}
