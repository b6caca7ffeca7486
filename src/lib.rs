//! manyworlds: a batched simulation and rendering engine for robot learning.
//!
//! Thousands of independent worlds are stepped at once by WGSL compute shaders through
//! wgpu, on Vulkan, Metal, DX12 or, on machines without a GPU, Mesa's lavapipe.
//!
//! The pieces, from the bottom up:
//! - [`gpu`]: the only module that creates wgpu objects (adapter choice, typed buffers,
//!   kernels built from binding tables, shader composition, pipelined readback).
//! - [`layout`]: `#[repr(C)]` twins of every WGSL struct, checked against naga's layouter.
//! - [`shared`]: bit-identical Rust twins of the WGSL helpers in `shaders/shared/`
//!   (the counter-based RNG and the sine/cosine used by every kernel).
//! - [`sim`]: the Model of a scene; [`mjcf`]: loads MuJoCo's XML format into it.
//! - [`randomize`]: domain randomization on the GPU (specs, sampling, ADR).
//! - [`env`](mod@env): the batched environment API with Gymnasium vector-env semantics, the
//!   registry, and one file per environment.
//! - [`dataset`]: the labelled dataset format `manyworlds gen-data` writes (frame labels,
//!   manifest, file names), beside `env` at the top.
//! - [`demos`]: scripted experts, episode recording and replay, and (feature `hdf5`) the
//!   robomimic HDF5 files `manyworlds demos` writes, beside `env` at the top.
//!
//! ```no_run
//! use manyworlds::env::{self, EnvConfig};
//!
//! # fn main() -> Result<(), manyworlds::Error> {
//! let gpu = manyworlds::gpu::Gpu::new()?;
//! let mut env = env::make(&gpu, "cartpole", &EnvConfig::new(1024))?;
//! env.reset(7)?;
//! let actions = vec![1.0_f32; 1024];
//! let step = env.step(&actions)?;
//! assert_eq!(step.rewards.len(), 1024);
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub mod dataset;
pub mod demos;
pub mod env;
mod error;
pub mod gpu;
pub mod layout;
pub mod mjcf;
pub mod randomize;
pub mod render;
pub mod shared;
pub mod sim;

pub use error::Error;

/// Compiles and runs the README's Rust example as a doctest, so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
/// The wgpu version our buffers belong to, for embedders who use them directly.
pub use wgpu;
