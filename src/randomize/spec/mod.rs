//! The randomization spec: which fields, of which named things, drawn from which
//! distribution, applied how and when. Built in Rust ([`Spec::entry`]) or read from JSON
//! ([`Spec::from_json`]); the JSON shape is the one in the README.

mod adr;
mod dist;
mod field;
mod json;

pub use adr::{AdrConfig, AdrEntry, AdrSignal};
pub use dist::{Dist, Mode};
pub use field::{Field, FieldGroup, TargetKind};

use crate::Error;

/// One line of a spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The field.
    pub field: Field,
    /// MJCF names, `*` and `?` globs allowed; empty for world settings.
    pub targets: Vec<String>,
    /// The distribution of the draw.
    pub dist: Dist,
    /// How the draw becomes the value.
    pub mode: Mode,
    /// Redraw every this many steps within an episode (physics, looks and noise only);
    /// `None`: at each reset.
    pub every: Option<u32>,
    /// Automatic domain randomization of this entry's range.
    pub adr: Option<AdrEntry>,
}

impl Entry {
    /// An entry applied at each reset in [`Mode::Set`].
    pub fn new(field: Field, targets: &[&str], dist: Dist) -> Entry {
        Entry {
            field,
            targets: targets.iter().map(|s| s.to_string()).collect(),
            dist,
            mode: Mode::Set,
            every: None,
            adr: None,
        }
    }

    /// With `mode`.
    pub fn mode(mut self, mode: Mode) -> Entry {
        self.mode = mode;
        self
    }

    /// Redrawn every `steps` steps.
    pub fn every(mut self, steps: u32) -> Entry {
        self.every = Some(steps);
        self
    }

    /// Under ADR, starting at `[lo, hi]`, moving by `step`.
    pub fn adr(mut self, lo: f32, hi: f32, step: f32) -> Entry {
        self.adr = Some(AdrEntry {
            start: [lo, hi],
            step,
        });
        self
    }
}

/// A whole randomization spec.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spec {
    /// The entries, applied in this order (a later entry overrides an earlier one for the
    /// same field and target).
    pub entries: Vec<Entry>,
    /// ADR settings (used when an entry has `adr`).
    pub adr: AdrConfig,
}

impl Spec {
    /// An empty spec.
    pub fn new() -> Spec {
        Spec::default()
    }

    /// Adds an entry.
    pub fn entry(mut self, e: Entry) -> Spec {
        self.entries.push(e);
        self
    }

    /// With ADR settings.
    pub fn with_adr(mut self, adr: AdrConfig) -> Spec {
        self.adr = adr;
        self
    }

    /// Whether any entry is under ADR.
    pub fn has_adr(&self) -> bool {
        self.entries.iter().any(|e| e.adr.is_some())
    }

    /// Checks every entry on its own (targets are checked against a scene later): errors
    /// name the entry index and field.
    pub fn validate(&self) -> Result<(), Error> {
        for (i, e) in self.entries.iter().enumerate() {
            e.check().map_err(|(f, v, a)| Error::InvalidArgument {
                field: format!("randomize entries[{i}] ({}).{f}", e.field.name()),
                value: v,
                allowed: a,
            })?;
        }
        let a = &self.adr;
        if !(a.threshold_low.is_finite()
            && a.threshold_high.is_finite()
            && a.threshold_low <= a.threshold_high)
        {
            return Err(Error::InvalidArgument {
                field: "randomize adr.threshold_low/threshold_high".into(),
                value: format!("{}/{}", a.threshold_low, a.threshold_high),
                allowed: "finite, low <= high".into(),
            });
        }
        if a.buffer == 0 || !(0.0..=1.0).contains(&a.boundary_prob) {
            return Err(Error::InvalidArgument {
                field: "randomize adr.buffer/boundary_prob".into(),
                value: format!("{}/{}", a.buffer, a.boundary_prob),
                allowed: "buffer >= 1 and boundary_prob in [0, 1]".into(),
            });
        }
        Ok(())
    }
}

impl Entry {
    /// Checks the entry on its own: `(field, value, allowed)` on failure.
    fn check(&self) -> Result<(), (String, String, String)> {
        let n = self.field.components();
        let fail = |f: &str, v: String, a: String| Err((f.to_string(), v, a));
        let arity = |v: &[f32]| v.len() == 1 || v.len() == n;
        let arity_msg = format!("1 or {n} numbers (the field has {n} components)");
        match &self.dist {
            Dist::Uniform { lo, hi } | Dist::LogUniform { lo, hi } => {
                if !arity(lo) || !arity(hi) {
                    return fail("dist", format!("{lo:?}, {hi:?}"), arity_msg);
                }
                for c in 0..n {
                    let (a, b) = self.dist.bounds(c);
                    if a > b {
                        return fail("dist", format!("[{a}, {b}]"), "lo <= hi".into());
                    }
                    if matches!(self.dist, Dist::LogUniform { .. }) && a <= 0.0 {
                        return fail("dist.loguniform", format!("{a}"), "lo > 0".into());
                    }
                }
            }
            Dist::Normal {
                mean,
                std,
                clip_sigma,
            } => {
                if !arity(mean) || !arity(std) {
                    return fail("dist.normal", format!("{mean:?}, {std:?}"), arity_msg);
                }
                if std.iter().any(|s| *s < 0.0) {
                    return fail("dist.normal.std", format!("{std:?}"), ">= 0".into());
                }
                if clip_sigma.is_some_and(|k| k <= 0.0) {
                    return fail(
                        "dist.normal.clip_sigma",
                        format!("{clip_sigma:?}"),
                        "> 0".into(),
                    );
                }
            }
            Dist::Choice(v) => {
                if v.len() > MAX_CHOICES {
                    return fail(
                        "dist.choice",
                        format!("{} values", v.len()),
                        format!("at most {MAX_CHOICES}"),
                    );
                }
                if let Some(x) = v.iter().find(|x| !arity(x)) {
                    return fail("dist.choice", format!("{x:?}"), arity_msg);
                }
            }
        }
        if self.field.group() == FieldGroup::Initial && self.every.is_some() {
            return fail(
                "every",
                format!("{:?}", self.every),
                "left out: initial-state fields apply at reset only".into(),
            );
        }
        if self.field.target_kind() == TargetKind::World
            && !(self.targets.is_empty() || self.targets == ["*"])
        {
            return fail(
                "targets",
                format!("{:?}", self.targets),
                "left out or [\"*\"]: the field is a setting of the whole world".into(),
            );
        }
        if self.field.target_kind() != TargetKind::World && self.targets.is_empty() {
            return fail("targets", "[]".into(), "one or more names or globs".into());
        }
        if let Some(a) = self.adr {
            let Dist::Uniform { lo, hi } = &self.dist else {
                return fail(
                    "adr",
                    "a non-uniform dist".into(),
                    "ADR entries draw from a uniform; its bounds are ADR's limits".into(),
                );
            };
            if lo.len() != 1 || hi.len() != 1 {
                return fail(
                    "adr",
                    format!("{lo:?}, {hi:?}"),
                    "ADR entries have one scalar range ([lo, hi])".into(),
                );
            }
            let [s0, s1] = a.start;
            let ordered = lo[0] <= s0 && s0 <= s1 && s1 <= hi[0];
            if !ordered || a.step.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                return fail(
                    "adr",
                    format!("start [{s0}, {s1}], step {}", a.step),
                    format!(
                        "lo {} <= start[0] <= start[1] <= hi {}, step > 0",
                        lo[0], hi[0]
                    ),
                );
            }
        }
        Ok(())
    }
}

/// Most values a `choice` distribution may list.
pub const MAX_CHOICES: usize = 64;

/// Whether `name` matches `pattern` (`*`: any run of characters, `?`: one character).
pub fn glob(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = name.chars().collect();
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("box*", "box3"));
        assert!(glob("*", ""));
        assert!(glob("b?x", "box"));
        assert!(!glob("box?", "box"));
        assert!(glob("*a*b", "xxaxxb"));
        assert!(!glob("*a*b", "xxaxxbc"));
    }
}
