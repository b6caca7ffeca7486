//! The JSON form of a spec (the shape in the README): reading it, with errors naming the
//! entry and key, and writing it back.

use super::{AdrConfig, AdrEntry, AdrSignal, Dist, Entry, Field, Mode, Spec};
use crate::Error;
use serde_json::{json, Map, Value};

impl Spec {
    /// Reads a spec file.
    pub fn from_file(path: &str) -> Result<Spec, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.into(),
            message: e.to_string(),
        })?;
        Spec::from_json(&text, path)
    }

    /// Parses the JSON form; `file` names the source in errors.
    pub fn from_json(text: &str, file: &str) -> Result<Spec, Error> {
        let root: Value = serde_json::from_str(text).map_err(|e| Error::Input {
            file: file.into(),
            line: Some(e.line()),
            field: String::new(),
            message: e.to_string(),
        })?;
        let bad = |field: String, message: String| Error::Input {
            file: file.into(),
            line: None,
            field,
            message,
        };
        let obj = root
            .as_object()
            .ok_or_else(|| bad(String::new(), "a JSON object with \"entries\"".into()))?;
        for k in obj.keys() {
            if k != "entries" && k != "adr" {
                return Err(bad(
                    k.clone(),
                    "unknown key; allowed: \"entries\", \"adr\"".into(),
                ));
            }
        }
        let list = obj
            .get("entries")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("entries".into(), "an array of entries is required".into()))?;
        let mut spec = Spec::new();
        if let Some(a) = obj.get("adr") {
            spec.adr = parse_adr_config(a).map_err(|(f, m)| bad(format!("adr.{f}"), m))?;
        }
        for (i, e) in list.iter().enumerate() {
            let entry = parse_entry(e).map_err(|(f, m)| bad(format!("entries[{i}].{f}"), m))?;
            spec.entries.push(entry);
        }
        // The same checks as for a spec built in code, reported against the file.
        spec.validate().map_err(|e| match e {
            Error::InvalidArgument {
                field,
                value,
                allowed,
            } => bad(
                field.trim_start_matches("randomize ").to_string(),
                format!("{value} is invalid; allowed: {allowed}"),
            ),
            other => other,
        })?;
        Ok(spec)
    }

    /// The JSON form (what [`Spec::from_json`] reads).
    pub fn to_json(&self) -> Value {
        let entries: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let mut m = Map::new();
                m.insert("field".into(), json!(e.field.name()));
                if !e.targets.is_empty() {
                    m.insert("targets".into(), json!(e.targets));
                }
                m.insert("dist".into(), e.dist.to_json());
                m.insert("mode".into(), json!(e.mode.name()));
                if let Some(k) = e.every {
                    m.insert("every".into(), json!(k));
                }
                if let Some(a) = e.adr {
                    m.insert("adr".into(), json!({"start": a.start, "step": a.step}));
                }
                Value::Object(m)
            })
            .collect();
        let a = &self.adr;
        json!({
            "entries": entries,
            "adr": {
                "threshold_low": a.threshold_low,
                "threshold_high": a.threshold_high,
                "buffer": a.buffer,
                "boundary_prob": a.boundary_prob,
                "signal": match a.signal { AdrSignal::Return => "return", AdrSignal::User => "user" },
            }
        })
    }
}

impl Dist {
    /// The JSON form of the distribution (what `parse_dist` reads).
    fn to_json(&self) -> Value {
        let one = |v: &[f32]| {
            if v.len() == 1 {
                json!(v[0])
            } else {
                json!(v)
            }
        };
        match self {
            Dist::Uniform { lo, hi } => json!({"uniform": lo_hi(lo, hi)}),
            Dist::LogUniform { lo, hi } => json!({"loguniform": lo_hi(lo, hi)}),
            Dist::Normal {
                mean,
                std,
                clip_sigma,
            } => {
                let mut m = Map::new();
                m.insert("mean".into(), one(mean));
                m.insert("std".into(), one(std));
                if let Some(k) = clip_sigma {
                    m.insert("clip_sigma".into(), json!(k));
                }
                json!({ "normal": m })
            }
            Dist::Choice(v) => json!({"choice": v.iter().map(|x| one(x)).collect::<Vec<_>>()}),
        }
    }
}

fn lo_hi(lo: &[f32], hi: &[f32]) -> Value {
    if lo.len() == 1 && hi.len() == 1 {
        json!([lo[0], hi[0]])
    } else {
        json!([lo, hi])
    }
}

type Fail = (String, String);

fn num(v: &Value, field: &str) -> Result<f32, Fail> {
    match v.as_f64() {
        Some(x) if x.is_finite() => Ok(x as f32),
        _ => Err((field.into(), format!("{v} is not a finite number"))),
    }
}

/// A number or an array of numbers.
fn nums(v: &Value, field: &str) -> Result<Vec<f32>, Fail> {
    match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| num(x, &format!("{field}[{i}]")))
            .collect(),
        _ => Ok(vec![num(v, field)?]),
    }
}

fn parse_dist(v: &Value) -> Result<Dist, Fail> {
    let o = v.as_object().filter(|o| o.len() == 1).ok_or_else(|| {
        (
            "dist".to_string(),
            format!(
                "{v}: one of {{\"uniform\"}}, {{\"loguniform\"}}, {{\"normal\"}}, {{\"choice\"}}"
            ),
        )
    })?;
    let (k, p) = o.iter().next().expect("one key");
    let pair = |name: &str| -> Result<(Vec<f32>, Vec<f32>), Fail> {
        let f = format!("dist.{name}");
        let a = p
            .as_array()
            .filter(|a| a.len() == 2)
            .ok_or_else(|| (f.clone(), format!("{p}: [lo, hi] or [[lo...], [hi...]]")))?;
        Ok((
            nums(&a[0], &format!("{f}[0]"))?,
            nums(&a[1], &format!("{f}[1]"))?,
        ))
    };
    match k.as_str() {
        "uniform" => {
            let (lo, hi) = pair("uniform")?;
            Ok(Dist::Uniform { lo, hi })
        }
        "loguniform" => {
            let (lo, hi) = pair("loguniform")?;
            Ok(Dist::LogUniform { lo, hi })
        }
        "normal" => {
            let o = p.as_object().ok_or_else(|| {
                (
                    "dist.normal".to_string(),
                    format!("{p}: {{\"mean\", \"std\", \"clip_sigma\"?}}"),
                )
            })?;
            for key in o.keys() {
                if !["mean", "std", "clip_sigma"].contains(&key.as_str()) {
                    return Err((
                        format!("dist.normal.{key}"),
                        "unknown key; allowed: mean, std, clip_sigma".into(),
                    ));
                }
            }
            let get = |n: &str| {
                o.get(n)
                    .ok_or_else(|| (format!("dist.normal.{n}"), "required".to_string()))
                    .and_then(|x| nums(x, &format!("dist.normal.{n}")))
            };
            Ok(Dist::Normal {
                mean: get("mean")?,
                std: get("std")?,
                clip_sigma: o
                    .get("clip_sigma")
                    .map(|x| num(x, "dist.normal.clip_sigma"))
                    .transpose()?,
            })
        }
        "choice" => {
            let a = p.as_array().filter(|a| !a.is_empty()).ok_or_else(|| {
                (
                    "dist.choice".to_string(),
                    format!("{p}: a non-empty array of values"),
                )
            })?;
            Ok(Dist::Choice(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| nums(x, &format!("dist.choice[{i}]")))
                    .collect::<Result<_, _>>()?,
            ))
        }
        other => Err((
            format!("dist.{other}"),
            "unknown distribution; allowed: uniform, loguniform, normal, choice".into(),
        )),
    }
}

fn parse_entry(v: &Value) -> Result<Entry, Fail> {
    let o = v
        .as_object()
        .ok_or_else(|| (String::new(), format!("{v}: an object")))?;
    for k in o.keys() {
        if !["field", "targets", "dist", "mode", "every", "adr"].contains(&k.as_str()) {
            return Err((
                k.clone(),
                "unknown key; allowed: field, targets, dist, mode, every, adr".into(),
            ));
        }
    }
    let fname = o
        .get("field")
        .and_then(Value::as_str)
        .ok_or_else(|| ("field".to_string(), "a field name is required".to_string()))?;
    let field = Field::parse(fname).ok_or_else(|| {
        (
            "field".to_string(),
            format!(
                "`{fname}` is not a field; allowed: {}",
                Field::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let targets = match o.get("targets") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, t)| {
                t.as_str()
                    .map(String::from)
                    .ok_or_else(|| (format!("targets[{i}]"), format!("{t}: a name or glob")))
            })
            .collect::<Result<_, _>>()?,
        Some(t) => return Err(("targets".into(), format!("{t}: an array of names"))),
    };
    let dist = parse_dist(
        o.get("dist")
            .ok_or_else(|| ("dist".to_string(), "required".to_string()))?,
    )?;
    let mode = match o.get("mode").map(|m| m.as_str()) {
        None => Mode::Set,
        Some(Some("set")) => Mode::Set,
        Some(Some("scale")) => Mode::Scale,
        Some(Some("add")) => Mode::Add,
        Some(_) => {
            return Err((
                "mode".into(),
                format!("{}: one of \"set\", \"scale\", \"add\"", o["mode"]),
            ))
        }
    };
    let every = match o.get("every") {
        None => None,
        Some(x) => match x.as_u64() {
            Some(k) if k >= 1 && k <= u32::MAX as u64 => Some(k as u32),
            _ => return Err(("every".into(), format!("{x}: a whole number of steps >= 1"))),
        },
    };
    let adr = match o.get("adr") {
        None => None,
        Some(a) => {
            let start = a
                .get("start")
                .and_then(Value::as_array)
                .filter(|s| s.len() == 2)
                .ok_or_else(|| ("adr.start".to_string(), "[lo, hi] is required".to_string()))?;
            Some(AdrEntry {
                start: [
                    num(&start[0], "adr.start[0]")?,
                    num(&start[1], "adr.start[1]")?,
                ],
                step: num(
                    a.get("step")
                        .ok_or_else(|| ("adr.step".to_string(), "required".to_string()))?,
                    "adr.step",
                )?,
            })
        }
    };
    Ok(Entry {
        field,
        targets,
        dist,
        mode,
        every,
        adr,
    })
}

fn parse_adr_config(v: &Value) -> Result<AdrConfig, Fail> {
    let o = v
        .as_object()
        .ok_or_else(|| (String::new(), format!("{v}: an object")))?;
    let mut c = AdrConfig::default();
    for (k, x) in o {
        match k.as_str() {
            "threshold_low" => c.threshold_low = num(x, k)?,
            "threshold_high" => c.threshold_high = num(x, k)?,
            "boundary_prob" => c.boundary_prob = num(x, k)?,
            "buffer" => {
                c.buffer = x
                    .as_u64()
                    .filter(|&b| b >= 1 && b <= u32::MAX as u64)
                    .ok_or_else(|| (k.clone(), format!("{x}: a whole number >= 1")))?
                    as u32
            }
            "signal" => {
                c.signal = match x.as_str() {
                    Some("return") => AdrSignal::Return,
                    Some("user") => AdrSignal::User,
                    _ => return Err((k.clone(), format!("{x}: \"return\" or \"user\""))),
                }
            }
            _ => {
                return Err((
                    k.clone(),
                    "unknown key; allowed: threshold_low, threshold_high, buffer, boundary_prob, signal"
                        .into(),
                ))
            }
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_example_parses_and_round_trips() {
        let text = r#"{"entries": [
          {"field": "geom.friction", "targets": ["box*"], "dist": {"uniform": [0.2, 1.2]}, "mode": "set"},
          {"field": "body.mass_scale", "targets": ["box0"], "dist": {"loguniform": [0.5, 2.0]}},
          {"field": "camera.pos", "targets": ["cam"], "dist": {"normal": {"mean": [0, 0, 0], "std": [0.02, 0.02, 0.02], "clip_sigma": 2}}, "mode": "add"},
          {"field": "geom.rgba", "targets": ["*"], "dist": {"choice": [[1, 0, 0, 1], [0, 0, 1, 1]]}, "every": 50}
        ]}"#;
        let s = Spec::from_json(text, "spec.json").unwrap();
        assert_eq!(s.entries.len(), 4);
        assert_eq!(s.entries[2].mode, Mode::Add);
        assert_eq!(s.entries[3].every, Some(50));
        let again = Spec::from_json(&s.to_json().to_string(), "x").unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn errors_name_entry_and_field() {
        let cases = [
            (
                r#"{"entries": [{"field": "geom.frictoin", "targets": ["a"], "dist": {"uniform": [0, 1]}}]}"#,
                "entries[0].field",
            ),
            (
                r#"{"entries": [{"field": "geom.friction", "targets": ["a"], "dist": {"uniform": [1, 0]}}]}"#,
                "entries[0] (geom.friction).dist",
            ),
            (
                r#"{"entries": [{}, {"field": "geom.rgba", "targets": ["a"], "dist": {"choice": [[1, 0]]}}]}"#,
                "entries[0].field",
            ),
            (
                r#"{"entries": [{"field": "geom.rgba", "targets": ["a"], "dist": {"choice": [[1, 0]]}}]}"#,
                "entries[0] (geom.rgba).dist.choice",
            ),
            (
                r#"{"entries": [{"field": "joint.qpos", "targets": ["a"], "dist": {"uniform": [0, 1]}, "every": 5}]}"#,
                "(joint.qpos).every",
            ),
            (
                r#"{"entries": [{"field": "option.gravity", "targets": ["a"], "dist": {"uniform": [0, 1]}}]}"#,
                "(option.gravity).targets",
            ),
            (
                r#"{"entries": [{"field": "geom.friction", "targets": ["a"], "dist": {"uniform": [0, 1]}, "mode": "mul"}]}"#,
                "entries[0].mode",
            ),
            (
                r#"{"entries": [{"field": "geom.friction", "targets": ["a"], "dist": {"loguniform": [0, 1]}}]}"#,
                "dist.loguniform",
            ),
            (
                r#"{"entries": [{"field": "geom.friction", "targets": ["a"], "dist": {"normal": {"mean": 0, "std": -1}}}]}"#,
                "dist.normal.std",
            ),
            (
                r#"{"entries": [{"field": "geom.friction", "targets": ["a"], "dist": {"uniform": [0, 1]}, "adr": {"start": [2, 3], "step": 0.1}}]}"#,
                "(geom.friction).adr",
            ),
            (
                r#"{"entries": [{"field": "geom.friction", "targets": ["a"], "dist": {"uniform": [0, 1]}, "every": 0}]}"#,
                "entries[0].every",
            ),
            (r#"{"entries": []"#, "line"),
        ];
        for (text, needle) in cases {
            let e = Spec::from_json(text, "spec.json").unwrap_err().to_string();
            assert!(
                e.contains(needle),
                "{text}\n  -> {e}\n  (wanted `{needle}`)"
            );
            assert!(e.contains("spec.json") || e.contains("randomize"), "{e}");
        }
    }
}
