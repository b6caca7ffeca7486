//! `<contact>`: `<exclude body1 body2>` (the two bodies' geoms never collide). Explicit
//! `<pair>`s are not modelled: an error, or a warning with [`super::LoadOptions::lenient`].

use super::compiler::{Compiler, Node};
use crate::Error;

impl<'a, 'input> Compiler<'a, 'input> {
    /// The children of one `<contact>` section; the body tree must be read already.
    pub(super) fn contact(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        for child in self.children(n) {
            match child.tag_name().name() {
                "exclude" => self.exclude(child)?,
                "pair" => self.unsupported(child)?,
                other => {
                    return Err(self.err(
                        child,
                        other,
                        format!("unknown element <{other}> in <contact>; allowed: exclude, pair"),
                    ))
                }
            }
        }
        Ok(())
    }

    /// `<exclude body1 body2>`: both names must be bodies (`world` included, as in MuJoCo).
    fn exclude(&mut self, n: Node<'a, 'input>) -> Result<(), Error> {
        let a = self.attrs_plain(n, "exclude", &["name", "body1", "body2"]);
        let mut pair = [0usize; 2];
        for (k, attr) in ["body1", "body2"].into_iter().enumerate() {
            let Some((name, _)) = a.get(attr) else {
                return Err(self.err(n, format!("exclude.{attr}"), "is required"));
            };
            pair[k] = self.model.body(name).ok_or_else(|| {
                self.err(
                    n,
                    format!("exclude.{attr}"),
                    format!(
                        "is {name:?}, which names no body; allowed: {}",
                        self.body_names()
                    ),
                )
            })?;
        }
        self.model.excludes.push(pair);
        Ok(())
    }

    /// The named bodies, for error messages: up to 20 names, then a count.
    fn body_names(&self) -> String {
        let names: Vec<String> = self
            .model
            .bodies
            .iter()
            .filter_map(|b| b.name.as_ref().map(|s| format!("{s:?}")))
            .collect();
        let shown = names.len().min(20);
        let mut out = names[..shown].join(", ");
        if names.len() > shown {
            out += &format!(" and {} more", names.len() - shown);
        }
        out
    }
}
