//! Automatic domain randomization settings: per entry ([`AdrEntry`]) and shared
//! ([`AdrConfig`]).

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
