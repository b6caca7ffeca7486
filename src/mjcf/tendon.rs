//! `<tendon>`: a fixed tendon with no limit, spring, damping, dry friction or armature
//! applies no force (MuJoCo's tendon forces all come from those, or from an actuator or
//! an equality constraint on it, which are refused where they are read), so it is accepted
//! with a warning: Gymnasium's humanoid declares two such tendons. Any other tendon, and
//! every spatial tendon, would change the dynamics: an error, or a warning with
//! [`super::LoadOptions::lenient`].

use super::compiler::{Compiler, Node};
use crate::Error;

/// The attributes of `<fixed>` that can make a tendon act.
const ACTIVE: [&str; 4] = ["stiffness", "damping", "frictionloss", "armature"];

impl<'a, 'input> Compiler<'a, 'input> {
    /// The children of one `<tendon>` section; the body tree must be read already.
    pub(super) fn tendons(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        for child in self.children(n) {
            match child.tag_name().name() {
                "fixed" => self.fixed_tendon(child)?,
                "spatial" => self.unsupported(child)?,
                other => {
                    return Err(self.err(
                        child,
                        other,
                        format!("unknown element <{other}> in <tendon>; allowed: fixed, spatial"),
                    ))
                }
            }
        }
        Ok(())
    }

    /// One `<fixed>` tendon: its joints must exist; it is accepted when nothing in it acts.
    fn fixed_tendon(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        let tag = "tendon";
        let mut known = vec![
            "name",
            "limited",
            "range",
            "springlength",
            "margin",
            "solreflimit",
            "solimplimit",
            "solreffriction",
            "solimpfriction",
            "rgba",
            "group",
            "width",
            "material",
            "user",
        ];
        known.extend(ACTIVE);
        let a = self.attrs(n, tag, None, &known)?;
        for j in self.children(n) {
            if !j.has_tag_name("joint") {
                let other = j.tag_name().name();
                return Err(self.err(
                    j,
                    other,
                    format!("unknown element <{other}> in <fixed>; allowed: joint"),
                ));
            }
            let b = self.attrs_plain(j, "joint", &["joint", "coef"]);
            let Some((name, _)) = b.get("joint") else {
                return Err(self.err(j, "joint.joint", "is required"));
            };
            if self.model.joint(name).is_none() {
                return Err(self.err(
                    j,
                    "joint.joint",
                    format!("is {name:?}, which names no joint"),
                ));
            }
            self.float(&b, "joint", "coef", 0.0)?;
        }
        let range = self.floats(&a, tag, "range", &[2])?;
        let limited = self.boolean(&a, tag, "limited")?.unwrap_or(range.is_some());
        let mut acting = Vec::new();
        if limited {
            acting.push("a limit".to_string());
        }
        for name in ACTIVE {
            let v = self.float(&a, tag, name, 0.0)?;
            if v != 0.0 {
                acting.push(format!("{name} {v}"));
            }
        }
        if acting.is_empty() {
            self.warn_element(
                n,
                "(a fixed tendon with no limit, spring, damping, friction or armature) applies no force and is accepted; its length is not computed",
            );
            Ok(())
        } else if self.options.lenient {
            self.warn_element(
                n,
                &format!(
                    "has {}, which is not modelled; ignored (--lenient)",
                    acting.join(", ")
                ),
            );
            Ok(())
        } else {
            Err(self.err(
                n,
                tag,
                format!(
                    "has {}, which changes the dynamics and is not supported; allowed: fixed tendons with no limit, stiffness, damping, frictionloss or armature (pass --lenient to load the scene without it)",
                    acting.join(", ")
                ),
            ))
        }
    }
}
