//! Dense-layer kernels on row-major slices.
//!
//! The kernels take slices and sizes, not const generics, so that every new
//! network shape reuses the same compiled code. Two implementations:
//!
//! - [`scalar`]: portable, with a fixed and documented summation order; the
//!   specification, and the only path without the `std` feature (bare metal).
//! - [`gemm`] (feature `std`): the `matrixmultiply` crate's register-blocked
//!   SIMD GEMM with run-time CPU-feature detection, used for batches. It is
//!   tested against `scalar` on awkward sizes.
//!
//! The functions here pick one: batches of at least [`GEMM_MIN_BATCH`] rows go
//! to the GEMM when it is available; single samples (`predict`) always use the
//! scalar dot products, which are exact matrix-vector products.

#[cfg(feature = "std")]
pub mod gemm;
pub mod scalar;

pub use scalar::{axpy, dot};

/// Smallest batch that the GEMM path handles (below it, the scalar kernels win).
pub const GEMM_MIN_BATCH: usize = 4;

#[cfg(feature = "std")]
#[inline]
fn use_gemm(batch: usize) -> bool {
    batch >= GEMM_MIN_BATCH
}

/// `z[s][o] = b[o] + Σ_i w[o][i] x[s][i]` for every row `s` of `x`.
pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], z: &mut [f32], n_in: usize, n_out: usize) {
    #[cfg(feature = "std")]
    if use_gemm(z.len() / n_out.max(1)) {
        return gemm::dense_forward(x, w, b, z, n_in, n_out);
    }
    scalar::dense_forward(x, w, b, z, n_in, n_out)
}

/// `dw[o][i] += Σ_s dz[s][o] x[s][i]`, `db[o] += Σ_s dz[s][o]`.
pub fn dense_backward_params(x: &[f32], dz: &[f32], dw: &mut [f32], db: &mut [f32], n_in: usize, n_out: usize) {
    #[cfg(feature = "std")]
    if use_gemm(dz.len() / n_out.max(1)) {
        return gemm::dense_backward_params(x, dz, dw, db, n_in, n_out);
    }
    scalar::dense_backward_params(x, dz, dw, db, n_in, n_out)
}

/// `dx[s][i] = Σ_o dz[s][o] w[o][i]` (overwrites `dx`).
pub fn dense_backward_input(dz: &[f32], w: &[f32], dx: &mut [f32], n_in: usize, n_out: usize) {
    #[cfg(feature = "std")]
    if use_gemm(dz.len() / n_out.max(1)) {
        return gemm::dense_backward_input(dz, w, dx, n_in, n_out);
    }
    scalar::dense_backward_input(dz, w, dx, n_in, n_out)
}
