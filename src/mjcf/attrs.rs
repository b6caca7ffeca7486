//! Attribute sets ([`Attrs`]: an element's own attributes over its default class's) and
//! typed reading of their values, with errors naming the file, line and attribute.

use super::compiler::{Compiler, Node};
use crate::Error;
use glam::Vec3;
use std::collections::BTreeMap;

/// A resolved attribute set: the element's own attributes over its default class's.
pub(super) struct Attrs<'n> {
    /// The element's own attributes, in document order.
    pub(super) own: Vec<(&'n str, &'n str)>,
    /// Attributes from the default class: name -> (value, where the default set it).
    pub(super) inherited: BTreeMap<String, (String, String)>,
    /// Where the element is (`file:line`).
    pub(super) here: String,
}

impl Attrs<'_> {
    /// The value of `name` and where it was set (here, or in a default class).
    pub(super) fn get(&self, name: &str) -> Option<(&str, String)> {
        if let Some((_, v)) = self.own.iter().find(|(k, _)| *k == name) {
            return Some((v, self.here.clone()));
        }
        self.inherited
            .get(name)
            .map(|(v, at)| (v.as_str(), at.clone()))
    }

    /// Every attribute name, own and inherited, sorted.
    fn names(&self) -> Vec<String> {
        let mut n: Vec<String> = self.own.iter().map(|(k, _)| k.to_string()).collect();
        n.extend(self.inherited.keys().cloned());
        n.sort();
        n.dedup();
        n
    }
}

impl<'a, 'input> Compiler<'a, 'input> {
    /// The element's own `name` (names are never inherited).
    pub(super) fn name(a: &Attrs) -> Option<String> {
        a.own
            .iter()
            .find(|(k, _)| *k == "name")
            .map(|(_, v)| v.to_string())
    }

    /// The element's attributes over those of its class (explicit `class`, else the
    /// enclosing `childclass`, else `main`), checked against the attributes we model.
    pub(super) fn attrs<'n>(
        &mut self,
        node: Node<'n, 'input>,
        tag: &str,
        childclass: Option<&str>,
        known: &[&str],
    ) -> Result<Attrs<'n>, Error> {
        let class = node.attribute("class").or(childclass).unwrap_or("main");
        let Some(dc) = self.defaults.get(class) else {
            return Err(self.err(
                node,
                format!("{tag}.class"),
                format!("default class {class:?} is not defined"),
            ));
        };
        let mut inherited = BTreeMap::new();
        if matches!(tag, "motor" | "position") {
            if let Some(g) = dc.elems.get("general") {
                inherited.extend(g.clone());
            }
        }
        if let Some(e) = dc.elems.get(tag) {
            inherited.extend(e.clone());
        }
        let own: Vec<(&str, &str)> = node.attributes().map(|a| (a.name(), a.value())).collect();
        let attrs = Attrs {
            own,
            inherited,
            here: self.here(node),
        };
        for name in attrs.names() {
            if name == "class" || name == "childclass" || known.contains(&name.as_str()) {
                continue;
            }
            let at = attrs.get(&name).map(|(_, at)| at).unwrap_or_default();
            self.warn(
                format!("attribute `{name}` of <{tag}> is not modelled and is ignored"),
                at,
            );
        }
        Ok(attrs)
    }

    /// Attributes of an element that takes no defaults.
    pub(super) fn attrs_plain<'n>(
        &mut self,
        n: Node<'n, 'input>,
        tag: &str,
        known: &[&str],
    ) -> Attrs<'n> {
        let own: Vec<(&str, &str)> = n.attributes().map(|a| (a.name(), a.value())).collect();
        let here = self.here(n);
        for (k, _) in &own {
            if !known.contains(k) {
                self.warn(
                    format!("attribute `{k}` of <{tag}> is not modelled and is ignored"),
                    here.clone(),
                );
            }
        }
        Attrs {
            own,
            inherited: BTreeMap::new(),
            here,
        }
    }

    /// The numbers of attribute `name`, which must have one of `counts` entries.
    pub(super) fn floats(
        &self,
        a: &Attrs,
        tag: &str,
        name: &str,
        counts: &[usize],
    ) -> Result<Option<Vec<f32>>, Error> {
        let Some((text, at)) = a.get(name) else {
            return Ok(None);
        };
        self.parse_floats(text, &at, tag, name, counts).map(Some)
    }

    /// Parses `text`, found at `at`, as one of `counts` finite numbers.
    pub(super) fn parse_floats(
        &self,
        text: &str,
        at: &str,
        tag: &str,
        name: &str,
        counts: &[usize],
    ) -> Result<Vec<f32>, Error> {
        let mut v = Vec::new();
        for (i, tok) in text.split_whitespace().enumerate() {
            let x: f32 = tok.parse().map_err(|_| {
                self.err_at(
                    at,
                    format!("{tag}.{name}"),
                    format!("value {} is {tok:?}, not a number", i + 1),
                )
            })?;
            if !x.is_finite() {
                return Err(self.err_at(
                    at,
                    format!("{tag}.{name}"),
                    format!("value {} is {tok}; numbers must be finite", i + 1),
                ));
            }
            v.push(x);
        }
        if !counts.contains(&v.len()) {
            let want = counts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" or ");
            return Err(self.err_at(
                at,
                format!("{tag}.{name}"),
                format!("has {} numbers ({text:?}); expected {want}", v.len()),
            ));
        }
        Ok(v)
    }

    /// One number, or `default`.
    pub(super) fn float(
        &self,
        a: &Attrs,
        tag: &str,
        name: &str,
        default: f32,
    ) -> Result<f32, Error> {
        Ok(self.floats(a, tag, name, &[1])?.map_or(default, |v| v[0]))
    }

    /// Three numbers, or `default`.
    pub(super) fn vec3(
        &self,
        a: &Attrs,
        tag: &str,
        name: &str,
        default: Vec3,
    ) -> Result<Vec3, Error> {
        Ok(self
            .floats(a, tag, name, &[3])?
            .map_or(default, |v| Vec3::new(v[0], v[1], v[2])))
    }

    /// A non-negative integer, or `default`.
    pub(super) fn int(&self, a: &Attrs, tag: &str, name: &str, default: u32) -> Result<u32, Error> {
        let Some((text, at)) = a.get(name) else {
            return Ok(default);
        };
        text.trim().parse().map_err(|_| {
            self.err_at(
                &at,
                format!("{tag}.{name}"),
                format!("is {text:?}; expected a non-negative integer"),
            )
        })
    }

    /// One of `allowed`, or `default`.
    pub(super) fn choice<'t>(
        &self,
        a: &'t Attrs,
        tag: &str,
        name: &str,
        allowed: &[&'t str],
        default: &'t str,
    ) -> Result<String, Error> {
        let Some((text, at)) = a.get(name) else {
            return Ok(default.to_string());
        };
        if allowed.contains(&text) {
            Ok(text.to_string())
        } else {
            Err(self.err_at(
                &at,
                format!("{tag}.{name}"),
                format!("is {text:?}; allowed: {}", allowed.join(", ")),
            ))
        }
    }

    /// `true`, `false` or `auto` (`None`).
    pub(super) fn boolean(&self, a: &Attrs, tag: &str, name: &str) -> Result<Option<bool>, Error> {
        Ok(
            match self
                .choice(a, tag, name, &["true", "false", "auto"], "auto")?
                .as_str()
            {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        )
    }
}

impl<'a, 'input> Compiler<'a, 'input> {
    /// A `solref*` attribute: two numbers, (timeconst s > 0, dampratio > 0) or
    /// (−stiffness, −damping) both ≤ 0, as MuJoCo reads them; MuJoCo's default when absent.
    pub(super) fn solref(
        &self,
        n: Node<'a, 'input>,
        a: &Attrs,
        tag: &str,
        name: &str,
    ) -> Result<[f32; 2], Error> {
        let Some(v) = self.floats(a, tag, name, &[2])? else {
            return Ok(crate::sim::model::SOLREF_DEFAULT);
        };
        let ok = (v[0] > 0.0 && v[1] > 0.0) || (v[0] < 0.0 && v[1] <= 0.0);
        if !ok {
            return Err(self.err(
                n,
                format!("{tag}.{name}"),
                format!(
                    "is [{}, {}]; allowed: timeconst > 0 with dampratio > 0, or -stiffness < 0 with -damping <= 0",
                    v[0], v[1]
                ),
            ));
        }
        Ok([v[0], v[1]])
    }

    /// A `solimp*` attribute: one to five numbers (d0, dwidth, width, midpoint, power),
    /// the rest from MuJoCo's default; d0 and dwidth in (0, 1), width ≥ 0, midpoint in
    /// (0, 1), power ≥ 1.
    pub(super) fn solimp(
        &self,
        n: Node<'a, 'input>,
        a: &Attrs,
        tag: &str,
        name: &str,
    ) -> Result<[f32; 5], Error> {
        let mut out = crate::sim::model::SOLIMP_DEFAULT;
        let Some(v) = self.floats(a, tag, name, &[1, 2, 3, 4, 5])? else {
            return Ok(out);
        };
        out[..v.len()].copy_from_slice(&v);
        // MuJoCo clamps the impedances into [0.0001, 0.9999]; a zero d0 (Gymnasium's
        // humanoid uses one) is therefore allowed and means 0.0001.
        for d in &mut out[..2] {
            *d = d.clamp(0.0001, 0.9999);
        }
        let ok = v.iter().take(2).all(|d| (0.0..=1.0).contains(d))
            && out[2] >= 0.0
            && out[3] > 0.0
            && out[3] < 1.0
            && out[4] >= 1.0;
        if !ok {
            return Err(self.err(
                n,
                format!("{tag}.{name}"),
                format!(
                    "is {v:?}; allowed: d0 and dwidth in [0, 1], width >= 0, midpoint in (0, 1), power >= 1"
                ),
            ));
        }
        Ok(out)
    }
}
