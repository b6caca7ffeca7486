// The per-dispatch parameters and per-world bookkeeping every env kernel shares.
// Rust twins: src/layout/mod.rs (StepParams, WorldClock).

struct StepParams {
    mode: u32,
    steps: u32,
    autoreset: u32,
    num_worlds: u32,
    key: vec4<u32>,
}

// elapsed: steps in the episode in bits 0..30, CLOCK_DONE in bit 31.
struct WorldClock {
    elapsed: u32,
    episode: u32,
}
