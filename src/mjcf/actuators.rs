//! `<actuator>`: `<motor>` and `<position>` on joints (other types and transmissions are
//! unsupported).

use super::compiler::{Compiler, Node};
use crate::sim::model::{Actuator, ActuatorKind};
use crate::Error;

impl<'a, 'input> Compiler<'a, 'input> {
    /// `<actuator>`: motors and position servos on joints (joint names are resolved at the end).
    pub(super) fn actuators(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        for child in self.children(n) {
            let tag = child.tag_name().name();
            if !matches!(tag, "motor" | "position") {
                self.unsupported(child)?;
                continue;
            }
            let known = [
                "name",
                "joint",
                "gear",
                "ctrlrange",
                "ctrllimited",
                "forcerange",
                "forcelimited",
                "kp",
                "kv",
            ];
            let a = self.attrs(child, tag, None, &known)?;
            for other in [
                "tendon",
                "site",
                "body",
                "jointinparent",
                "cranksite",
                "slidersite",
            ] {
                if a.get(other).is_some() {
                    if self.options.lenient {
                        self.warn(format!("<{tag} {other}> transmission is not supported; actuator ignored (--lenient)"), self.here(child));
                        return Ok(());
                    }
                    return Err(self.err(
                        child,
                        format!("{tag}.{other}"),
                        "only joint transmissions are supported",
                    ));
                }
            }
            let (joint, at) = a
                .get("joint")
                .ok_or_else(|| self.err(child, format!("{tag}.joint"), "is required"))?;
            let gear = self
                .floats(&a, tag, "gear", &[1, 2, 3, 4, 5, 6])?
                .map_or(1.0, |g| g[0]);
            let limits = |c: &Self, flag: &str, range: &str| -> Result<Option<[f32; 2]>, Error> {
                let r = c.floats(&a, tag, range, &[2])?;
                let on = c.boolean(&a, tag, flag)?.unwrap_or(r.is_some());
                match (on, r) {
                    (false, _) => Ok(None),
                    (true, None) => Err(c.err(
                        child,
                        format!("{tag}.{range}"),
                        format!("{flag} is true but no {range} is given"),
                    )),
                    (true, Some(r)) if r[0] >= r[1] => Err(c.err(
                        child,
                        format!("{tag}.{range}"),
                        format!(
                            "is [{}, {}]; the lower limit must be below the upper",
                            r[0], r[1]
                        ),
                    )),
                    (true, Some(r)) => Ok(Some([r[0], r[1]])),
                }
            };
            let kind = if tag == "motor" {
                ActuatorKind::Motor
            } else {
                ActuatorKind::Position {
                    kp: self.float(&a, tag, "kp", 1.0)?,
                    kv: self.float(&a, tag, "kv", 0.0)?,
                }
            };
            let actuator = Actuator {
                name: Self::name(&a),
                joint: usize::MAX,
                kind,
                gear,
                ctrlrange: limits(self, "ctrllimited", "ctrlrange")?,
                forcerange: limits(self, "forcelimited", "forcerange")?,
            };
            self.pending_actuators.push((joint.to_string(), at));
            self.model.actuators.push(actuator);
        }
        Ok(())
    }
}
