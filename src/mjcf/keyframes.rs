//! `<keyframe>`: `<key>` elements, kept until the model's sizes are known.

use super::compiler::{Compiler, Node};
use crate::sim::model::Keyframe;
use crate::Error;

impl<'a, 'input> Compiler<'a, 'input> {
    /// Keeps the `<key>`s of a `<keyframe>` for [`Compiler::build_keyframes`].
    pub(super) fn keyframes(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        for child in self.children(n) {
            if child.tag_name().name() != "key" {
                self.warn_element(child, "inside <keyframe> is not modelled and is ignored");
                continue;
            }
            self.keys.push(child);
        }
        Ok(())
    }

    /// The kept `<key>`s as keyframes; what a key leaves out is the model's reference
    /// configuration, at rest, with zero controls.
    pub(super) fn build_keyframes(&mut self) -> Result<(), Error> {
        let (nq, nv, nu) = (self.model.nq(), self.model.nv(), self.model.actuators.len());
        let qpos0 = self.model.qpos0();
        for node in std::mem::take(&mut self.keys) {
            let a = self.attrs_plain(node, "key", &["name", "qpos", "qvel", "ctrl", "time"]);
            let get =
                |c: &Self, name: &str, n: usize, default: Vec<f32>| -> Result<Vec<f32>, Error> {
                    Ok(c.floats(&a, "key", name, &[n])?.unwrap_or(default))
                };
            let key = Keyframe {
                name: Self::name(&a),
                qpos: get(self, "qpos", nq, qpos0.clone())?,
                qvel: get(self, "qvel", nv, vec![0.0; nv])?,
                ctrl: get(self, "ctrl", nu, vec![0.0; nu])?,
            };
            self.model.keyframes.push(key);
        }
        Ok(())
    }
}
