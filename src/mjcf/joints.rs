//! `<joint>` and `<freejoint>`.

use super::compiler::{Compiler, Node};
use crate::sim::model::{Joint, JointKind};
use crate::Error;
use glam::Vec3;

impl<'a, 'input> Compiler<'a, 'input> {
    /// A `<joint>` (or, with `free`, a `<freejoint>`) of `body`; angles in the `<compiler>` unit.
    pub(super) fn joint(
        &mut self,
        n: Node<'a, 'input>,
        body: usize,
        cc: Option<&str>,
        free: bool,
    ) -> Result<(), Error> {
        let tag = if free { "freejoint" } else { "joint" };
        let known = [
            "name",
            "type",
            "pos",
            "axis",
            "range",
            "limited",
            "damping",
            "armature",
            "frictionloss",
            "stiffness",
            "springref",
            "ref",
            "solreflimit",
            "solimplimit",
        ];
        let a = if free {
            self.attrs_plain(n, tag, &["name"])
        } else {
            self.attrs(n, tag, cc, &known)?
        };
        let kind = if free {
            JointKind::Free
        } else {
            match self
                .choice(
                    &a,
                    tag,
                    "type",
                    &["free", "ball", "slide", "hinge"],
                    "hinge",
                )?
                .as_str()
            {
                "free" => JointKind::Free,
                "ball" => JointKind::Ball,
                "slide" => JointKind::Slide,
                _ => JointKind::Hinge,
            }
        };
        let angular = |c: &Self, x: f32| {
            if kind == JointKind::Slide {
                x
            } else {
                c.angle(x)
            }
        };
        let axis = self.vec3(&a, tag, "axis", Vec3::Z)?;
        if axis.length() < 1e-9 {
            return Err(self.err(n, format!("{tag}.axis"), "has zero length"));
        }
        let range = self.floats(&a, tag, "range", &[2])?;
        let limited = match self.boolean(&a, tag, "limited")? {
            Some(l) => l,
            None => range.is_some(),
        };
        let range = if limited && kind != JointKind::Free {
            let r = range.ok_or_else(|| {
                self.err(n, format!("{tag}.range"), "a limited joint needs a range")
            })?;
            if r[0] >= r[1] && kind != JointKind::Ball {
                return Err(self.err(
                    n,
                    format!("{tag}.range"),
                    format!(
                        "is [{}, {}]; the lower limit must be below the upper",
                        r[0], r[1]
                    ),
                ));
            }
            Some([angular(self, r[0]), angular(self, r[1])])
        } else {
            None
        };
        let nonneg = |c: &Self, name: &str| -> Result<f32, Error> {
            let v = c.float(&a, tag, name, 0.0)?;
            if v < 0.0 {
                return Err(c.err(
                    n,
                    format!("{tag}.{name}"),
                    format!("is {v}; must not be negative"),
                ));
            }
            Ok(v)
        };
        let joint = Joint {
            name: Self::name(&a),
            body,
            kind,
            pos: self.vec3(&a, tag, "pos", Vec3::ZERO)?,
            axis: axis.normalize(),
            range,
            damping: nonneg(self, "damping")?,
            armature: nonneg(self, "armature")?,
            frictionloss: nonneg(self, "frictionloss")?,
            stiffness: nonneg(self, "stiffness")?,
            springref: angular(self, self.float(&a, tag, "springref", 0.0)?),
            reference: angular(self, self.float(&a, tag, "ref", 0.0)?),
            solref_limit: self.solref(n, &a, tag, "solreflimit")?,
            solimp_limit: self.solimp(n, &a, tag, "solimplimit")?,
        };
        if let Some(nm) = &joint.name {
            if self.model.joint(nm).is_some() {
                return Err(self.err(
                    n,
                    format!("{tag}.name"),
                    format!("{nm:?} is used by another joint"),
                ));
            }
        }
        self.model.joints.push(joint);
        Ok(())
    }
}
