//! Dense-layer kernels on row-major slices.
//!
//! The kernels take slices and sizes, not const generics, so that every new
//! network shape reuses the same compiled code. The implementations:
//!
//! - [`scalar`]: portable, with a fixed and documented summation order; the
//!   specification, and the only path without the `std` feature (bare metal).
//! - [`x86`] (feature `std`, x86-64 with AVX and FMA, detected at run time):
//!   register-blocked dot products (forward, and the matrix-vector product of
//!   a single sample) summing in the scalar order (with fused multiply-adds),
//!   and outer products (gradients) summing in chunks of
//!   [`x86::GRADIENT_CHUNK`] terms, on the slices in place. No allocation.
//! - [`x86::avx512`] (feature `std`, x86-64 with AVX-512F, detected at run
//!   time; the default there): the forward pass on 512-bit registers, each
//!   holding the partial sums of two dot products, so the same order and the
//!   same bits as [`x86`]; the sparse gradients (mostly zero `δ`) with 16
//!   columns per register (each value summed as in [`x86`]: the same bits);
//!   small batches and the dense gradients go to [`x86`]. Batches of layers
//!   of up to 512 KiB of weights go faster on a thread that has a packing
//!   buffer ([`reserve_packing`]: the allocating conveniences give their
//!   thread one); the kernel itself never allocates.
//! - [`gemm`] (feature `std`): the `matrixmultiply` crate's packed SIMD GEMM,
//!   for batches of at least [`GEMM_MIN_BATCH`] rows where the AVX kernels
//!   are not available (other architectures, x86-64 without FMA). It
//!   allocates its packing buffers on every call.
//!
//! The functions here pick one ([`active`]). Each fast kernel is tested
//! against `scalar` on awkward sizes. With `std`, the environment variable
//! `NN_KERNEL=scalar|gemm|x86|avx512`, read once, forces a choice (for
//! benchmarks and debugging; `x86`, also spelled `avx2`, is the AVX+FMA
//! kernels without AVX-512; an unavailable choice falls back to `scalar`).

pub mod conv;
#[cfg(feature = "std")]
pub mod gemm;
pub mod scalar;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub use nn_kernels::x86;

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
    /// [`x86::avx512`] for every batch (the same bits as [`Kernels::X86`]).
    Avx512,
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
            4 => Kernels::Avx512,
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
    let (x86, avx512) = (x86::available(), x86::avx512::available());
    #[cfg(not(target_arch = "x86_64"))]
    let (x86, avx512) = (false, false);
    match std::env::var("NN_KERNEL").as_deref() {
        Ok("scalar") => Kernels::Scalar,
        Ok("gemm") => Kernels::Gemm,
        Ok("x86" | "avx2") if x86 => Kernels::X86,
        Ok("avx512") if avx512 => Kernels::Avx512,
        Ok("x86" | "avx2" | "avx512") => Kernels::Scalar,
        _ if avx512 => Kernels::Avx512,
        _ if x86 => Kernels::X86,
        _ => Kernels::Gemm,
    }
}

/// Gives the calling thread the AVX-512 forward kernel's packing buffer
/// (512 KiB, allocated once per thread; nothing elsewhere, or when another
/// [`Kernels`] is [`active`]): batches of layers of up to 512 KiB of
/// weights and 1,024 inputs, at batches of 128 or more, then go through it
/// by panels of 6 samples that stay in L1 (the same bits; MNIST's forward
/// pass 1.07× as fast at batch 256, 1.12–1.15× at 10,000 on an Intel Xeon,
/// see `nn_kernels::x86::avx512::reserve_packing`). The allocating conveniences (`predict_batch`,
/// `train_step`, `fit`, ...) call it for their thread; the `*_in` methods,
/// which never allocate, use the buffer when their thread has one, so a
/// program that only calls those can call this once per thread first.
///
/// ```
/// nn_core::kernel::reserve_packing(); // allocates at most once per thread
/// nn_core::kernel::reserve_packing(); // a no-op now
/// ```
pub fn reserve_packing() {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if active() == Kernels::Avx512 {
        x86::avx512::reserve_packing();
    }
}

/// [`dense_forward`] of a layer's own weights (the built-in layers'
/// batched forward passes): inside [`with_constant_weights`], the AVX-512
/// kernel keeps the weights it packs for the next chunk of samples.
pub(crate) fn dense_forward_layer(x: &[f32], w: &[f32], b: &[f32], z: &mut [f32], n_in: usize, n_out: usize) {
    forward_layer(x, w, b, z, n_in, n_out, None);
}

/// An activation's forward pass on some whole rows of a batch: `f(z, y)`
/// with `z` their pre-activations and `y` their outputs.
pub(crate) type ActRows<'a> = dyn Fn(&[f32], &mut [f32]) + Sync + 'a;

/// [`dense_forward_layer`], then `act` into `y` (`batch × n_out` values)
/// on each piece of rows where the `parallel` feature splits the batch by
/// samples, in the piece that computed them (no join of its own, and for a
/// layer like MNIST's softmax output, no pass on the calling thread alone).
/// Returns whether it ran `act`; if not, the caller does.
pub(crate) fn dense_forward_layer_then(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    z: &mut [f32],
    (n_in, n_out): (usize, usize),
    y: &mut [f32],
    act: &ActRows<'_>,
) -> bool {
    forward_layer(x, w, b, z, n_in, n_out, Some((y, act)))
}

/// [`dense_forward_layer`] and, if given, the activation of
/// [`dense_forward_layer_then`]; whether that ran.
fn forward_layer(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    z: &mut [f32],
    n_in: usize,
    n_out: usize,
    then: Option<(&mut [f32], &ActRows<'_>)>,
) -> bool {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if active() == Kernels::Avx512 && n_in > 0 {
        #[cfg(feature = "parallel")]
        if let Some(ran) = crate::parallel::units::forward(x, w, b, z, (n_in, n_out), true, then) {
            return ran;
        }
        x86::avx512::dense_forward_layer(x, w, b, z, n_in, n_out);
        return false;
    }
    forward(x, w, b, z, n_in, n_out, then)
}

/// Rows `rows` of [`dense_forward_layer`] over the `batch` samples of `x`
/// (`z` holds just those rows), with that call's bits when `rows.start` is
/// a multiple of [`FORWARD_ROWS_ALIGN`]: a piece of a batch split by
/// samples (the AVX-512 kernel chooses its path on the whole batch, as the
/// whole call does; the other kernels give the same bits for any rows).
#[cfg(feature = "parallel")]
pub(crate) fn dense_forward_layer_rows(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    z: &mut [f32],
    (batch, n_in, n_out): (usize, usize, usize),
    rows: core::ops::Range<usize>,
) {
    #[cfg(target_arch = "x86_64")]
    if active() == Kernels::Avx512 && n_in > 0 {
        // this thread's packing buffer, so that its rows go by nonzero
        // inputs if the whole call would (once per thread)
        reserve_packing();
        return x86::avx512::dense_forward_layer_rows(x, w, b, z, (batch, n_in, n_out), rows);
    }
    let _ = batch;
    dense_forward(&x[rows.start * n_in..rows.end * n_in], w, b, &mut z[..rows.len() * n_out], n_in, n_out)
}

/// Samples at which pieces of a batch given to [`dense_forward_layer_rows`]
/// start (multiples of it).
#[cfg(feature = "parallel")]
pub(crate) const FORWARD_ROWS_ALIGN: usize = {
    #[cfg(target_arch = "x86_64")]
    {
        x86::avx512::ROWS_ALIGN
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        1
    }
};

/// Runs `f` with the AVX-512 forward kernel keeping, on this thread, the
/// weights it packs in [`dense_forward_layer`] calls for layers inside
/// `network` (elsewhere just `f`): `predict_batch` runs its chunks of
/// samples in one.
///
/// # Safety
/// While `f` runs, `network`'s memory does not change: it is borrowed
/// shared, and `f` changes no weights inside it through interior
/// mutability (`nn_kernels::x86::avx512::with_constant_weights`).
#[cfg(feature = "alloc")]
pub(crate) unsafe fn with_constant_weights<T: ?Sized, R>(network: &T, f: impl FnOnce() -> R) -> R {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if active() == Kernels::Avx512 {
        let start = (network as *const T).cast::<u8>() as usize;
        let within = start..start + core::mem::size_of_val(network);
        // SAFETY: the caller's.
        return unsafe { x86::avx512::with_constant_weights(within, f) };
    }
    let _ = network;
    f()
}

/// `z[s][o] = b[o] + Σ_i w[o][i] x[s][i]` for every row `s` of `x`.
pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], z: &mut [f32], n_in: usize, n_out: usize) {
    forward(x, w, b, z, n_in, n_out, None);
}

/// [`dense_forward`] and, if given, the activation of
/// [`dense_forward_layer_then`]; whether that ran.
fn forward(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    z: &mut [f32],
    n_in: usize,
    n_out: usize,
    then: Option<(&mut [f32], &ActRows<'_>)>,
) -> bool {
    #[cfg(feature = "parallel")]
    if let Some(ran) = crate::parallel::units::forward(x, w, b, z, (n_in, n_out), false, then) {
        return ran;
    }
    #[cfg(not(feature = "parallel"))]
    let _ = then;
    match active() {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::X86 if n_in > 0 => x86::dense_forward(x, w, b, z, n_in, n_out),
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::Avx512 if n_in > 0 => x86::avx512::dense_forward(x, w, b, z, n_in, n_out),
        #[cfg(feature = "std")]
        Kernels::Gemm if z.len() / n_out.max(1) >= GEMM_MIN_BATCH => gemm::dense_forward(x, w, b, z, n_in, n_out),
        _ => scalar::dense_forward(x, w, b, z, n_in, n_out),
    }
    false
}

/// `v[i] ← e^v[i]`, with the bits of `libm::expf` on every path: 8 lanes at
/// a time with AVX2 (`nn_kernels::x86::exp`, unless `NN_KERNEL=scalar`),
/// else `libm::expf` on each value.
///
/// ```
/// let mut v = [0.0f32, 1.0, -1.0, -200.0];
/// nn_core::kernel::exp_in_place(&mut v);
/// assert_eq!(v, [1.0, libm::expf(1.0), libm::expf(-1.0), 0.0]);
/// ```
pub fn exp_in_place(v: &mut [f32]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if active() != Kernels::Scalar && x86::exp::available() {
        return x86::exp::exp_in_place(v);
    }
    for v in v {
        *v = libm::expf(*v);
    }
}

/// An element-wise activation applied as a dense kernel stores its outputs
/// (see [`dense_forward_one`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Epilogue {
    /// `f(z) = z`.
    Identity,
    /// `f(z) = max(0, z)`, written `if z <= 0 { 0 } else { z }` as
    /// [`ReLU`](crate::ReLU) (NaN stays NaN).
    ReLU,
}

impl Epilogue {
    /// `f(z)`.
    #[inline]
    pub fn apply(self, z: f32) -> f32 {
        match self {
            Epilogue::Identity => z,
            Epilogue::ReLU if z <= 0.0 => 0.0,
            Epilogue::ReLU => z,
        }
    }
}

/// One sample: `y[o] = f(b[o] + Σ_i w[o][i] x[i])` with `x.len()` inputs
/// and `y.len()` outputs. [`dense_forward`] on a batch of one followed by the
/// activation `f` (the same bits); on the portable path in one pass, with no
/// batch loop (the smallest code, for microcontrollers).
pub fn dense_forward_one(x: &[f32], w: &[f32], b: &[f32], y: &mut [f32], f: Epilogue) {
    match active() {
        Kernels::Scalar => scalar::dense_forward_one(x, w, b, y, f),
        _ => {
            dense_forward(x, w, b, y, x.len(), y.len());
            if f != Epilogue::Identity {
                y.iter_mut().for_each(|y| *y = f.apply(*y));
            }
        }
    }
}

/// `dw[o][i] += Σ_s dz[s][o] x[s][i]`, `db[o] += Σ_s dz[s][o]`.
pub fn dense_backward_params(x: &[f32], dz: &[f32], dw: &mut [f32], db: &mut [f32], n_in: usize, n_out: usize) {
    #[cfg(feature = "parallel")]
    if crate::parallel::units::backward_params(x, dz, dw, db, n_in, n_out) {
        return;
    }
    match active() {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::X86 if n_in > 0 => x86::dense_backward_params(x, dz, dw, db, n_in, n_out),
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::Avx512 if n_in > 0 => x86::avx512::dense_backward_params(x, dz, dw, db, n_in, n_out),
        #[cfg(feature = "std")]
        Kernels::Gemm if dz.len() / n_out.max(1) >= GEMM_MIN_BATCH => {
            gemm::dense_backward_params(x, dz, dw, db, n_in, n_out)
        }
        _ => scalar::dense_backward_params(x, dz, dw, db, n_in, n_out),
    }
}

/// [`dense_backward_params`] for the units `units` of a layer of `n_out`
/// (`dz` the whole batch's, `dw` and `db` those units' rows), with the bits
/// of the whole layer's: the AVX kernels read the units' columns of `dz` in
/// place; the others gather them first, into `scratch` (`batch × units`
/// values).
#[allow(clippy::too_many_arguments)]
pub fn dense_backward_params_units(
    x: &[f32],
    dz: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    n_in: usize,
    n_out: usize,
    units: core::ops::Range<usize>,
    scratch: &mut [f32],
) {
    match active() {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::X86 if n_in > 0 => x86::dense_backward_params_units(x, dz, dw, db, n_in, n_out, units),
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::Avx512 if n_in > 0 => x86::avx512::dense_backward_params_units(x, dz, dw, db, n_in, n_out, units),
        _ if units.is_empty() => {}
        _ => {
            let width = units.len();
            let dzp = &mut scratch[..dz.len() / n_out * width];
            for (dst, src) in dzp.chunks_exact_mut(width).zip(dz.chunks_exact(n_out)) {
                dst.copy_from_slice(&src[units.clone()]);
            }
            dense_backward_params(x, dzp, dw, db, n_in, width);
        }
    }
}

/// A dense layer's backward pass after its activation's:
/// [`dense_backward_params`], then [`dense_backward_input`] into `dx` (if
/// any; its `batch × n_in` values overwritten).
#[allow(clippy::too_many_arguments)]
pub fn dense_backward(
    x: &[f32],
    dz: &[f32],
    w: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    dx: Option<&mut [f32]>,
    n_in: usize,
    n_out: usize,
) {
    #[cfg(feature = "parallel")]
    let mut dx = dx;
    #[cfg(feature = "parallel")]
    if crate::parallel::units::backward_by_samples(x, dz, w, dw, db, dx.as_deref_mut(), n_in, n_out) {
        return;
    }
    dense_backward_params(x, dz, dw, db, n_in, n_out);
    if let Some(dx) = dx {
        dense_backward_input(dz, w, dx, n_in, n_out);
    }
}

/// Whether the weight gradient can be split by samples with the bits of
/// one call ([`dense_backward_params_rows`], [`dense_weight_gradient_chunks`]):
/// the x86 kernels, whose sums go by chunks of [`GRADIENT_CHUNK`] samples.
#[cfg(feature = "parallel")]
pub(crate) fn weight_gradient_splits_by_samples() -> bool {
    #[cfg(target_arch = "x86_64")]
    return matches!(active(), Kernels::X86 | Kernels::Avx512);
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Samples per chunk of the x86 kernels' weight gradients.
#[cfg(all(feature = "parallel", target_arch = "x86_64"))]
pub(crate) const GRADIENT_CHUNK: usize = x86::GRADIENT_CHUNK;
#[cfg(all(feature = "parallel", not(target_arch = "x86_64")))]
pub(crate) const GRADIENT_CHUNK: usize = 64;

/// `x86::dense_backward_params_rows` of the active x86 kernels (only when
/// [`weight_gradient_splits_by_samples`]).
#[cfg(feature = "parallel")]
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
pub(crate) fn dense_backward_params_rows(
    x: &[f32],
    dz: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    (n_in, n_out): (usize, usize),
    rows: core::ops::Range<usize>,
) {
    match active() {
        #[cfg(target_arch = "x86_64")]
        Kernels::X86 => x86::dense_backward_params_rows(x, dz, dw, db, n_in, n_out, rows),
        #[cfg(target_arch = "x86_64")]
        Kernels::Avx512 => x86::avx512::dense_backward_params_rows(x, dz, dw, db, n_in, n_out, rows),
        k => unreachable!("{k:?} kernels do not split a weight gradient by samples"),
    }
}

/// `x86::dense_weight_gradient_chunks` of the active x86 kernels (only
/// when [`weight_gradient_splits_by_samples`]).
#[cfg(feature = "parallel")]
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
pub(crate) fn dense_weight_gradient_chunks(
    x: &[f32],
    dz: &[f32],
    chunks: &mut [f32],
    (n_in, n_out): (usize, usize),
    rows: core::ops::Range<usize>,
) {
    match active() {
        #[cfg(target_arch = "x86_64")]
        Kernels::X86 => x86::dense_weight_gradient_chunks(x, dz, chunks, n_in, n_out, rows),
        #[cfg(target_arch = "x86_64")]
        Kernels::Avx512 => x86::avx512::dense_weight_gradient_chunks(x, dz, chunks, n_in, n_out, rows),
        k => unreachable!("{k:?} kernels do not split a weight gradient by samples"),
    }
}

/// `dx[s][i] = Σ_o dz[s][o] w[o][i]` (overwrites `dx`).
pub fn dense_backward_input(dz: &[f32], w: &[f32], dx: &mut [f32], n_in: usize, n_out: usize) {
    #[cfg(feature = "parallel")]
    if crate::parallel::units::backward_input(dz, w, dx, n_in, n_out) {
        return;
    }
    match active() {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::X86 if n_in > 0 => x86::dense_backward_input(dz, w, dx, n_in, n_out),
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        Kernels::Avx512 if n_in > 0 => x86::avx512::dense_backward_input(dz, w, dx, n_in, n_out),
        #[cfg(feature = "std")]
        Kernels::Gemm if dz.len() / n_out.max(1) >= GEMM_MIN_BATCH => {
            gemm::dense_backward_input(dz, w, dx, n_in, n_out)
        }
        _ => scalar::dense_backward_input(dz, w, dx, n_in, n_out),
    }
}

#[cfg(all(test, feature = "std", target_arch = "x86_64"))]
pub(crate) mod x86_tests {
    use std::vec::Vec;

    use super::scalar;
    use nn_kernels::x86;

    /// Values in [-1, 1], about one in 8 exactly zero (also the test data of
    /// other AVX-512 paths, such as Adam's).
    pub(crate) fn data(n: usize, seed: u32) -> Vec<f32> {
        sparse_data(n, seed, 1)
    }

    /// Values in [-1, 1], about `zeros` in 8 exactly zero (as after ReLU and dropout).
    fn sparse_data(n: usize, seed: u32, zeros: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                if (s >> 8) % 8 < zeros {
                    0.0
                } else {
                    (s % 2001) as f32 / 1000.0 - 1.0
                }
            })
            .collect()
    }

    /// Equal up to the rounding of fused multiply-adds: a few ulps of the
    /// sum of the magnitudes of the terms (here at most `n · 1` for `n` terms).
    fn close(a: &[f32], b: &[f32], what: &str, size: (usize, usize, usize), terms: usize) {
        assert_eq!(a.len(), b.len());
        let tol = 4.0 * f32::EPSILON * (terms as f32 + 1.0);
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= tol, "{what}[{i}] {size:?}: avx {x} vs scalar {y}");
        }
    }

    /// The AVX kernels agree with the scalar specification on awkward sizes.
    #[test]
    fn avx_matches_scalar() {
        if !x86::available() {
            std::eprintln!("no AVX and FMA on this CPU: skipped");
            return;
        }
        for &batch in &[1usize, 2, 3, 4, 5, 17, 33, 64, 65] {
            for &n_in in &[1usize, 3, 7, 8, 9, 17, 24, 25, 129] {
                for &n_out in &[1usize, 2, 3, 4, 5, 10, 17, 33] {
                    check((batch, n_in, n_out), 1);
                }
            }
        }
    }

    /// The batched forward pass copies misaligned rows of `x` to cache-line
    /// boundaries (rows of at most 1024 inputs, 16 units or more): the same
    /// bits from every position of `x` within a line, copied or not, on
    /// sizes around the 6-sample blocks and the 1024-input limit.
    #[test]
    fn avx_forward_gives_the_same_bits_at_every_alignment_of_x() {
        if !x86::available() {
            return;
        }
        for (batch, n_in, n_out) in
            [(2, 3, 16), (6, 17, 16), (7, 784, 128), (13, 129, 33), (12, 1024, 17), (8, 1030, 20), (65, 8, 15)]
        {
            let size = (batch, n_in, n_out);
            let (w, b) = (data(n_out * n_in, 2), data(n_out, 3));
            let buffer = data(batch * n_in + 16, 1);
            let first = &buffer[..batch * n_in];
            let mut z0 = std::vec![0.0; batch * n_out];
            x86::dense_forward(first, &w, &b, &mut z0, n_in, n_out);
            let mut z3 = std::vec![0.0; batch * n_out];
            scalar::dense_forward(first, &w, &b, &mut z3, n_in, n_out);
            close(&z0, &z3, "z", size, n_in);
            for shift in 1..16 {
                let x = &buffer[shift..shift + batch * n_in];
                let mut z1 = std::vec![0.0; batch * n_out];
                let mut z2 = std::vec![0.0; batch * n_out];
                x86::dense_forward(x, &w, &b, &mut z1, n_in, n_out);
                scalar::dense_forward(x, &w, &b, &mut z2, n_in, n_out);
                close(&z1, &z2, "z", size, n_in);
                // the same inputs on a cache-line boundary (not copied when
                // n_in is a multiple of 8): the same bits
                let mut line = std::vec![0.0f32; x.len() + 16];
                let off = (64 - line.as_ptr() as usize % 64) % 64 / 4;
                line[off..off + x.len()].copy_from_slice(x);
                let mut z4 = std::vec![0.0; batch * n_out];
                x86::dense_forward(&line[off..off + x.len()], &w, &b, &mut z4, n_in, n_out);
                assert_eq!(bits(&z1), bits(&z4), "z {size:?}, x shifted by {shift}");
            }
        }
    }

    /// The sparse gradient kernels start their blocks where the rows of `b`
    /// (`x` for the weight gradient, `W` for the input gradient) start a
    /// 32-byte (AVX) or 64-byte (AVX-512) boundary, and do the columns
    /// before it and after the last block with masked loads: the same bits
    /// from every position of the inputs and weights within a cache line,
    /// for widths that are multiples of 16 (all rows at one offset) and
    /// not, on the AVX and AVX-512 kernels, and the scalar result up to the
    /// rounding of fused multiply-adds. The values lie between NaNs, which
    /// a read outside them would carry into the result.
    #[test]
    fn sparse_gradients_give_the_same_bits_at_every_alignment() {
        if !x86::available() {
            return;
        }
        let wide = x86::avx512::available();
        for (batch, n_in, n_out) in [(7, 784, 33), (64, 128, 10), (5, 48, 3), (9, 16, 17), (3, 33, 5), (4, 8, 16)] {
            let size = (batch, n_in, n_out);
            let dz = sparse_data(batch * n_out, 4, 6);
            let (x0, w0) = (data(batch * n_in, 1), data(n_out * n_in, 2));
            // the values at `shift` floats past a cache line, between NaNs
            let place = |v: &[f32], shift: usize| {
                let mut buffer = std::vec![f32::NAN; v.len() + 64];
                let at = (64 - buffer.as_ptr() as usize % 64) % 64 / 4 + 16 + shift;
                buffer[at..at + v.len()].copy_from_slice(v);
                (buffer, at)
            };
            let mut first: Option<(Vec<u32>, Vec<u32>)> = None;
            for shift in 0..16 {
                let ((xb, xa), (wb, wa)) = (place(&x0, shift), place(&w0, (shift * 7) % 16));
                let (x, w) = (&xb[xa..xa + x0.len()], &wb[wa..wa + w0.len()]);
                let (mut dw, mut db) = (data(n_out * n_in, 5), data(n_out, 6));
                x86::dense_backward_params(x, &dz, &mut dw, &mut db, n_in, n_out);
                let mut dx = std::vec![0.0; batch * n_in];
                x86::dense_backward_input(&dz, w, &mut dx, n_in, n_out);
                if wide {
                    let (mut dw2, mut db2) = (data(n_out * n_in, 5), data(n_out, 6));
                    x86::avx512::dense_backward_params(x, &dz, &mut dw2, &mut db2, n_in, n_out);
                    assert_eq!(bits(&dw2), bits(&dw), "avx-512 dw {size:?}, x shifted by {shift}");
                    let mut dx2 = std::vec![0.0; batch * n_in];
                    x86::avx512::dense_backward_input(&dz, w, &mut dx2, n_in, n_out);
                    assert_eq!(bits(&dx2), bits(&dx), "avx-512 dx {size:?}, shifted by {shift}");
                }
                match &first {
                    None => {
                        let (mut dw3, mut db3) = (data(n_out * n_in, 5), data(n_out, 6));
                        scalar::dense_backward_params(x, &dz, &mut dw3, &mut db3, n_in, n_out);
                        close(&dw, &dw3, "dw", size, batch + 1);
                        let mut dx3 = std::vec![0.0; batch * n_in];
                        scalar::dense_backward_input(&dz, w, &mut dx3, n_in, n_out);
                        close(&dx, &dx3, "dx", size, n_out);
                        first = Some((bits(&dw), bits(&dx)));
                    }
                    Some((dw0, dx0)) => {
                        assert_eq!(&bits(&dw), dw0, "dw {size:?}, x shifted by {shift}");
                        assert_eq!(&bits(&dx), dx0, "dx {size:?}, W shifted by {}", (shift * 7) % 16);
                    }
                }
            }
        }
    }

    /// With mostly zero gradients (the sparse backward kernels) and sizes past
    /// their panels (128 columns) and chunks (256 values of the sum).
    #[test]
    fn avx_matches_scalar_on_sparse_gradients() {
        if !x86::available() {
            return;
        }
        for size in [(1, 1, 1), (1, 3, 2), (5, 17, 3), (64, 129, 10), (64, 784, 33), (300, 300, 17), (3, 200, 300)] {
            for zeros in [3, 6, 8] {
                check(size, zeros);
            }
        }
    }

    /// A weight gradient sums each value over each chunk of
    /// `x86::GRADIENT_CHUNK` samples from zero and adds that onto the
    /// value. So a batch's gradient is its parts' accumulated one after the
    /// other when each part starts a chunk (`dense_backward_params_rows`),
    /// and the parts after the first can be summed apart, chunk by chunk
    /// (`dense_weight_gradient_chunks`), and added afterwards: bit for bit,
    /// what splits a narrow layer's backward pass by samples. Dense and
    /// mostly zero `δ` (the two kernels), a stride of 256 values (the packed
    /// kernel), columns past the last 8, batches past several chunks.
    #[test]
    fn weight_gradients_of_a_batch_are_its_chunks_added_in_order() {
        if !x86::available() {
            return;
        }
        let chunk = x86::GRADIENT_CHUNK;
        for (batch, n_in, n_out) in [(200, 129, 10), (300, 37, 130), (129, 784, 17), (150, 256, 9)] {
            for zeros in [0, 7] {
                let x = data(batch * n_in, 1);
                let dz = sparse_data(batch * n_out, 2, zeros);
                let start = data(n_out * n_in + n_out, 3);
                for kernel in [0, 1] {
                    if kernel == 1 && !x86::avx512::available() {
                        continue;
                    }
                    let rows = |rows: core::ops::Range<usize>, dw: &mut [f32], db: &mut [f32]| match kernel {
                        0 => x86::dense_backward_params_rows(&x, &dz, dw, db, n_in, n_out, rows),
                        _ => x86::avx512::dense_backward_params_rows(&x, &dz, dw, db, n_in, n_out, rows),
                    };
                    let chunks = |rows: core::ops::Range<usize>, c: &mut [f32]| match kernel {
                        0 => x86::dense_weight_gradient_chunks(&x, &dz, c, n_in, n_out, rows),
                        _ => x86::avx512::dense_weight_gradient_chunks(&x, &dz, c, n_in, n_out, rows),
                    };
                    let (mut dw, mut db) = (start[..n_out * n_in].to_vec(), start[n_out * n_in..].to_vec());
                    match kernel {
                        0 => x86::dense_backward_params(&x, &dz, &mut dw, &mut db, n_in, n_out),
                        _ => x86::avx512::dense_backward_params(&x, &dz, &mut dw, &mut db, n_in, n_out),
                    }
                    let size = (batch, n_in, n_out, zeros, kernel);
                    // the rows from 0 alone: the call on those rows
                    let (mut w0, mut b0) = (start[..n_out * n_in].to_vec(), start[n_out * n_in..].to_vec());
                    rows(0..batch, &mut w0, &mut b0);
                    assert_eq!((bits(&w0), bits(&b0)), (bits(&dw), bits(&db)), "{size:?}: all rows");
                    // parts that start chunks, accumulated
                    let (mut pw, mut pb) = (start[..n_out * n_in].to_vec(), start[n_out * n_in..].to_vec());
                    for c in [0, chunk, 2 * chunk, batch].windows(2) {
                        rows(c[0]..c[1], &mut pw, &mut pb);
                    }
                    assert_eq!(bits(&pw), bits(&dw), "{size:?}: parts, weights");
                    assert_eq!(bits(&pb), bits(&db), "{size:?}: parts, biases");
                    // the first part, then the others' chunks added in order
                    for cut in [chunk, 2 * chunk] {
                        let (mut cw, mut cb) = (start[..n_out * n_in].to_vec(), start[n_out * n_in..].to_vec());
                        rows(0..cut, &mut cw, &mut cb);
                        let later = (batch - cut).div_ceil(chunk);
                        let mut sums = std::vec![f32::NAN; later * n_out * n_in];
                        // as two pieces, the second from a chunk on
                        let mid = (cut + chunk).min(batch);
                        chunks(cut..mid, &mut sums);
                        chunks(mid..batch, &mut sums[n_out * n_in..]);
                        for c in sums.chunks_exact(n_out * n_in) {
                            cw.iter_mut().zip(c).for_each(|(w, &v)| *w += v);
                        }
                        for row in dz[cut * n_out..].chunks_exact(n_out) {
                            cb.iter_mut().zip(row).for_each(|(b, &g)| *b += g);
                        }
                        assert_eq!(bits(&cw), bits(&dw), "{size:?}: cut at {cut}, weights");
                        assert_eq!(bits(&cb), bits(&db), "{size:?}: cut at {cut}, biases");
                    }
                }
            }
        }
    }

    /// The pieces of a weight gradient split by samples must start chunks.
    #[test]
    #[should_panic(expected = "do not start a chunk")]
    fn weight_gradient_chunks_must_start_a_chunk() {
        if !x86::available() {
            panic!("rows 1..3 do not start a chunk (no AVX: nothing to check)");
        }
        let mut c = [0.0; 6];
        x86::dense_weight_gradient_chunks(&[1.0; 9], &[1.0; 6], &mut c, 3, 2, 1..3);
    }

    /// With strides that are multiples of 256 values (the packed kernels).
    #[test]
    fn avx_matches_scalar_on_aliasing_strides() {
        if !x86::available() {
            return;
        }
        for size in [(65, 27, 256), (70, 512, 300), (3, 256, 1024), (1, 256, 5)] {
            for zeros in [0, 1] {
                check(size, zeros);
            }
        }
    }

    /// Whether the AVX-512 kernels can run here (else the test says it is skipped).
    fn avx512_or_skip() -> bool {
        let here = x86::avx512::available();
        if !here {
            std::eprintln!("no AVX-512F on this CPU: skipped");
        }
        here
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|v| v.to_bits()).collect()
    }

    /// The AVX-512 kernels give the AVX kernels' bits (the same summation
    /// order, the same fused multiply-adds), so also agree with the scalar
    /// specification, on awkward sizes, including the blocks' edges (6
    /// samples × 8 units, 256-input chunks, 192-sample blocks, 16-column
    /// vectors, 64-column panels), with dense and mostly zero gradients.
    #[test]
    fn avx512_gives_the_avx_bits() {
        if !avx512_or_skip() {
            return;
        }
        let batches = [1usize, 2, 3, 4, 5, 6, 7, 12, 13, 17, 33, 64, 65, 191, 193, 400];
        let widths = [1usize, 3, 7, 8, 9, 15, 16, 17, 24, 25, 33, 129, 255, 256, 257, 520, 784, 1030];
        for &batch in &batches {
            for &n_in in &widths {
                for &n_out in &[1usize, 2, 3, 5, 7, 8, 9, 10, 15, 16, 17, 33, 128] {
                    if batch * n_in * n_out > 3_000_000 {
                        continue;
                    }
                    let size = (batch, n_in, n_out);
                    let x = data(batch * n_in, 1);
                    let w = data(n_out * n_in, 2);
                    let b = data(n_out, 3);
                    let (mut z1, mut z2) = (std::vec![0.0; batch * n_out], std::vec![0.0; batch * n_out]);
                    x86::avx512::dense_forward(&x, &w, &b, &mut z1, n_in, n_out);
                    x86::dense_forward(&x, &w, &b, &mut z2, n_in, n_out);
                    assert_eq!(bits(&z1), bits(&z2), "z {size:?}");
                    let mut z3 = std::vec![0.0; batch * n_out];
                    scalar::dense_forward(&x, &w, &b, &mut z3, n_in, n_out);
                    close(&z1, &z3, "z", size, n_in);
                    for zeros in [1, 6] {
                        let dz = sparse_data(batch * n_out, 4, zeros);
                        let (mut dw1, mut db1) = (data(n_out * n_in, 5), data(n_out, 6));
                        let (mut dw2, mut db2) = (dw1.clone(), db1.clone());
                        x86::avx512::dense_backward_params(&x, &dz, &mut dw1, &mut db1, n_in, n_out);
                        x86::dense_backward_params(&x, &dz, &mut dw2, &mut db2, n_in, n_out);
                        assert_eq!(bits(&dw1), bits(&dw2), "dw {size:?}, {zeros} zeros in 8");
                        assert_eq!(bits(&db1), bits(&db2), "db {size:?}, {zeros} zeros in 8");
                        let (mut dx1, mut dx2) = (data(batch * n_in, 7), std::vec![0.0; batch * n_in]);
                        x86::avx512::dense_backward_input(&dz, &w, &mut dx1, n_in, n_out);
                        x86::dense_backward_input(&dz, &w, &mut dx2, n_in, n_out);
                        assert_eq!(bits(&dx1), bits(&dx2), "dx {size:?}, {zeros} zeros in 8");
                    }
                }
            }
        }
    }

    /// The AVX-512 forward pass by panels (on a thread with the packing
    /// buffer) and by unit blocks (on one without) both give the AVX
    /// kernels' bits, at the panels' limits: the smallest batch
    /// (`PANEL_MIN_BATCH`, and one below), the most inputs (`PANEL_INPUTS`,
    /// and past it), exactly `PANEL_FLOATS` packed weights and past them,
    /// odd widths (tails of inputs past a multiple of 8, a last block of
    /// fewer than 8 units, a last panel of fewer than 6 samples). The
    /// inputs and weights lie between NaNs, which a read outside them
    /// would carry into the result.
    #[test]
    fn avx512_forward_by_panels_and_by_unit_blocks_give_the_avx_bits() {
        if !avx512_or_skip() {
            return;
        }
        use x86::avx512::{PANEL_FLOATS, PANEL_INPUTS, PANEL_MIN_BATCH};
        assert_eq!(PANEL_FLOATS, 128 * PANEL_INPUTS);
        let m = PANEL_MIN_BATCH;
        let sizes = [
            (m, 8, 1),
            (m - 1, 784, 10),
            (m, 784, 128),
            (m + 1, 17, 9),
            (m + 5, PANEL_INPUTS, 128), // exactly PANEL_FLOATS packed
            (m + 2, PANEL_INPUTS, 129), // one block past them: by unit blocks
            (m + 3, PANEL_INPUTS + 8, 16),
            (256, 15, 33),
            (301, 255, 7),
            (400, 784, 10),
        ];
        let in_nans = |v: Vec<f32>| {
            let mut padded = std::vec![f32::NAN; v.len() + 32];
            padded[16..16 + v.len()].copy_from_slice(&v);
            padded
        };
        for reserve in [false, true] {
            std::thread::spawn(move || {
                assert!(!x86::avx512::packing_reserved(), "a new thread has no packing buffer");
                if reserve {
                    x86::avx512::reserve_packing();
                }
                assert_eq!(x86::avx512::packing_reserved(), reserve);
                for (batch, n_in, n_out) in sizes {
                    let x = in_nans(data(batch * n_in, 1));
                    let w = in_nans(data(n_out * n_in, 2));
                    let (x, w) = (&x[16..16 + batch * n_in], &w[16..16 + n_out * n_in]);
                    let b = data(n_out, 3);
                    let (mut z1, mut z2) = (std::vec![0.0; batch * n_out], std::vec![0.0; batch * n_out]);
                    x86::avx512::dense_forward(x, w, &b, &mut z1, n_in, n_out);
                    x86::dense_forward(x, w, &b, &mut z2, n_in, n_out);
                    assert!(z2.iter().all(|z| z.is_finite()));
                    let how = if reserve { "by panels where they apply" } else { "by unit blocks" };
                    assert_eq!(bits(&z1), bits(&z2), "z {:?}, {how}", (batch, n_in, n_out));
                }
            })
            .join()
            .unwrap();
        }
    }

    /// Inside `with_constant_weights`, `dense_forward_layer` packs each
    /// layer once and gives the bits of packing every call; up to 8 layers
    /// are kept while they fit the buffer together (the ninth, and a layer
    /// past the room left, are packed per call or go by unit blocks: the
    /// same bits); `dense_forward` never uses a kept packing (new weights at
    /// a kept address are read), nor does a layer outside the scope's
    /// memory; after the outermost scope ends, nothing is kept (new weights
    /// at the same address are read).
    #[test]
    fn avx512_scope_keeps_packed_layers_with_the_same_bits() {
        if !avx512_or_skip() {
            return;
        }
        std::thread::spawn(|| {
            use x86::avx512::{dense_forward, dense_forward_layer, reserve_packing, with_constant_weights};
            reserve_packing();
            // the test's weights are on the heap: the scopes cover all memory
            let everywhere = || 0..usize::MAX;
            let batch = 130;
            // 10 layers: 128 x 784 (401 KB packed), then small ones; the
            // large one twice leaves no room for a second copy
            let shapes =
                [(784, 128), (784, 128), (64, 9), (17, 33), (32, 8), (8, 8), (40, 16), (24, 5), (16, 16), (48, 3)];
            let layers: Vec<(Vec<f32>, Vec<f32>)> = shapes
                .iter()
                .enumerate()
                .map(|(i, &(n_in, n_out))| (data(n_out * n_in, 10 + i as u32), data(n_out, 30 + i as u32)))
                .collect();
            let x = data(batch * 784, 1);
            let want: Vec<Vec<f32>> = shapes
                .iter()
                .zip(&layers)
                .map(|(&(n_in, n_out), (w, b))| {
                    let mut z = std::vec![0.0; batch * n_out];
                    x86::dense_forward(&x[..batch * n_in], w, b, &mut z, n_in, n_out);
                    z
                })
                .collect();
            let run = |layers: &[(Vec<f32>, Vec<f32>)]| {
                for round in 0..3 {
                    for (i, (&(n_in, n_out), (w, b))) in shapes.iter().zip(layers).enumerate() {
                        let mut z = std::vec![0.0; batch * n_out];
                        dense_forward_layer(&x[..batch * n_in], w, b, &mut z, n_in, n_out);
                        assert_eq!(bits(&z), bits(&want[i]), "layer {i}, round {round}");
                    }
                }
            };
            run(&layers);
            // SAFETY: the weights do not change inside the scopes below,
            // but in the second one between the `dense_forward_layer`
            // calls: there `dense_forward` (which never uses a kept
            // packing) reads changed weights, put back before any other
            // call; in the third, they lie outside its memory `0..1`.
            unsafe { with_constant_weights(everywhere(), || with_constant_weights(0..0, || run(&layers))) };
            let mut layers = layers;
            let (n_in, n_out) = shapes[2];
            unsafe {
                with_constant_weights(everywhere(), || {
                    run(&layers);
                    // new values at a kept address, through dense_forward
                    layers[2].0.iter_mut().for_each(|w| *w = -*w);
                    let (mut z1, mut z2) = (std::vec![0.0; batch * n_out], std::vec![0.0; batch * n_out]);
                    dense_forward(&x[..batch * n_in], &layers[2].0, &layers[2].1, &mut z1, n_in, n_out);
                    x86::dense_forward(&x[..batch * n_in], &layers[2].0, &layers[2].1, &mut z2, n_in, n_out);
                    assert_eq!(bits(&z1), bits(&z2), "dense_forward inside a scope");
                    layers[2].0.iter_mut().for_each(|w| *w = -*w);
                })
            };
            // weights outside the scope's memory are packed on every call
            unsafe {
                with_constant_weights(0..1, || {
                    for sign in [-1.0f32, 1.0] {
                        layers[2].0.iter_mut().for_each(|w| *w = -*w);
                        let (mut z1, mut z2) = (std::vec![0.0; batch * n_out], std::vec![0.0; batch * n_out]);
                        dense_forward_layer(&x[..batch * n_in], &layers[2].0, &layers[2].1, &mut z1, n_in, n_out);
                        x86::dense_forward(&x[..batch * n_in], &layers[2].0, &layers[2].1, &mut z2, n_in, n_out);
                        assert_eq!(bits(&z1), bits(&z2), "weights outside the scope, sign {sign}");
                    }
                })
            };
            // after the scope: new values at the same address are read
            layers[2].0.iter_mut().for_each(|w| *w *= 0.5);
            let (mut z1, mut z2) = (std::vec![0.0; batch * n_out], std::vec![0.0; batch * n_out]);
            dense_forward_layer(&x[..batch * n_in], &layers[2].0, &layers[2].1, &mut z1, n_in, n_out);
            x86::dense_forward(&x[..batch * n_in], &layers[2].0, &layers[2].1, &mut z2, n_in, n_out);
            assert_eq!(bits(&z1), bits(&z2), "after the scope");
            assert_ne!(bits(&z1), bits(&want[2]));
        })
        .join()
        .unwrap();
    }

    /// The single-sample paths (AVX and AVX-512) read `W` in aligned 32-byte
    /// chunks, the sums rotated, when `n_in` is a multiple of 8: the bits of
    /// the blocked kernel (a batch of two, the sample twice, whose loads are
    /// unaligned) at every one of the 16 positions a row can start at within
    /// a line, including rows that start and end mid-chunk next to the
    /// slice's ends, with the sample at every position too. Both sit between
    /// NaNs, which a read outside the slices would carry into the result
    /// (the first and last chunks are masked loads); the sample has zeros of
    /// both signs (a masked lane adds `0 · 0` to its sum).
    #[test]
    fn single_sample_kernels_give_the_batch_bits_at_every_alignment() {
        if !x86::available() {
            std::eprintln!("no AVX and FMA on this CPU: skipped");
            return;
        }
        let avx512 = x86::avx512::available();
        for n_in in [8usize, 16, 17, 24, 32, 40, 48, 784] {
            for n_out in [1usize, 7, 8, 9, 16, 23, 128] {
                let b = data(n_out, 3);
                let mut x = sparse_data(n_in, 1, 3);
                for v in x.iter_mut().step_by(3) {
                    *v = -*v; // -0.0 among the zeros
                }
                let w_values = data(n_out * n_in, 2);
                let mut w_buffer = std::vec![f32::NAN; n_out * n_in + 48];
                let mut x_buffer = std::vec![f32::NAN; n_in + 48];
                for shift in 0..16 {
                    w_buffer.fill(f32::NAN);
                    let w = &mut w_buffer[16 + shift..16 + shift + n_out * n_in];
                    w.copy_from_slice(&w_values);
                    let w = &w_buffer[16 + shift..16 + shift + n_out * n_in];
                    let x_shift = (shift * 7) % 16;
                    x_buffer.fill(f32::NAN);
                    x_buffer[16 + x_shift..16 + x_shift + n_in].copy_from_slice(&x);
                    let x = &x_buffer[16 + x_shift..16 + x_shift + n_in];
                    let twice: Vec<f32> = x.iter().chain(x).copied().collect();
                    let mut want = std::vec![0.0; 2 * n_out];
                    x86::dense_forward(&twice, w, &b, &mut want, n_in, n_out);
                    let want = &want[..n_out];
                    assert!(want.iter().all(|z| z.is_finite()));
                    let start = (w.as_ptr() as usize % 64) / 4;
                    let mut got = std::vec![0.0; n_out];
                    x86::dense_forward(x, w, &b, &mut got, n_in, n_out);
                    assert_eq!(bits(&got), bits(want), "AVX {n_in} -> {n_out}, rows {start} values past a line");
                    if avx512 {
                        x86::avx512::dense_forward(x, w, &b, &mut got, n_in, n_out);
                        assert_eq!(
                            bits(&got),
                            bits(want),
                            "AVX-512 {n_in} -> {n_out}, rows {start} values past a line"
                        );
                    }
                }
            }
        }
    }

    fn check((batch, n_in, n_out): (usize, usize, usize), zeros: u32) {
        let size = (batch, n_in, n_out);
        let x = data(batch * n_in, 1);
        let w = data(n_out * n_in, 2);
        let b = data(n_out, 3);
        let dz = sparse_data(batch * n_out, 4, zeros);
        let (mut z1, mut z2) = (std::vec![0.0; batch * n_out], std::vec![0.0; batch * n_out]);
        x86::dense_forward(&x, &w, &b, &mut z1, n_in, n_out);
        scalar::dense_forward(&x, &w, &b, &mut z2, n_in, n_out);
        close(&z1, &z2, "z", size, n_in);
        let (mut dw1, mut db1) = (data(n_out * n_in, 5), data(n_out, 6));
        let (mut dw2, mut db2) = (dw1.clone(), db1.clone());
        x86::dense_backward_params(&x, &dz, &mut dw1, &mut db1, n_in, n_out);
        scalar::dense_backward_params(&x, &dz, &mut dw2, &mut db2, n_in, n_out);
        close(&dw1, &dw2, "dw", size, batch + 1);
        close(&db1, &db2, "db", size, batch + 1);
        let (mut dx1, mut dx2) = (data(batch * n_in, 7), std::vec![0.0; batch * n_in]);
        x86::dense_backward_input(&dz, &w, &mut dx1, n_in, n_out);
        scalar::dense_backward_input(&dz, &w, &mut dx2, n_in, n_out);
        close(&dx1, &dx2, "dx", size, n_out);
    }

    /// The weight gradient of a layer computed in pieces of units (columns
    /// of `dz` read in place) gives the whole layer's bits, on both paths,
    /// with dense and mostly zero `dz` (the sparse kernels, chosen by the
    /// zeros of the whole `dz`) and pieces of every remainder; kernel 2 is
    /// the dispatching function (with `NN_KERNEL=scalar`, the gathering
    /// fallback).
    #[test]
    fn weight_gradients_in_pieces_of_units_give_the_whole_bits() {
        if !x86::available() {
            return;
        }
        let wide = x86::avx512::available();
        for (batch, n_in, n_out) in [(1, 3, 2), (7, 17, 33), (64, 129, 10), (256, 100, 128), (5, 784, 40)] {
            for zeros in [1, 6, 8] {
                let x = data(batch * n_in, 1);
                let dz = sparse_data(batch * n_out, 2, zeros);
                let start = data(n_out * n_in + n_out, 3);
                for kernel in [0, 1, 2] {
                    if kernel == 1 && !wide {
                        continue;
                    }
                    let whole_fn = |dw: &mut [f32], db: &mut [f32]| match kernel {
                        0 => x86::dense_backward_params(&x, &dz, dw, db, n_in, n_out),
                        1 => x86::avx512::dense_backward_params(&x, &dz, dw, db, n_in, n_out),
                        _ => super::dense_backward_params(&x, &dz, dw, db, n_in, n_out),
                    };
                    let (mut dw, mut db) = (start[..n_out * n_in].to_vec(), start[n_out * n_in..].to_vec());
                    whole_fn(&mut dw, &mut db);
                    for cuts in [
                        std::vec![0, n_out],
                        std::vec![0, n_out / 2, n_out],
                        std::vec![0, 1, (n_out / 3).max(1), n_out],
                    ] {
                        let (mut pw, mut pb) = (start[..n_out * n_in].to_vec(), start[n_out * n_in..].to_vec());
                        for c in cuts.windows(2) {
                            let units = c[0]..c[1];
                            let (w, b) = (&mut pw[c[0] * n_in..c[1] * n_in], &mut pb[units.clone()]);
                            match kernel {
                                0 => x86::dense_backward_params_units(&x, &dz, w, b, n_in, n_out, units),
                                1 => x86::avx512::dense_backward_params_units(&x, &dz, w, b, n_in, n_out, units),
                                _ => {
                                    let mut scratch = std::vec![f32::NAN; batch * units.len()];
                                    super::dense_backward_params_units(&x, &dz, w, b, n_in, n_out, units, &mut scratch)
                                }
                            }
                        }
                        let what = ((batch, n_in, n_out), zeros, kernel, &cuts);
                        assert_eq!(bits(&pw), bits(&dw), "dw {what:?}");
                        assert_eq!(bits(&pb), bits(&db), "db {what:?}");
                    }
                }
            }
        }
    }
}
