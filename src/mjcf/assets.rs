//! `<asset>`: builtin textures and materials (meshes and height fields are unsupported).

use super::compiler::{Compiler, Node};
use crate::sim::model::{Material, Texture};
use crate::Error;
use glam::{Vec3, Vec4};

impl<'a, 'input> Compiler<'a, 'input> {
    /// `<asset>`: textures and materials (their texture names are resolved at the end).
    pub(super) fn asset(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        for child in self.children(n) {
            match child.tag_name().name() {
                "texture" => {
                    let known = ["name", "builtin", "rgb1", "rgb2", "width", "height", "type"];
                    let a = self.attrs(child, "texture", None, &known)?;
                    let builtin = self.choice(
                        &a,
                        "texture",
                        "builtin",
                        &["none", "checker", "gradient", "flat"],
                        "none",
                    )?;
                    let texture = Texture {
                        name: Self::name(&a),
                        builtin,
                        rgb1: self.vec3(&a, "texture", "rgb1", Vec3::splat(0.8))?,
                        rgb2: self.vec3(&a, "texture", "rgb2", Vec3::splat(0.5))?,
                        width: self.int(&a, "texture", "width", 0)?,
                        height: self.int(&a, "texture", "height", 0)?,
                    };
                    self.model.textures.push(texture);
                }
                "material" => {
                    let known = ["name", "rgba", "texture", "texrepeat"];
                    let a = self.attrs(child, "material", None, &known)?;
                    let rgba = self
                        .floats(&a, "material", "rgba", &[4])?
                        .map_or(Vec4::ONE, |v| Vec4::from_slice(&v));
                    let texrepeat = self
                        .floats(&a, "material", "texrepeat", &[2])?
                        .map_or([1.0, 1.0], |v| [v[0], v[1]]);
                    let index = self.model.materials.len();
                    if let Some((t, at)) = a.get("texture") {
                        self.pending_textures.push((index, t.to_string(), at));
                    }
                    self.model.materials.push(Material {
                        name: Self::name(&a),
                        rgba,
                        texture: None,
                        texrepeat,
                    });
                }
                "mesh" | "hfield" | "skin" => self.unsupported(child)?,
                _ => self.warn_element(child, "inside <asset> is not modelled and is ignored"),
            }
        }
        Ok(())
    }
}
