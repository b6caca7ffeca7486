//! Bit-identical Rust twins of the WGSL helpers in `shaders/shared/`.
//!
//! Kernels and their CPU references call the same functions, so a CPU reference differs
//! from the GPU only where the GPU compiler fuses a multiply and an add (allowed by WGSL).

pub mod math;
pub mod rng;
