//! The randomization spec: which fields, of which named things, drawn from which
//! distribution, applied how and when. Built in Rust ([`Spec::entry`]) or read from JSON
//! ([`Spec::from_json`]); the JSON shape is the one in the README.

use crate::Error;
use serde_json::{json, Map, Value};

/// What a field's targets name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// MJCF geoms.
    Geom,
    /// MJCF bodies.
    Body,
    /// MJCF joints.
    Joint,
    /// MJCF actuators.
    Actuator,
    /// MJCF lights.
    Light,
    /// Rendered cameras (MJCF cameras by name).
    Camera,
    /// Nothing: a setting of the whole world (targets left out, or `["*"]`).
    World,
}

/// When a field takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldGroup {
    /// Dynamics parameters (the Model).
    Physics,
    /// The state an episode starts from.
    Initial,
    /// What the renderer draws.
    Looks,
    /// Noise and latency on observations, images and actions.
    Noise,
}

macro_rules! fields {
    ($($variant:ident = $code:literal, $name:literal, $kind:ident, $n:literal, $group:ident, $nominal:literal, $doc:literal;)*) => {
        /// The randomizable fields: a fixed vocabulary (README, "Domain randomization").
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $(#[doc = $doc] $variant,)*
        }

        impl Field {
            /// Every field, in application order.
            pub const ALL: &'static [Field] = &[$(Field::$variant,)*];

            /// The name used in specs and records (`geom.friction`).
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name,)* }
            }

            /// The code the kernels switch on (`layout::randomize::F_*`).
            pub fn code(self) -> u32 {
                match self { $(Field::$variant => $code,)* }
            }

            /// What the targets name.
            pub fn target_kind(self) -> TargetKind {
                match self { $(Field::$variant => TargetKind::$kind,)* }
            }

            /// Components of one value.
            pub fn components(self) -> usize {
                match self { $(Field::$variant => $n,)* }
            }

            /// When it takes effect.
            pub fn group(self) -> FieldGroup {
                match self { $(Field::$variant => FieldGroup::$group,)* }
            }

            /// Whether the nominal value is the scene's own (`false`: the fixed
            /// [`Field::fixed_nominal`], e.g. 1 for scales and 0 for noise).
            pub fn nominal_from_scene(self) -> bool {
                match self { $(Field::$variant => $nominal,)* }
            }
        }
    };
}

fields! {
    GeomFriction = 0, "geom.friction", Geom, 1, Physics, true, "Sliding friction coefficient (MJCF `friction[0]`).";
    GeomSizeScale = 1, "geom.size_scale", Geom, 1, Physics, false, "Scale of the geom's sizes (collision and rendering; the body's mass is kept). Nominal 1.";
    GeomRestitution = 2, "geom.restitution", Geom, 1, Physics, true, "Coefficient of restitution (0: inelastic).";
    BodyMassScale = 3, "body.mass_scale", Body, 1, Physics, false, "Scale of the mass and inertia of the body that moves (a jointed body, with the bodies welded to it). Nominal 1.";
    JointDamping = 4, "joint.damping", Joint, 1, Physics, true, "Viscous damping, N·s/m or N·m·s/rad.";
    JointArmature = 5, "joint.armature", Joint, 1, Physics, true, "Rotor inertia of a hinge, kg·m² (added along the hinge axis to the principal moments).";
    ActuatorGain = 6, "actuator.gain", Actuator, 1, Physics, true, "MuJoCo's gain: 1 for motors (force = gear · gain · ctrl), kp for position servos.";
    OptionGravity = 7, "option.gravity", World, 3, Physics, true, "Gravity, m/s².";
    OptionTimestep = 8, "option.timestep", World, 1, Physics, true, "MJCF timestep, s (the control step and its substeps scale with it).";
    BodyPos = 9, "body.pos", Body, 3, Initial, true, "Initial position of a free body's frame in the world, m.";
    BodyQuat = 10, "body.quat", Body, 4, Initial, true, "Initial orientation of a free body (w, x, y, z; normalised after drawing).";
    JointQpos = 11, "joint.qpos", Joint, 1, Initial, true, "Initial position of a hinge (rad) or slide (m).";
    JointQvel = 12, "joint.qvel", Joint, 1, Initial, false, "Initial velocity of a hinge (rad/s) or slide (m/s). Nominal 0.";
    GeomRgba = 13, "geom.rgba", Geom, 4, Looks, true, "Colour, linear RGBA in [0, 1].";
    LightDir = 14, "light.dir", Light, 3, Looks, true, "Light direction in its body's frame (normalised).";
    LightDiffuse = 15, "light.diffuse", Light, 3, Looks, true, "Diffuse colour of a light.";
    CameraPos = 16, "camera.pos", Camera, 3, Looks, true, "Camera position in its body's frame, m.";
    CameraFovy = 17, "camera.fovy", Camera, 1, Looks, true, "Vertical field of view, degrees.";
    ObsNoiseStd = 18, "obs.noise_std", World, 1, Noise, false, "Standard deviation of Gaussian noise on every observation entry (fresh each step). Nominal 0.";
    DepthNoiseStd = 19, "depth.noise_std", World, 1, Noise, false, "Standard deviation of Gaussian noise on every depth pixel that sees a surface, m. Nominal 0.";
    ActionNoiseStd = 20, "action.noise_std", World, 1, Noise, false, "Standard deviation of Gaussian noise on every control (fresh each step, before clamping). Nominal 0.";
    ActionLatency = 21, "action.latency", World, 1, Noise, false, "Steps between an action and its effect (rounded to an integer, at most `MAX_LATENCY`). Nominal 0.";
}

impl Field {
    /// Looks a field up by name.
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// The nominal value of fields whose nominal is not the scene's (scales 1, the rest 0).
    pub fn fixed_nominal(self) -> f32 {
        match self {
            Field::GeomSizeScale | Field::BodyMassScale => 1.0,
            _ => 0.0,
        }
    }
}

/// How a drawn number becomes the field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// value = draw.
    #[default]
    Set,
    /// value = nominal × draw.
    Scale,
    /// value = nominal + draw.
    Add,
}

impl Mode {
    /// The spec's name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Set => "set",
            Mode::Scale => "scale",
            Mode::Add => "add",
        }
    }
}

/// A distribution. Parameters are per component; one number is used for every component
/// (each component still gets its own draw).
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Uniform on `[lo, hi)`.
    Uniform {
        /// Lower bounds.
        lo: Vec<f32>,
        /// Upper bounds.
        hi: Vec<f32>,
    },
    /// `exp(uniform(ln lo, ln hi))`, for positive scales.
    LogUniform {
        /// Lower bounds (> 0).
        lo: Vec<f32>,
        /// Upper bounds.
        hi: Vec<f32>,
    },
    /// Gaussian, clamped to `mean ± clip_sigma · std` when `clip_sigma` is given.
    Normal {
        /// Means.
        mean: Vec<f32>,
        /// Standard deviations (≥ 0).
        std: Vec<f32>,
        /// Clamp bound in standard deviations.
        clip_sigma: Option<f32>,
    },
    /// One of the listed values, with equal probability (all components together).
    Choice(Vec<Vec<f32>>),
}

impl Dist {
    /// Uniform on `[lo, hi)` for every component.
    pub fn uniform(lo: f32, hi: f32) -> Dist {
        Dist::Uniform {
            lo: vec![lo],
            hi: vec![hi],
        }
    }

    /// Log-uniform on `[lo, hi)` for every component.
    pub fn loguniform(lo: f32, hi: f32) -> Dist {
        Dist::LogUniform {
            lo: vec![lo],
            hi: vec![hi],
        }
    }

    /// Gaussian for every component, optionally clamped at `clip_sigma` standard deviations.
    pub fn normal(mean: f32, std: f32, clip_sigma: Option<f32>) -> Dist {
        Dist::Normal {
            mean: vec![mean],
            std: vec![std],
            clip_sigma,
        }
    }

    /// One of `values`.
    pub fn choice(values: Vec<Vec<f32>>) -> Dist {
        Dist::Choice(values)
    }

    /// The smallest and largest value a component can take (±∞ for an unclipped normal).
    pub fn bounds(&self, c: usize) -> (f32, f32) {
        let at = |v: &[f32]| v[if v.len() == 1 { 0 } else { c }];
        match self {
            Dist::Uniform { lo, hi } | Dist::LogUniform { lo, hi } => (at(lo), at(hi)),
            Dist::Normal {
                mean,
                std,
                clip_sigma,
            } => match clip_sigma {
                Some(k) => (at(mean) - k * at(std), at(mean) + k * at(std)),
                None => (f32::NEG_INFINITY, f32::INFINITY),
            },
            Dist::Choice(v) => v
                .iter()
                .map(|x| at(x))
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), x| {
                    (a.min(x), b.max(x))
                }),
        }
    }

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

/// Automatic domain randomization of one entry (OpenAI et al., "Solving Rubik's Cube with
/// a Robot Hand", 2019): its range starts at `start` and moves, one `step` at a time,
/// between `start` and the entry's uniform bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdrEntry {
    /// The initial range `[lo, hi]` (inside the entry's uniform bounds).
    pub start: [f32; 2],
    /// How far a boundary moves per decision.
    pub step: f32,
}

/// Where the ADR performance signal comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdrSignal {
    /// The episode's return (sum of rewards), recorded when the episode ends.
    #[default]
    Return,
    /// A per-world value the learner writes (`SceneEnv::set_adr_signal`), read when the
    /// world's episode ends.
    User,
}

/// The ADR thresholds and buffer, shared by every ADR entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdrConfig {
    /// A boundary whose mean signal falls below this moves inward (narrows).
    pub threshold_low: f32,
    /// A boundary whose mean signal rises above this moves outward (widens).
    pub threshold_high: f32,
    /// Signals averaged per boundary before a decision (OpenAI's buffer length m).
    pub buffer: u32,
    /// Probability that a resetting world pins one ADR parameter at a boundary (OpenAI's
    /// p_b; they used 0.5).
    pub boundary_prob: f32,
    /// Where the signal comes from.
    pub signal: AdrSignal,
}

impl Default for AdrConfig {
    /// OpenAI's defaults where the paper gives them (p_b 0.5); thresholds for a signal in
    /// [0, 1] such as a success rate, and a buffer of 32 episodes.
    fn default() -> Self {
        AdrConfig {
            threshold_low: 0.2,
            threshold_high: 0.8,
            buffer: 32,
            boundary_prob: 0.5,
            signal: AdrSignal::Return,
        }
    }
}

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
