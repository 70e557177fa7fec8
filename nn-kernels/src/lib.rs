//! SIMD kernels of the [`nn`](https://docs.rs/nn) crate's dense layers, on
//! row-major slices, chosen at run time by `nn-core`'s `kernel` module.
//!
//! A crate of their own so that the workspace's debug (test) profile can
//! optimize them (`[profile.dev.package.nn-kernels]`) while `nn-core` stays a
//! plain debug build, and so that they are compiled once, whatever the
//! network shapes. The specification they are tested against is
//! `nn_core::kernel::scalar` (tests in `nn-core`).
#![forbid(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

#[cfg(target_arch = "x86_64")]
pub mod x86;
