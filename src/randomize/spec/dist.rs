//! Distributions ([`Dist`]) and how a draw becomes a field's value ([`Mode`]).

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
}
