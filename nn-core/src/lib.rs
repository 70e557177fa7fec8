//! Core of the [`nn`](https://docs.rs/nn) crate: const-generic layers, slice-based
//! kernels, losses, optimizers and the batched backpropagation that the
//! `network!` macro wires together.
//!
//! `#![no_std]`: without features this crate builds for bare-metal targets
//! (`thumbv6m-none-eabi`, `thumbv7em-none-eabihf`) and can both run and train a
//! network on caller-provided buffers. The `alloc` feature adds boxed networks
//! and owned optimizer state; `std` (default) adds `std::error::Error` and the
//! conveniences built on files and threads.
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_op_in_unsafe_fn)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod activation;
pub mod arch;
pub mod baked;
#[cfg(feature = "std")]
pub mod checkpoint;
#[cfg(feature = "alloc")]
pub mod data;
mod error;
#[cfg(feature = "std")]
pub mod fit;
pub mod init;
#[cfg(feature = "alloc")]
pub mod io;
pub mod kernel;
pub mod layer;
pub mod loss;
mod math;
mod network;
pub mod optim;
#[cfg(feature = "parallel")]
pub mod parallel;
pub mod quant;
pub mod regularize;
mod rng;
#[cfg(feature = "safetensors")]
pub mod safetensors;
pub mod schedule;
#[cfg(feature = "alloc")]
mod scratch;
mod subnormal;

pub use activation::{
    Activation, ChannelPReLU, Identity, LeakyReLU, PReLU, ReLU, Sigmoid, Softmax, Softplus, Step, Tanh, ELU,
};
pub use error::{Error, Result};
pub use init::Init;
pub use layer::{
    ActivationLayer, AvgPool2d, BatchNorm, Chain, Conv2d, Dense, DropConnect, Dropout, Flatten, ImageInput, Layer,
    MaxPool2d, Maxout, Residual,
};
pub use loss::{
    BinaryCrossEntropy, CrossEntropy, EpsilonInsensitive, Hinge, Huber, LogCosh, Loss, Mae, Mse, MultiClassHinge,
    Quantile, SumSquaredError,
};
#[cfg(feature = "alloc")]
pub use network::Grads;
pub use network::{put_state, take_state, Mode, Network, Summary, PREDICT_CHUNK};
pub use optim::{Adagrad, Adam, AdamW, BoldDriver, NAdam, Optimizer, RmsProp, Scalar, Sgd, SnapshotBuffer, Verdict};
pub use regularize::{clip_grad_norm, clip_grad_value, Penalty};
pub use rng::{rng, Rng};
pub use schedule::{
    CosineAnnealingLr, ExponentialLr, InverseTimeLr, PlateauMode, ReduceLrOnPlateau, Schedule, StepLr, ThresholdMode,
};

/// Converts an `f32` to the `u32` bits used as a const generic argument
/// (stable Rust has no float const generics): `Dropout<N, { f32_bits(0.5) }>`.
pub const fn f32_bits(x: f32) -> u32 {
    x.to_bits()
}

/// The inverse of [`f32_bits`].
pub const fn f32_from_bits(bits: u32) -> f32 {
    f32::from_bits(bits)
}
