//! Dense-layer kernels on row-major slices.
//!
//! The kernels take slices and sizes, not const generics, so that every new
//! network shape reuses the same compiled code. Three implementations:
//!
//! - [`scalar`]: portable, with a fixed and documented summation order; the
//!   specification, and the only path without the `std` feature (bare metal).
//! - [`x86`] (feature `std`, x86-64 with AVX and FMA, detected at run time):
//!   register-blocked dot products (forward, and the matrix-vector product of
//!   a single sample) and outer products (gradients) on the slices in place,
//!   summing in the scalar order (with fused multiply-adds). No allocation.
//! - [`gemm`] (feature `std`): the `matrixmultiply` crate's packed SIMD GEMM,
//!   for batches of at least [`GEMM_MIN_BATCH`] rows where the AVX kernels
//!   are not available (other architectures, x86-64 without FMA). It
//!   allocates its packing buffers on every call.
//!
//! The functions here pick one ([`active`]). Each fast kernel is tested
//! against `scalar` on awkward sizes. With `std`, the environment variable
//! `NN_KERNEL=scalar|gemm|x86`, read once, forces a choice (for benchmarks
//! and debugging; an unavailable choice falls back to `scalar`).

#[cfg(feature = "std")]
pub mod gemm;
pub mod scalar;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub mod x86;

pub use scalar::{axpy, dot};

/// Smallest batch that the `matrixmultiply` path handles (below it, the
/// scalar kernels win).
pub const GEMM_MIN_BATCH: usize = 4;

/// The kernels that [`dense_forward`] and the gradients use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernels {
    /// [`scalar`] for every batch.
    Scalar,
    /// [`gemm`] for batches of at least [`GEMM_MIN_BATCH`], [`scalar`] below.
    Gemm,
    /// [`x86`] for every batch.
    X86,
}

/// The kernels in use on this machine and build.
#[inline]
pub fn active() -> Kernels {
    #[cfg(feature = "std")]
    {
        use core::sync::atomic::{AtomicU8, Ordering};
        static CHOICE: AtomicU8 = AtomicU8::new(0); // 0: not decided yet
        match CHOICE.load(Ordering::Relaxed) {
            1 => Kernels::Scalar,
            2 => Kernels::Gemm,
            3 => Kernels::X86,
            _ => {
                let k = choose();
                CHOICE.store(k as u8 + 1, Ordering::Relaxed);
                k
            }
        }
    }
    #[cfg(not(feature = "std"))]
    {
        Kernels::Scalar
    }
}

#[cfg(feature = "std")]
#[cold]
fn choose() -> Kernels {
    #[cfg(target_arch = "x86_64")]
    let x86 = x86::available();
    #[cfg(not(target_arch = "x86_64"))]
    let x86 = false;
    match std::env::var("NN_KERNEL").as_deref() {
        Ok("scalar") => Kernels::Scalar,
        Ok("gemm") => Kernels::Gemm,
        Ok("x86") if x86 => Kernels::X86,
        Ok("x86") => Kernels::Scalar,
        _ if x86 => Kernels::X86,
        _ => Kernels::Gemm,
    }
}

/// `z[s][o] = b[o] + Σ_i w[o][i] x[s][i]` for every row `s` of `x`.
pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], z: &mut [f32], n_in: usize, n_out: usize) {
    match active() {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::X86 if n_in > 0 => x86::dense_forward(x, w, b, z, n_in, n_out),
        #[cfg(feature = "std")]
        Kernels::Gemm if z.len() / n_out.max(1) >= GEMM_MIN_BATCH => gemm::dense_forward(x, w, b, z, n_in, n_out),
        _ => scalar::dense_forward(x, w, b, z, n_in, n_out),
    }
}

/// `dw[o][i] += Σ_s dz[s][o] x[s][i]`, `db[o] += Σ_s dz[s][o]`.
pub fn dense_backward_params(x: &[f32], dz: &[f32], dw: &mut [f32], db: &mut [f32], n_in: usize, n_out: usize) {
    match active() {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::X86 if n_in > 0 => x86::dense_backward_params(x, dz, dw, db, n_in, n_out),
        #[cfg(feature = "std")]
        Kernels::Gemm if dz.len() / n_out.max(1) >= GEMM_MIN_BATCH => {
            gemm::dense_backward_params(x, dz, dw, db, n_in, n_out)
        }
        _ => scalar::dense_backward_params(x, dz, dw, db, n_in, n_out),
    }
}

/// `dx[s][i] = Σ_o dz[s][o] w[o][i]` (overwrites `dx`).
pub fn dense_backward_input(dz: &[f32], w: &[f32], dx: &mut [f32], n_in: usize, n_out: usize) {
    match active() {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::X86 if n_in > 0 => x86::dense_backward_input(dz, w, dx, n_in, n_out),
        #[cfg(feature = "std")]
        Kernels::Gemm if dz.len() / n_out.max(1) >= GEMM_MIN_BATCH => {
            gemm::dense_backward_input(dz, w, dx, n_in, n_out)
        }
        _ => scalar::dense_backward_input(dz, w, dx, n_in, n_out),
    }
}
