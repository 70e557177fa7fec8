//! AVX2-era kernels for x86-64 (AVX + FMA, chosen at run time by
//! [`available`]), with no allocation:
//!
//! - forward: register-blocked dot products on the rows of `X` and `W`
//!   (6 samples × 2 units per block, all of `W` passing over each block of
//!   `X`, whose rows are first copied to cache-line boundaries unless they
//!   are aligned already); for a single sample, 4 rows of `W` per pass,
//!   read in aligned 32-byte chunks with each row's sums rotated by its
//!   offset when a row is a multiple of 8 values (else blocks of 1 × 4);
//! - gradients (`dW += dZᵀX`, `dX = dZ·W`): register-blocked outer products
//!   (6 rows × 16 columns); when 30% or more of `dZ` is zero (ReLU, dropout)
//!   a variant that walks lists of the nonzero terms, skipping the rest as
//!   the scalar loops skip a zero gradient; when a stride is a multiple of
//!   1 KiB (wide layers), a variant that first copies 64 × 64 panels into
//!   stack buffers, since such strides put the rows in few cache sets.
//!
//! **Summation order**: the dot products of the forward pass keep the 8
//! partial sums of [`scalar::dot`] in the 8 lanes of one register and reduce
//! them in its pairwise order, then add the tail in order, as the scalar
//! specification does. The gradients' outer products (`dW += dZᵀX` over the
//! samples, `dX = dZ·W` over the units) take the terms in order in chunks of
//! [`GRADIENT_CHUNK`] (64): each chunk's sum starts from zero, term by term,
//! and is then added onto the value (for `dX`, the first chunk's sum is the
//! value), where the scalar loops add every term onto the value. The chunks
//! let a layer's weight gradient be split by samples (each piece's chunks
//! summed on its own thread, then added in order: the same bits as one
//! thread, [`dense_weight_gradient_chunks`]), and they keep partial sums
//! small. These kernels also round differently: they use fused
//! multiply-adds (one rounding per term, where the scalar path rounds the
//! product and then the sum). So results agree with the scalar path to a
//! few ulps, not bit for bit. (An unfused variant that
//! was bit-identical measured 25–30% slower on the Zen 1 cores this was tuned
//! on.) Every batch size uses the same per-value order, so a batch gives
//! the same bits as its samples one by one (`predict_batch` as `predict`).
//!
//! On CPUs with AVX-512F, [`avx512`] has the batched forward pass and the
//! sparse gradients on 512-bit registers, with these kernels' bits.
//!
//! [`scalar`]: https://docs.rs/nn-core/latest/nn_core/kernel/scalar/
//! [`scalar::dot`]: https://docs.rs/nn-core/latest/nn_core/kernel/scalar/fn.dot.html

// The kernels' loops over their register blocks index the arrays: iterator
// adapters (`zip`, `enumerate`) are generic functions of `core` which,
// without LTO across a crate's codegen units (`lto = "off"`, incremental
// builds), can stay calls in the innermost loops (measured with
// `lto = "off"` before they were replaced: `predict` 14 times slower, the
// dense gradients 18 times).
#![allow(clippy::needless_range_loop)]

use core::arch::x86_64::*;

pub mod avx512;
pub mod exp;
pub mod mask;

/// Whether the CPU has AVX and FMA (checked once by `std`, then a cached load).
#[inline]
pub fn available() -> bool {
    std::is_x86_feature_detected!("avx") && std::is_x86_feature_detected!("fma")
}

/// Samples per block of the forward pass (`x` rows kept in L1 while every
/// row of `W` passes over them): one block of [`dot_block`], 12 accumulators.
const FORWARD_SAMPLE_BLOCK: usize = 6;

/// Longest row of `x` that the forward pass copies to cache-line boundaries
/// (6 such rows are 24 KiB, in a 32 KiB L1 with the rows of `W`).
const COPY_INPUTS: usize = 1024;

/// Fewest units for which the forward pass copies the rows of `x` (below, the
/// copy costs more than the misaligned loads: 10 units, measured on Zen 2).
const COPY_FROM_UNITS: usize = 16;

/// The copied rows of `x`: [`FORWARD_SAMPLE_BLOCK`] rows of at most
/// [`COPY_INPUTS`] values, on a cache-line boundary. (Only its size and
/// alignment are used: the values are written and read through a pointer.)
#[repr(C, align(64))]
struct AlignedRows {
    _values: [f32; FORWARD_SAMPLE_BLOCK * COPY_INPUTS],
}

/// `z[s][o] = b[o] + Σ_i w[o][i] x[s][i]`, as `scalar::dense_forward`.
///
/// # Panics
/// If a slice is too short for `batch = z.len() / n_out` rows.
pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], z: &mut [f32], n_in: usize, n_out: usize) {
    assert!(available());
    if n_out == 0 {
        return;
    }
    let batch = z.len() / n_out;
    assert!(x.len() >= batch * n_in && w.len() >= n_out * n_in && b.len() >= n_out);
    // SAFETY: AVX is available (asserted), and the asserts above keep every
    // read inside `x`, `w`, `b` and every write inside `z`.
    unsafe { forward_avx(x.as_ptr(), w.as_ptr(), b.as_ptr(), z.as_mut_ptr(), batch, n_in, n_out) }
}

/// `dw[o][i] += Σ_s dz[s][o] x[s][i]` (in sample order), `db[o] += Σ_s dz[s][o]`.
///
/// # Panics
/// If a slice is too short.
pub fn dense_backward_params(x: &[f32], dz: &[f32], dw: &mut [f32], db: &mut [f32], n_in: usize, n_out: usize) {
    backward_params(x, dz, dw, db, n_in, n_out, 0..n_out, false)
}

/// [`dense_backward_params`] for the units `units` of a layer of `n_out`:
/// `dz` is the whole batch's `δ` (`batch × n_out`), `dw` and `db` hold the
/// rows of those units only. Each value gets the bits that
/// [`dense_backward_params`] gives it on the whole layer (the sparse kernel
/// is chosen by the zeros of the whole `dz`, as there: [`zero_fraction`]), so a layer's
/// gradient can be computed in pieces of units, on several threads.
///
/// # Panics
/// If a slice is too short or `units` is not inside `0..n_out`.
pub fn dense_backward_params_units(
    x: &[f32],
    dz: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    n_in: usize,
    n_out: usize,
    units: core::ops::Range<usize>,
) {
    backward_params(x, dz, dw, db, n_in, n_out, units, false)
}

/// [`dense_backward_params_units`], with the AVX-512 sparse kernel when `wide`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward_params(
    x: &[f32],
    dz: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    n_in: usize,
    n_out: usize,
    units: core::ops::Range<usize>,
    wide: bool,
) {
    let batch = dz.len() / n_out.max(1);
    params(x, dz, (dw, db), (n_in, n_out), (units, 0..batch), wide)
}

/// The units `units` and samples `rows` of [`dense_backward_params`]:
/// their terms added onto `dw` and `db` (the units' rows), with the kernel
/// chosen on all of `dz` ([`outer`]); the AVX-512 sparse kernel when `wide`.
fn params(
    x: &[f32],
    dz: &[f32],
    (dw, db): (&mut [f32], &mut [f32]),
    (n_in, n_out): (usize, usize),
    (units, rows): (core::ops::Range<usize>, core::ops::Range<usize>),
    wide: bool,
) {
    assert!(available() && (!wide || avx512::available()));
    assert!(units.start <= units.end && units.end <= n_out);
    if units.is_empty() {
        return;
    }
    let batch = dz.len() / n_out;
    assert!(rows.start <= rows.end && rows.end <= batch, "rows {rows:?} of a batch of {batch}");
    let m = units.len();
    let dz_rows = &dz[rows.start * n_out..rows.end * n_out];
    for row in dz_rows.chunks_exact(n_out) {
        for (db, &g) in db[..m].iter_mut().zip(&row[units.clone()]) {
            *db += g; // as scalar::axpy(1.0, row, db): 1·g is g
        }
    }
    assert!(x.len() >= batch * n_in && dw.len() >= m * n_in);
    // SAFETY: AVX is available; rows r < m and columns j < n_in of `dw`
    // (stride n_in), reduction k < rows.len(): a = dz[(rows.start + k)·n_out
    // + units.start + r] < dz.len() (units.end ≤ n_out, rows.end ≤ batch),
    // b = x[(rows.start + k)·n_in + j] < batch·n_in.
    unsafe {
        let (a, b) = (dz_rows.as_ptr().add(units.start), x.as_ptr().add(rows.start * n_in));
        outer(dz, a, 1, n_out, b, n_in, dw.as_mut_ptr(), n_in, m, n_in, rows.len(), true, wide);
    }
}

/// [`dense_backward_params`] on the samples `rows` of the batch whose `δ`
/// is `dz` (all of it; `x` too): their terms added onto `dw` and `db` with
/// the kernel that the whole batch's call chooses. From a chunk's first
/// sample (`rows.start` a multiple of [`GRADIENT_CHUNK`]), each value gets
/// the bits that the whole call gives it after those rows; in particular,
/// rows from 0 give the call on those rows alone.
///
/// # Panics
/// If a slice is too short, `rows` is not inside the batch, or `rows` is
/// not empty and `rows.start` is not a multiple of [`GRADIENT_CHUNK`].
pub fn dense_backward_params_rows(
    x: &[f32],
    dz: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    n_in: usize,
    n_out: usize,
    rows: core::ops::Range<usize>,
) {
    backward_params_rows(x, dz, dw, db, n_in, n_out, rows, false)
}

/// The weight gradient of the samples `rows` of the batch whose `δ` is `dz`
/// (all of it; `x` too), as sums from zero over each of their chunks of
/// [`GRADIENT_CHUNK`] samples, chunk `i` into `chunks[i·n_out·n_in..]`
/// (`n_out × n_in`, overwritten), with the kernel that the whole batch's
/// call chooses. Added onto `dw` in order (`dw[j] += chunk[j]`) after the
/// terms of the samples before `rows`, they give the bits of the whole
/// call ([`dense_backward_params`]): so a batch's weight gradient can be
/// split by samples over threads.
///
/// # Panics
/// If a slice is too short, `rows` is not inside the batch, or `rows` is
/// not empty and `rows.start` is not a multiple of [`GRADIENT_CHUNK`].
pub fn dense_weight_gradient_chunks(
    x: &[f32],
    dz: &[f32],
    chunks: &mut [f32],
    n_in: usize,
    n_out: usize,
    rows: core::ops::Range<usize>,
) {
    weight_gradient_chunks(x, dz, chunks, n_in, n_out, rows, false)
}

/// Checks `rows` of a batch of `dz` and the length of `x`; the batch.
fn check_rows(x: &[f32], dz: &[f32], n_in: usize, n_out: usize, rows: &core::ops::Range<usize>) -> usize {
    let batch = dz.len() / n_out.max(1);
    assert!(rows.start <= rows.end && rows.end <= batch, "rows {rows:?} of a batch of {batch}");
    assert!(rows.is_empty() || rows.start.is_multiple_of(GRADIENT_CHUNK), "rows {rows:?} do not start a chunk");
    assert!(x.len() >= batch * n_in);
    batch
}

/// [`dense_backward_params_rows`], with the AVX-512 sparse kernel when `wide`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward_params_rows(
    x: &[f32],
    dz: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    n_in: usize,
    n_out: usize,
    rows: core::ops::Range<usize>,
    wide: bool,
) {
    check_rows(x, dz, n_in, n_out, &rows);
    params(x, dz, (dw, db), (n_in, n_out), (0..n_out, rows), wide)
}

/// [`dense_weight_gradient_chunks`], with the AVX-512 sparse kernel when `wide`.
pub(crate) fn weight_gradient_chunks(
    x: &[f32],
    dz: &[f32],
    chunks: &mut [f32],
    n_in: usize,
    n_out: usize,
    rows: core::ops::Range<usize>,
    wide: bool,
) {
    assert!(available() && (!wide || avx512::available()));
    check_rows(x, dz, n_in, n_out, &rows);
    let size = n_out * n_in;
    if size == 0 {
        return;
    }
    assert!(chunks.len() >= rows.len().div_ceil(GRADIENT_CHUNK) * size);
    for (c, k0) in chunks.chunks_exact_mut(size).zip(rows.clone().step_by(GRADIENT_CHUNK)) {
        let kk = GRADIENT_CHUNK.min(rows.end - k0);
        // SAFETY: AVX is available; as in `backward_params_rows`, for the
        // samples k0..k0 + kk ⊂ rows, into `c` (n_out × n_in).
        unsafe {
            let (a, b) = (dz.as_ptr().add(k0 * n_out), x.as_ptr().add(k0 * n_in));
            outer(dz, a, 1, n_out, b, n_in, c.as_mut_ptr(), n_in, n_out, n_in, kk, false, wide);
        }
    }
}

/// `dx[s][i] = Σ_o dz[s][o] w[o][i]` (in unit order; overwrites `dx`).
///
/// # Panics
/// If a slice is too short.
pub fn dense_backward_input(dz: &[f32], w: &[f32], dx: &mut [f32], n_in: usize, n_out: usize) {
    backward_input(dz, w, dx, n_in, n_out, false)
}

/// [`dense_backward_input`], with the AVX-512 sparse kernel when `wide`.
pub(crate) fn backward_input(dz: &[f32], w: &[f32], dx: &mut [f32], n_in: usize, n_out: usize, wide: bool) {
    assert!(available() && (!wide || avx512::available()));
    if n_out == 0 || n_in == 0 {
        dx.fill(0.0);
        return;
    }
    let batch = dz.len() / n_out;
    assert!(dx.len() >= batch * n_in && w.len() >= n_out * n_in);
    // SAFETY: AVX is available; rows r < batch, columns j < n_in of `dx`
    // (stride n_in), reduction k < n_out: a = dz[r·n_out + k], b = w[k·n_in + j].
    unsafe {
        outer(dz, dz.as_ptr(), n_out, 1, w.as_ptr(), n_in, dx.as_mut_ptr(), n_in, batch, n_in, n_out, false, wide);
    }
}

// ---------------------------------------------------------------------------
// forward: blocks of MR samples × NR units, one register per dot product
// (6 × 2 for batches: 12 accumulators, enough to hide the latency of the
// fused multiply-adds, 2 rows of W and a row of x; 784 → 128 measured at 92
// GFLOP/s of a 108 peak on a Zen 2 core, where 4 × 2 ran at 74 and 4 × 3 at
// 90. 1 × 4 for a single sample)

/// The sum of the 8 lanes in [`scalar::dot`]'s order:
/// `((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7))`.
#[inline]
#[target_feature(enable = "avx,fma")]
pub(crate) fn hsum(v: __m256) -> f32 {
    let lo = _mm256_castps256_ps128(v);
    let hi = _mm256_extractf128_ps::<1>(v);
    let a = _mm_add_ps(lo, hi); // s0+s4, s1+s5, s2+s6, s3+s7
    let b = _mm_add_ps(a, _mm_movehl_ps(a, a)); // (s0+s4)+(s2+s6), (s1+s5)+(s3+s7), ..
    _mm_cvtss_f32(_mm_add_ss(b, _mm_movehdup_ps(b)))
}

/// One block: `z[s][o] = b[o] + x_s · w_o` for `MR` rows of `x` from `x`
/// (stride `ldx`) and `NR` rows of `w` from `w` (stride `n_in`), into `z`
/// (stride `ldz`).
///
/// # Safety
/// AVX; `MR` rows of `n_in` at `x`, `NR` at `w`, `NR` values at `b`, and the
/// `MR × NR` block at `z` are in bounds.
#[inline]
#[target_feature(enable = "avx,fma")]
unsafe fn dot_block<const MR: usize, const NR: usize>(
    (x, ldx): (*const f32, usize),
    w: *const f32,
    b: *const f32,
    z: *mut f32,
    n_in: usize,
    ldz: usize,
) {
    let mut acc = [[_mm256_setzero_ps(); NR]; MR];
    let k8 = n_in - n_in % 8;
    let mut k = 0;
    // SAFETY (whole body): k + 8 ≤ k8 ≤ n_in keeps the loads inside the rows,
    // and the tail reads k8..n_in; the caller guarantees the rows exist.
    unsafe {
        let mut step = |k: usize| {
            let mut wv = [_mm256_setzero_ps(); NR];
            for j in 0..NR {
                wv[j] = _mm256_loadu_ps(w.add(j * n_in + k));
            }
            for i in 0..MR {
                let xv = _mm256_loadu_ps(x.add(i * ldx + k));
                for j in 0..NR {
                    acc[i][j] = _mm256_fmadd_ps(xv, wv[j], acc[i][j]);
                }
            }
        };
        if MR > 1 {
            // two steps per iteration: half the loop's own instructions
            while k + 16 <= k8 {
                step(k);
                step(k + 8);
                k += 16;
            }
            if k < k8 {
                step(k);
            }
        } else {
            // one sample (a matrix-vector product bound by L2): as fast
            // either way, with fewer instructions in all (callgrind)
            while k < k8 {
                step(k);
                k += 8;
            }
        }
        let mut i0 = 0;
        if NR == 2 && k8 == n_in {
            // no tail: 4 samples' 8 sums at a time, reduced together
            let (b0, b1) = (*b, *b.add(1));
            let bias = _mm256_setr_ps(b0, b1, b0, b1, b0, b1, b0, b1);
            let pair = |i: usize, j: usize| acc[i.min(MR - 1)][j];
            while i0 + 1 < MR {
                let four = i0 + 3 < MR;
                let (i2, i3) = if four { (i0 + 2, i0 + 3) } else { (i0, i0 + 1) };
                let v = [
                    pair(i0, 0),
                    pair(i0, 1),
                    pair(i0 + 1, 0),
                    pair(i0 + 1, 1),
                    pair(i2, 0),
                    pair(i2, 1),
                    pair(i3, 0),
                    pair(i3, 1),
                ];
                let f = _mm256_add_ps(bias, hsum8(v));
                let (lo, hi) = (_mm256_castps256_ps128(f), _mm256_extractf128_ps::<1>(f));
                store_pair(z.add(i0 * ldz), lo);
                store_pair(z.add((i0 + 1) * ldz), _mm_movehl_ps(lo, lo));
                if four {
                    store_pair(z.add(i2 * ldz), hi);
                    store_pair(z.add(i3 * ldz), _mm_movehl_ps(hi, hi));
                    i0 += 4;
                } else {
                    i0 += 2;
                }
            }
        }
        for i in i0..MR {
            for j in 0..NR {
                let mut t = hsum(acc[i][j]);
                for kk in k8..n_in {
                    t += *x.add(i * ldx + kk) * *w.add(j * n_in + kk);
                }
                *z.add(i * ldz + j) = *b.add(j) + t;
            }
        }
    }
}

/// The [`hsum`] of each of 8 registers, together (21 shuffles and adds, not
/// 48), in lanes 0–7: each sum in [`hsum`]'s order, so with its bits.
#[inline]
#[target_feature(enable = "avx,fma")]
pub(crate) fn hsum8(v: [__m256; 8]) -> __m256 {
    // lanes 0-3 of register r + lanes 4-7: [p0 p1 p2 p3] of r and of r + 4
    let p = |r: usize| {
        let lo = _mm256_permute2f128_ps::<0x20>(v[r], v[r + 4]);
        let hi = _mm256_permute2f128_ps::<0x31>(v[r], v[r + 4]);
        _mm256_add_ps(lo, hi)
    };
    let (p04, p15, p26, p37) = (p(0), p(1), p(2), p(3));
    // p0 + p2, p1 + p3: [r q0, r q1, r+1 q0, r+1 q1] per half
    let q = |a: __m256, b: __m256| {
        _mm256_add_ps(_mm256_shuffle_ps::<0b01_00_01_00>(a, b), _mm256_shuffle_ps::<0b11_10_11_10>(a, b))
    };
    let (q01, q23) = (q(p04, p15), q(p26, p37));
    // q0 + q1
    _mm256_add_ps(_mm256_shuffle_ps::<0b10_00_10_00>(q01, q23), _mm256_shuffle_ps::<0b11_01_11_01>(q01, q23))
}

/// Stores lanes 0 and 1 of `v` at `z` (unaligned).
///
/// # Safety
/// `z` and `z + 1` are writable.
#[inline]
#[target_feature(enable = "avx,fma")]
unsafe fn store_pair(z: *mut f32, v: __m128) {
    // SAFETY: the caller's; movq has no alignment requirement.
    unsafe { _mm_storel_epi64(z.cast(), _mm_castps_si128(v)) }
}

/// Rows `0..rows` of the output, all units, in blocks of `MR × NR`; before
/// each column of blocks, a share of the `ahead` values (the next rows of `x`,
/// `ahead_len` of them; none if 0) is prefetched into L1, so that rows coming
/// from memory arrive while these are summed.
///
/// # Safety
/// As [`dot_block`] for every block. (`ahead` is only prefetched, never read.)
#[inline]
#[target_feature(enable = "avx,fma")]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn forward_rows<const MR: usize, const NR: usize>(
    (x, ldx): (*const f32, usize),
    w: *const f32,
    b: *const f32,
    z: *mut f32,
    rows: usize,
    n_in: usize,
    n_out: usize,
    (ahead, ahead_len): (*const f32, usize),
) {
    let lines = ahead_len.div_ceil(16);
    let per_column = lines.div_ceil(n_out.div_ceil(NR).max(1));
    let mut line = 0;
    let mut o = 0;
    // SAFETY (whole body): every block is inside rows × n_out.
    unsafe {
        while o < n_out {
            let nr = NR.min(n_out - o);
            let (wo, bo, zo) = (w.add(o * n_in), b.add(o), z.add(o));
            for _ in 0..per_column.min(lines - line) {
                _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(16 * line).cast());
                line += 1;
            }
            let mut s = 0;
            while s < rows {
                let mr = MR.min(rows - s);
                let (xs, zs) = (x.add(s * ldx), zo.add(s * n_out));
                macro_rules! block {
                    ($m:literal, $n:literal) => {
                        dot_block::<$m, $n>((xs, ldx), wo, bo, zs, n_in, n_out)
                    };
                }
                match (mr, nr) {
                    (6, 2) => block!(6, 2),
                    (6, _) => block!(6, 1),
                    (5, 2) => block!(5, 2),
                    (5, _) => block!(5, 1),
                    (4, 2) => block!(4, 2),
                    (4, _) => block!(4, 1),
                    (3, 2) => block!(3, 2),
                    (3, _) => block!(3, 1),
                    (2, 2) => block!(2, 2),
                    (2, _) => block!(2, 1),
                    (_, 8) => block!(1, 8),
                    (_, 7) => block!(1, 7),
                    (_, 6) => block!(1, 6),
                    (_, 5) => block!(1, 5),
                    (_, 4) => block!(1, 4),
                    (_, 3) => block!(1, 3),
                    (_, 2) => block!(1, 2),
                    _ => block!(1, 1),
                }
                s += mr;
            }
            o += nr;
        }
    }
}

/// # Safety
/// AVX; `x` has `batch × n_in`, `w` `n_out × n_in`, `b` `n_out`, `z` `batch × n_out` values.
#[target_feature(enable = "avx,fma")]
unsafe fn forward_avx(
    x: *const f32,
    w: *const f32,
    b: *const f32,
    z: *mut f32,
    batch: usize,
    n_in: usize,
    n_out: usize,
) {
    // SAFETY: each call covers rows s..s+rows of x and z, inside the batch.
    unsafe {
        if batch == 1 {
            // matrix-vector, all of x asked for first (see `avx512::matvec`):
            // 4 rows of W per pass over x, in aligned chunks where the rows
            // allow it, else (and for the last rows) in blocks of 1 × 4
            prefetch_row(x, n_in);
            let rotated = if rotated_available(n_in) { n_out - n_out % ROTATED_ROWS } else { 0 };
            if rotated > 0 {
                matvec_rotated(x, w, b, z, n_in, rotated);
            }
            let rest = (w.add(rotated * n_in), b.add(rotated), z.add(rotated));
            return forward_rows::<1, 4>((x, n_in), rest.0, rest.1, rest.2, 1, n_in, n_out - rotated, (x, 0));
        }
        // A block of samples at a time, all of W passing over it: the
        // block's rows of x stay in L1 (6 × 784 inputs: 18.4 KiB) while the
        // rows of W stream from L2 (2 loads per 12 fused multiply-adds).
        // Unless they are aligned already, the rows are first copied to a
        // buffer where each starts on a cache line: x is loaded 6 times as
        // often as W, and a 32-byte load across two lines costs two.
        let aligned = (x as usize).is_multiple_of(32) && n_in.is_multiple_of(8);
        let ldx = n_in.next_multiple_of(16);
        let copy = !aligned && ldx <= COPY_INPUTS && n_out >= COPY_FROM_UNITS;
        let mut rows_buf = core::mem::MaybeUninit::<AlignedRows>::uninit();
        let buf = rows_buf.as_mut_ptr().cast::<f32>();
        let mut s = 0;
        while s < batch {
            let rows = FORWARD_SAMPLE_BLOCK.min(batch - s);
            let next = (batch - s - rows).min(FORWARD_SAMPLE_BLOCK) * n_in;
            let ahead = (x.add((s + rows) * n_in), next);
            let xs = if copy {
                for i in 0..rows {
                    core::ptr::copy_nonoverlapping(x.add((s + i) * n_in), buf.add(i * ldx), n_in);
                }
                (buf.cast_const(), ldx)
            } else {
                (x.add(s * n_in), n_in)
            };
            forward_rows::<6, 2>(xs, w, b, z.add(s * n_out), rows, n_in, n_out, ahead);
            s += rows;
        }
    }
}

/// Rows of `W` per pass of [`matvec_rotated`]: 4 sums in flight keep up with
/// the weights coming from L2, and 4 streams of them read faster than 8 (see
/// there).
pub(crate) const ROTATED_ROWS: usize = 4;

/// Whether [`matvec_rotated`] can take rows of `n_in` values: a multiple of 8,
/// so that every row starts at the same offset within 32 bytes.
#[inline]
pub(crate) fn rotated_available(n_in: usize) -> bool {
    n_in >= 8 && n_in.is_multiple_of(8)
}

/// `[0; 8]` then `[-1; 8]`: the 8 values from `8 − q` are the mask of lanes `≥ q`.
static FROM_LANE: [i32; 16] = [0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1];
/// `[-1; 8]` then `[0; 8]`: the 8 values from `8 − q` are the mask of lanes `< q`.
static BELOW_LANE: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

/// `z[o] = b[o] + Σ_i w[o][i] x[i]` for a single sample, `n_in` a multiple of
/// 8 and `n_out` of [`ROTATED_ROWS`], with the bits of [`dot_block`], reading
/// `W` only in aligned 32-byte chunks: a large `W` often lies 16 bytes past
/// a cache line (`mmap` gives a page plus the allocator's header), where half
/// of the 32-byte loads of [`dot_block`] straddle two lines. Every row starts
/// `q` values past a 32-byte boundary (`n_in · 4` is a multiple of 32), so
/// the inputs of a row's aligned chunk `t` are `8t − q + l`, `l = 0..8`: lane
/// `l` meets only inputs `i ≡ l − q (mod 8)`, in increasing `i`. The sums
/// are therefore the 8 lanes of [`scalar::dot`] for each row, each in its
/// order, only held `q` lanes rotated, and [`hsum`] gives the same bits for
/// any rotation of its lanes: it adds lanes 4 apart, then 2 apart, then the
/// last two, and a rotation only swaps the operands of some of these
/// additions (which are commutative, bit for bit). The sample is read at the
/// same offsets (unaligned, from L1, shared by the rows of a pass). The
/// first and last chunk of a row are masked loads (`W` and `x` both, zero
/// outside the row: a lane's sum, which starts at `+0` and so is never `−0`,
/// is unchanged by adding `0 · 0`), so nothing outside the row or the sample
/// is read.
///
/// Measured on the Zen 4 core of the 2026-12-04 run, 784 → 128, fresh
/// samples read in order (scratch programs): the layer in 3.7–3.8 µs with
/// the weights on a line boundary or 16 bytes past one, through the AVX
/// path or the AVX-512 one; before, the AVX path's 4 rows of unaligned
/// loads took 3.7–3.8 and 4.0–4.1 µs, and the AVX-512 path, whose 8 rows
/// took each line's two halves apart with a shuffle (and put each 16 values
/// together from two lines with another when misaligned), 3.8–3.9.
/// `predict` (both layers): 4.0–4.1 µs with 4 rows per pass, 4.1–4.2 with 8
/// (`--only predict` of benches/compare/figures.rs, where the weights lie on
/// a line boundary; three runs each), and 4.05–4.16 against 4.14–4.28 with
/// them 16 bytes past a line (4.20–4.43 with the kernels before).
///
/// [`scalar::dot`]: https://docs.rs/nn-core/latest/nn_core/kernel/scalar/fn.dot.html
///
/// # Safety
/// AVX, FMA; `n_in` a multiple of 8 and ≥ 8, `n_out` of [`ROTATED_ROWS`];
/// `n_in` values at `x`, `n_out × n_in` at `w`, `n_out` at `b` and `z`.
#[target_feature(enable = "avx,fma")]
pub(crate) unsafe fn matvec_rotated(
    x: *const f32,
    w: *const f32,
    b: *const f32,
    z: *mut f32,
    n_in: usize,
    n_out: usize,
) {
    const R: usize = ROTATED_ROWS;
    let q = (w as usize % 32) / 4;
    // Chunks 0..chunks lie inside a row starting on a chunk boundary; one
    // starting inside a chunk touches one more, `chunks`, in part.
    let chunks = n_in / 8;
    // lanes ≥ q (inputs ≥ 0) of the first chunk, lanes < q (inputs < n_in) of the last
    // SAFETY: 8 − q ∈ 1..=8, so 8 values from there lie in the 16.
    let (head, tail) = unsafe {
        let mask = |m: &[i32; 16]| _mm256_loadu_si256(m.as_ptr().add(8 - q).cast());
        (mask(&FROM_LANE), mask(&BELOW_LANE))
    };
    // Chunk `t` of every row and of the sample starts at `8t − q`.
    let xs = x.wrapping_sub(q);
    let mut o = 0;
    // SAFETY (whole body): chunk 0 is loaded only in the lanes of `head`,
    // chunk `chunks` (when `q > 0`) only in those of `tail`, chunks
    // 1..chunks lie inside the row and the sample, and o + R ≤ n_out. Masked-off lanes are
    // not read (`vmaskmovps` does not fault on them; wrapping pointers).
    unsafe {
        while o < n_out {
            // chunk 0 of each row of the pass
            let mut rows = [w; R];
            for r in 0..R {
                rows[r] = w.wrapping_add((o + r) * n_in).wrapping_sub(q);
            }
            let chunk = |r: usize, t: usize| rows[r].wrapping_add(8 * t);
            let mut acc = [_mm256_setzero_ps(); R];
            // Chunk `t` of the rows: the sample's loaded by `$x`, each row's by `$w`.
            macro_rules! step {
                ($t:expr, $x:expr, $w:expr) => {{
                    let t = $t;
                    let xv = $x(xs.wrapping_add(8 * t));
                    for r in 0..R {
                        acc[r] = _mm256_fmadd_ps(xv, $w(chunk(r, t)), acc[r]);
                    }
                }};
            }
            let masked = |m: __m256i| move |p: *const f32| _mm256_maskload_ps(p, m);
            let unaligned = |p: *const f32| _mm256_loadu_ps(p);
            let aligned = |p: *const f32| _mm256_load_ps(p);
            step!(0, masked(head), masked(head));
            for t in 1..chunks {
                step!(t, unaligned, aligned);
            }
            if q > 0 {
                step!(chunks, masked(tail), masked(tail));
            }
            for r in 0..R {
                // lane `s` of the specification's sums is lane `(s + q) % 8`
                // here: the same `hsum`
                *z.add(o + r) = *b.add(o + r) + hsum(acc[r]);
            }
            o += R;
        }
    }
}

/// Prefetches (into L1) the cache lines of the `n` values at `x`, all at
/// once: a sample that comes from memory, of which the first pass of a
/// matrix-vector product would otherwise wait for one line at a time.
#[inline]
#[target_feature(enable = "avx,fma")]
pub(crate) fn prefetch_row(x: *const f32, n: usize) {
    let mut l = 0;
    while l < n {
        // (a prefetch never faults, whatever the address)
        _mm_prefetch::<_MM_HINT_T0>(x.wrapping_add(l).cast());
        l += 16;
    }
}

// ---------------------------------------------------------------------------
// backward: c[r][j] (+)= Σ_k a(r, k) · b[k][j], k in order: blocks of MR rows
// × NV·8 columns, the a(r, k) broadcast, the b row loaded

/// One block of `MR` rows × `NV` vectors of 8 columns.
///
/// # Safety
/// AVX; `a(r, k) = a[r·ars + k·aks]` for `r < MR`, `k < kk`, `b[k·ldb + j]`
/// for `j < 8·NV`, and `c[r·ldc + j]` are in bounds.
#[inline]
#[target_feature(enable = "avx,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn outer_block<const MR: usize, const NV: usize>(
    a: *const f32,
    ars: usize,
    aks: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    kk: usize,
    accumulate: bool,
) {
    let mut acc = [[_mm256_setzero_ps(); NV]; MR];
    // SAFETY (whole body): the caller's bounds.
    unsafe {
        for k in 0..kk {
            let mut bv = [_mm256_setzero_ps(); NV];
            for v in 0..NV {
                bv[v] = _mm256_loadu_ps(b.add(k * ldb + 8 * v));
            }
            for r in 0..MR {
                let av = _mm256_broadcast_ss(&*a.add(r * ars + k * aks));
                for v in 0..NV {
                    acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
                }
            }
        }
        for r in 0..MR {
            for v in 0..NV {
                let c = c.add(r * ldc + 8 * v);
                _mm256_storeu_ps(c, if accumulate { _mm256_add_ps(_mm256_loadu_ps(c), acc[r][v]) } else { acc[r][v] });
            }
        }
    }
}

/// Columns `n8..n` (fewer than 8), in plain scalar code, same order.
///
/// # Safety
/// As [`outer_block`] for `m` rows and those columns.
#[inline]
#[target_feature(enable = "avx,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn outer_tail(
    a: *const f32,
    (ars, aks): (usize, usize),
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    (m, n8, n): (usize, usize, usize),
    kk: usize,
    accumulate: bool,
) {
    // SAFETY: the caller's bounds.
    unsafe {
        for r in 0..m {
            for j in n8..n {
                let c = c.add(r * ldc + j);
                let mut k0 = 0;
                while k0 < kk {
                    let mut t = 0.0;
                    for k in k0..kk.min(k0 + GRADIENT_CHUNK) {
                        t += *a.add(r * ars + k * aks) * *b.add(k * ldb + j);
                    }
                    *c = if accumulate || k0 > 0 { *c + t } else { t };
                    k0 += GRADIENT_CHUNK;
                }
            }
        }
    }
}

/// Fraction of zeros in `a` from which [`outer_sparse_avx`] replaces
/// [`outer_avx`] (after ReLU and dropout, most gradients `dz` are zero).
const SPARSE_FROM: f32 = 0.3;

/// Runs of values, and values per run, that [`zero_fraction`] reads.
const SAMPLE_RUNS: usize = 64;
const SAMPLE_RUN: usize = 64;

/// The fraction of zeros among at most [`SAMPLE_RUNS`] runs of
/// [`SAMPLE_RUN`] values spread evenly over `a` (all of `a` when it holds no
/// more than that): a function of `a` alone, so every thread that computes
/// a piece of a product chooses the kernel its neighbours choose. Counting
/// all of a 256 × 128 `δ` took about 10 µs a step on each thread (a
/// `perf` profile, `benches/profile.sh`).
fn zero_fraction(a: &[f32]) -> f32 {
    if a.is_empty() {
        return 0.0;
    }
    let zeros = |run: &[f32]| run.iter().map(|&v| u32::from(v == 0.0)).sum::<u32>();
    let (mut seen, mut zero) = (0usize, 0u32);
    for run in a.chunks(a.len().div_ceil(SAMPLE_RUNS)) {
        let run = &run[..run.len().min(SAMPLE_RUN)];
        seen += run.len();
        zero += zeros(run);
    }
    zero as f32 / seen as f32
}

/// [`outer_sparse_avx`] when at least [`SPARSE_FROM`] of `a_all` (the
/// whole of `a`, all of whose values are used) is zero by [`zero_fraction`]
/// ([`avx512::outer_sparse`] if `wide`), else [`outer_avx`].
///
/// # Safety
/// As [`outer_avx`], and AVX-512F if `wide`.
#[allow(clippy::too_many_arguments)]
unsafe fn outer(
    a_all: &[f32],
    a: *const f32,
    ars: usize,
    aks: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    m: usize,
    n: usize,
    kk: usize,
    accumulate: bool,
    wide: bool,
) {
    // a stride of a multiple of 1 KiB puts the rows read together in few
    // L1 sets (and pages): then pack
    let aliasing = |stride: usize| stride >= 256 && stride.is_multiple_of(256);
    // SAFETY: the caller's.
    unsafe {
        if zero_fraction(a_all) >= SPARSE_FROM {
            if wide {
                return avx512::outer_sparse(a, ars, aks, b, ldb, c, ldc, m, n, kk, accumulate);
            }
            outer_sparse_avx(a, ars, aks, b, ldb, c, ldc, m, n, kk, accumulate)
        } else if aliasing(ldb) || aliasing(ars) || aliasing(aks) {
            outer_packed_avx(a, ars, aks, b, ldb, c, ldc, m, n, kk, accumulate)
        } else {
            outer_avx(a, ars, aks, b, ldb, c, ldc, m, n, kk, accumulate)
        }
    }
}

/// Terms of each chunk of an outer product's sums (see the module's
/// summation order): the values of `k` that [`outer_avx`],
/// [`outer_packed_avx`] and the sparse kernels take at a time.
pub const GRADIENT_CHUNK: usize = 64;

/// Rows of `a` per micro-block of [`packed_block`] (12 accumulators).
const PACK_MR: usize = 6;
/// Rows of `a` per packed panel (a multiple of [`PACK_MR`]).
const PACK_M: usize = 10 * PACK_MR;
/// Values of `k` per packed panel (`a`: 60 × 64, 15 KiB; `b`: 64 × 16, 4 KiB).
const PACK_K: usize = GRADIENT_CHUNK;

/// As [`outer_avx`], copying panels of `a` (60 rows × 64 values of `k`) and
/// `b` (64 × 16 columns) into contiguous stack buffers first, for strides
/// that alias in the cache, with the same sums (a panel of `k` is a chunk).
///
/// # Safety
/// As [`outer_avx`].
#[target_feature(enable = "avx,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn outer_packed_avx(
    a: *const f32,
    ars: usize,
    aks: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    m: usize,
    n: usize,
    kk: usize,
    accumulate: bool,
) {
    let n16 = n - n % 16;
    let mut ap = [0.0f32; PACK_M * PACK_K];
    let mut bp = [0.0f32; PACK_K * 16];
    // SAFETY (whole body): k0 + k < kk, m0 + r < m, j + 16 ≤ n16 keep the
    // reads of a and b and the blocks of c in bounds; the packed buffers are
    // indexed below PACK_M·PACK_K and PACK_K·16.
    unsafe {
        let mut k0 = 0;
        while k0 < kk {
            let kc = PACK_K.min(kk - k0);
            let acc = accumulate || k0 > 0;
            let mut m0 = 0;
            while m0 < m {
                let mc = PACK_M.min(m - m0);
                // a: blocks of 4 rows; within a block, k then the row
                for r in 0..mc {
                    let src = a.add((m0 + r) * ars + k0 * aks);
                    let dst = ap.as_mut_ptr().add(r / PACK_MR * PACK_MR * PACK_K + r % PACK_MR);
                    for k in 0..kc {
                        *dst.add(PACK_MR * k) = *src.add(k * aks);
                    }
                }
                let mut j = 0;
                while j < n16 {
                    for k in 0..kc {
                        let src = b.add((k0 + k) * ldb + j);
                        _mm256_storeu_ps(bp.as_mut_ptr().add(16 * k), _mm256_loadu_ps(src));
                        _mm256_storeu_ps(bp.as_mut_ptr().add(16 * k + 8), _mm256_loadu_ps(src.add(8)));
                    }
                    let mut r = 0;
                    while r < mc {
                        let mr = PACK_MR.min(mc - r);
                        let (apr, bpp, cr) = (ap.as_ptr().add(r * PACK_K), bp.as_ptr(), c.add((m0 + r) * ldc + j));
                        match mr {
                            6 => packed_block::<6>(apr, bpp, kc, cr, ldc, acc),
                            5 => packed_block::<5>(apr, bpp, kc, cr, ldc, acc),
                            4 => packed_block::<4>(apr, bpp, kc, cr, ldc, acc),
                            3 => packed_block::<3>(apr, bpp, kc, cr, ldc, acc),
                            2 => packed_block::<2>(apr, bpp, kc, cr, ldc, acc),
                            _ => packed_block::<1>(apr, bpp, kc, cr, ldc, acc),
                        }
                        r += mr;
                    }
                    j += 16;
                }
                m0 += mc;
            }
            k0 += kc;
        }
        if n16 < n {
            outer_avx(a, ars, aks, b.add(n16), ldb, c.add(n16), ldc, m, n - n16, kk, accumulate);
        }
    }
}

/// `MR` rows × 16 columns from packed panels: `a(i, k) = ap[6k + i]`,
/// `b(k, j) = bp[16k + j]`.
///
/// # Safety
/// AVX and FMA; `ap` holds `6·kc`, `bp` `16·kc` values, and `c` `MR` rows
/// (stride `ldc`) of 16.
#[inline]
#[target_feature(enable = "avx,fma")]
unsafe fn packed_block<const MR: usize>(
    ap: *const f32,
    bp: *const f32,
    kc: usize,
    c: *mut f32,
    ldc: usize,
    accumulate: bool,
) {
    let mut acc = [[_mm256_setzero_ps(); 2]; MR];
    // SAFETY (whole body): the caller's bounds.
    unsafe {
        for k in 0..kc {
            let b0 = _mm256_loadu_ps(bp.add(16 * k));
            let b1 = _mm256_loadu_ps(bp.add(16 * k + 8));
            for i in 0..MR {
                let av = _mm256_broadcast_ss(&*ap.add(PACK_MR * k + i));
                acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
                acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
            }
        }
        for i in 0..MR {
            for h in 0..2 {
                let c = c.add(i * ldc + 8 * h);
                _mm256_storeu_ps(c, if accumulate { _mm256_add_ps(_mm256_loadu_ps(c), acc[i][h]) } else { acc[i][h] });
            }
        }
    }
}

/// Values of `k` that [`outer_avx`] takes at a time, [`GRADIENT_CHUNK`]
/// (each chunk's sum is added onto `c`). The rows of `b` and values of `a`
/// of one such chunk stay
/// in L1 while all of the blocks pass over them, instead of each block
/// streaming all `kk` rows from L2 or memory. On the Ice Lake of
/// 2026-12-06 (the weight gradient alone, `δ` with no zeros, medians of 36
/// to 396 calls, two runs): 784 → 128 at batch 2,048 5.46–5.55 ms instead
/// of 11.89–12.79 (chunks of 32: 5.35, 48: 5.33, 96: 6.03, 256: 6.57), at
/// batch 256 0.61–0.65 ms instead of 0.76–0.80; 128 → 10 at batch 2,048
/// 71 µs instead of 98–101; a training
/// step of a 784-128-10 network with `Tanh` (`δ` without zeros) 1.47–1.51×
/// as fast at batch 2,048 on one thread, 1.38–1.42× on two, and 1.00–1.05×
/// at batch 256 (paired in one process, two runs).
const KC: usize = GRADIENT_CHUNK;

/// `c[r][j] (+)= Σ_{k < kk} a[r·ars + k·aks] · b[k·ldb + j]` for `r < m`,
/// `j < n`: the sum over each chunk of [`GRADIENT_CHUNK`] values of `k`
/// from zero, in order, then added onto `c` (stored as it is for the first
/// chunk unless `accumulate`).
///
/// # Safety
/// AVX; all those indices in bounds of their buffers, `c` distinct from `a`, `b`.
#[target_feature(enable = "avx,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn outer_avx(
    a: *const f32,
    ars: usize,
    aks: usize,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    m: usize,
    n: usize,
    kk: usize,
    accumulate: bool,
) {
    // 12 accumulators (enough to hide the latency of the fused multiply-adds),
    // 2 vectors of a row of b and the broadcast: 784 -> 128 at batch 64 on a
    // Zen 2 core, dW 75 -> 85 GFLOP/s and dX 78 -> 93 from 4 rows (8
    // accumulators, chosen on Zen 1, where broadcasts cost more than loads)
    const MR: usize = 6;
    const NV: usize = 2;
    let n8 = n - n % 8;
    // SAFETY (whole body): every block is inside m × n, and k0 + kc ≤ kk.
    unsafe {
        // KC values of k at a time, every block over them: the rows of b
        // they read stay in L1 while the blocks of rows of c pass
        let mut k0 = 0;
        while k0 < kk {
            let kc = KC.min(kk - k0);
            // after the first KC, each chunk's sums are added onto c
            let acc = accumulate || k0 > 0;
            let (ak, bk) = (a.add(k0 * aks), b.add(k0 * ldb));
            let mut j = 0;
            while j < n8 {
                let nv = NV.min((n8 - j) / 8);
                let mut r = 0;
                while r < m {
                    let mr = MR.min(m - r);
                    let (ar, bj, cr) = (ak.add(r * ars), bk.add(j), c.add(r * ldc + j));
                    macro_rules! block {
                        ($m:literal, $v:literal) => {
                            outer_block::<$m, $v>(ar, ars, aks, bj, ldb, cr, ldc, kc, acc)
                        };
                    }
                    match (mr, nv) {
                        (6, 2) => block!(6, 2),
                        (6, _) => block!(6, 1),
                        (5, 2) => block!(5, 2),
                        (5, _) => block!(5, 1),
                        (4, 2) => block!(4, 2),
                        (4, _) => block!(4, 1),
                        (3, 2) => block!(3, 2),
                        (3, _) => block!(3, 1),
                        (2, 2) => block!(2, 2),
                        (2, _) => block!(2, 1),
                        (_, 2) => block!(1, 2),
                        _ => block!(1, 1),
                    }
                    r += mr;
                }
                j += 8 * nv;
            }
            k0 += kc;
        }
        if n8 < n {
            outer_tail(a, (ars, aks), b, ldb, c, ldc, (m, n8, n), kk, accumulate);
        }
    }
}

// ---------------------------------------------------------------------------
// backward with sparse a: the terms with a(r, k) = 0 are skipped, as the
// scalar loops skip a zero gradient (the other terms in the dense kernels'
// order and chunks). One row of c at a time, over the list of its nonzero
// a(r, k) in a chunk of k, NV·8 columns per block.

/// Columns per panel of `b` (a panel of 64 values of `k` × 64 columns is
/// 16 KiB: it stays in L1 while a group of rows passes over it).
pub(crate) const PANEL: usize = 64;
/// Values of `k` per list of nonzero `a(r, k)`.
pub(crate) const KCHUNK: usize = GRADIENT_CHUNK;
/// Rows whose lists are built together (once per chunk of `k`).
pub(crate) const GROUP: usize = 16;

/// One row block: `c[j..j + 8·NV] (+)= Σ_i vals[i] · b[ks[i]·ldb + j..]`
/// (the sum from zero, then added onto `c` if `accumulate`).
///
/// # Safety
/// AVX and FMA; rows `ks[i]` of `b` hold `8·NV` values from `b`, and `c` does.
#[inline]
#[target_feature(enable = "avx,fma")]
pub(crate) unsafe fn sparse_block<const NV: usize>(
    ks: &[u32],
    vals: &[f32],
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    accumulate: bool,
) {
    let mut acc = [_mm256_setzero_ps(); NV];
    // SAFETY (whole body): the caller's bounds.
    unsafe {
        let n = ks.len().min(vals.len());
        for t in 0..n {
            let (k, a) = (*ks.get_unchecked(t), *vals.get_unchecked(t));
            let av = _mm256_set1_ps(a);
            let row = b.add(k as usize * ldb);
            for v in 0..NV {
                acc[v] = _mm256_fmadd_ps(av, _mm256_loadu_ps(row.add(8 * v)), acc[v]);
            }
        }
        for v in 0..NV {
            let c = c.add(8 * v);
            _mm256_storeu_ps(c, if accumulate { _mm256_add_ps(_mm256_loadu_ps(c), acc[v]) } else { acc[v] });
        }
    }
}

/// Defines a sparse outer product, [`outer_avx`] skipping the zero
/// `a(r, k)`, with the target features `$features` and `$panel` for the
/// blocks of one row (`$panel(ks, vals, b, ldb, c, accumulate, left)`
/// computes at most `left` vectors of 8 columns and returns how many it did):
/// one source for the AVX and the AVX-512 kernels.
///
/// When all rows of `b` start at the same offset from an `$align`-byte
/// boundary (`ldb` a multiple of `$align / 4` values), the blocks start at
/// the first column whose values do, and `$edge(ks, vals, b, ldb, c,
/// accumulate, width)` (masked, `width < 16`) does the columns before them
/// and those after them below `n − n % 8`: each value gets the same fused
/// multiply-adds in the same order either way. A row of MNIST's 784 inputs
/// is 49 cache lines, and the 188 MB array of the MNIST loader starts 16
/// bytes past one: every 64-byte load of the first layer's weight gradient
/// spanned two lines. On one thread of the Ice Lake of 2026-12-06 (a
/// scratch program, 256-sample `train_step`s over 30,720 such samples,
/// the two versions alternating in one process, medians of 9 rounds) that
/// gradient took 472 µs before and 306 after, the step 921 and 751 µs.
macro_rules! sparse_outer {
    ($(#[$doc:meta])* $vis:vis fn $name:ident, $features:literal, $panel:path, $edge:path, $align:literal) => {
        $(#[$doc])*
        #[target_feature(enable = $features)]
        #[allow(clippy::too_many_arguments)]
        $vis unsafe fn $name(
            a: *const f32,
            ars: usize,
            aks: usize,
            b: *const f32,
            ldb: usize,
            c: *mut f32,
            ldc: usize,
            m: usize,
            n: usize,
            kk: usize,
            accumulate: bool,
        ) {
            let mut ks = [[0u32; $crate::x86::KCHUNK]; $crate::x86::GROUP];
            let mut vals = [[0.0f32; $crate::x86::KCHUNK]; $crate::x86::GROUP];
            let mut counts = [0usize; $crate::x86::GROUP];
            let n8 = n - n % 8;
            // columns 0..lead and lead + body..n8 by `$edge`, the blocks between
            let lead = if ldb % ($align / 4) == 0 { ($align - b as usize % $align) % $align / 4 } else { 0 };
            let lead = if lead < n8 { lead } else { 0 };
            let body = (n8 - lead) / 8 * 8;
            // SAFETY (whole body): k0 + k < kk, r < m and j < n keep every access in bounds.
            unsafe {
                let mut k0 = 0;
                while k0 < kk {
                    let kc = $crate::x86::KCHUNK.min(kk - k0);
                    // after the first chunk of k, each chunk's sums are added onto c
                    let acc = accumulate || k0 > 0;
                    let bk = b.add(k0 * ldb);
                    let mut r0 = 0;
                    while r0 < m {
                        let g = $crate::x86::GROUP.min(m - r0);
                        // the lists of nonzero a(r, k), k in this chunk, for the rows of the group
                        for (i, ((ks, vals), count)) in ks.iter_mut().zip(&mut vals).zip(&mut counts).take(g).enumerate() {
                            let ar = a.add((r0 + i) * ars + k0 * aks);
                            let mut cnt = 0;
                            for k in 0..kc {
                                let v = *ar.add(k * aks);
                                *ks.get_unchecked_mut(cnt) = k as u32;
                                *vals.get_unchecked_mut(cnt) = v;
                                cnt += usize::from(v != 0.0);
                            }
                            *count = cnt;
                        }
                        for i in 0..g {
                            let (ks, vals) = (&ks[i][..counts[i]], &vals[i][..counts[i]]);
                            let cr = c.add((r0 + i) * ldc);
                            for (from, to) in [(0, lead), (lead + body, n8)] {
                                if from < to {
                                    $edge(ks, vals, bk.add(from), ldb, cr.add(from), acc, to - from);
                                }
                            }
                        }
                        let mut j0 = lead;
                        while j0 < lead + body {
                            let jp = $crate::x86::PANEL.min(lead + body - j0);
                            for i in 0..g {
                                let (ks, vals) = (&ks[i][..counts[i]], &vals[i][..counts[i]]);
                                let cr = c.add((r0 + i) * ldc);
                                let mut j = j0;
                                while j < j0 + jp {
                                    let (bj, cj) = (bk.add(j), cr.add(j));
                                    let nv = $panel(ks, vals, bj, ldb, cj, acc, (j0 + jp - j) / 8);
                                    j += 8 * nv;
                                }
                            }
                            j0 += jp;
                        }
                        // the last columns (fewer than 8), scalar
                        for i in 0..g {
                            let (ks, vals) = (&ks[i][..counts[i]], &vals[i][..counts[i]]);
                            let cr = c.add((r0 + i) * ldc);
                            for j in n8..n {
                                let mut t = 0.0;
                                for (&k, &v) in ks.iter().zip(vals) {
                                    t += v * *bk.add(k as usize * ldb + j);
                                }
                                *cr.add(j) = if acc { *cr.add(j) + t } else { t };
                            }
                        }
                        r0 += g;
                    }
                    k0 += kc;
                }
            }
        }
    };
}
pub(crate) use sparse_outer;

sparse_outer! {
    /// As [`outer_avx`], skipping the zero `a(r, k)`.
    ///
    /// # Safety
    /// As [`outer_avx`].
    fn outer_sparse_avx, "avx,fma", sparse_panel, sparse_edge, 32
}

/// `width < 16` columns of one row of [`outer_sparse_avx`] (those before its
/// aligned blocks, or after them): [`sparse_block`] with masked loads and
/// stores.
///
/// # Safety
/// AVX; as [`sparse_block`] for `width` columns.
#[inline]
#[target_feature(enable = "avx,fma")]
unsafe fn sparse_edge(
    ks: &[u32],
    vals: &[f32],
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    accumulate: bool,
    width: usize,
) {
    // lane l of `ONES[8 - w..]` is all ones for l < w
    const ONES: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];
    debug_assert!(width < 16);
    // SAFETY (whole body): the caller's bounds; masked-off lanes are neither
    // read nor written.
    unsafe {
        for h in 0..width.div_ceil(8) {
            let w = (width - 8 * h).min(8);
            let mask = _mm256_loadu_si256(ONES.as_ptr().add(8 - w).cast());
            let (b, c) = (b.add(8 * h), c.add(8 * h));
            let mut acc = _mm256_setzero_ps();
            for (&k, &a) in ks.iter().zip(vals) {
                acc = _mm256_fmadd_ps(_mm256_set1_ps(a), _mm256_maskload_ps(b.add(k as usize * ldb), mask), acc);
            }
            if accumulate {
                acc = _mm256_add_ps(_mm256_maskload_ps(c, mask), acc);
            }
            _mm256_maskstore_ps(c, mask, acc);
        }
    }
}

/// The blocks of [`outer_sparse_avx`]: 8, 4, 2 or 1 vectors of 8 columns.
///
/// # Safety
/// As [`sparse_block`] for `8·left` columns.
#[inline]
#[target_feature(enable = "avx,fma")]
unsafe fn sparse_panel(
    ks: &[u32],
    vals: &[f32],
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    acc: bool,
    left: usize,
) -> usize {
    // SAFETY: the caller's bounds; each block takes at most `left` vectors.
    unsafe {
        match left {
            8.. => {
                sparse_block::<8>(ks, vals, b, ldb, c, acc);
                8
            }
            4..=7 => {
                sparse_block::<4>(ks, vals, b, ldb, c, acc);
                4
            }
            2 | 3 => {
                sparse_block::<2>(ks, vals, b, ldb, c, acc);
                2
            }
            _ => {
                sparse_block::<1>(ks, vals, b, ldb, c, acc);
                1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`zero_fraction`] counts every value of a short `a` and 64 runs of 64
    /// spread over a long one (so a pattern confined to the unread values
    /// is not seen: it decides a kernel's speed, never its result).
    #[test]
    fn zero_fraction_counts_all_of_short_slices_and_runs_of_long_ones() {
        assert_eq!(zero_fraction(&[]), 0.0);
        assert_eq!(zero_fraction(&[0.0, 1.0, -0.0, 2.0, 3.0]), 0.4);
        let half: std::vec::Vec<f32> = (0..4096).map(|i| (i % 2) as f32).collect();
        assert_eq!(zero_fraction(&half), 0.5);
        // 256 × 128: runs 512 apart, each of its first 64 values
        let mut long = std::vec![1.0f32; 256 * 128];
        for run in long.chunks_mut(512) {
            run[..16].fill(0.0);
        }
        assert_eq!(zero_fraction(&long), 0.25);
        long.iter_mut().skip(64).step_by(512).for_each(|v| *v = 0.0);
        assert_eq!(zero_fraction(&long), 0.25, "values after each run are not read");
        // a length that does not divide: 64 chunks of ⌈10,000 / 64⌉ = 157 (the last 109)
        let odd = std::vec![0.0f32; 10_000];
        assert_eq!(zero_fraction(&odd), 1.0);
    }

    /// [`hsum8`] gives each register's [`hsum`] bit for bit, on sums whose
    /// value depends on the order (terms of very different sizes, cancelling).
    #[test]
    fn hsum8_gives_the_bits_of_hsum() {
        if !available() {
            return;
        }
        let mut s = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let scale = [1e-8f32, 1.0, 3e4, 1e8][(s >> 60) as usize % 4];
            ((s >> 11) as f32 / (1u64 << 53) as f32 - 0.5) * scale
        };
        for _ in 0..2000 {
            let lanes: [[f32; 8]; 8] = core::array::from_fn(|_| core::array::from_fn(|_| next()));
            // SAFETY: AVX is available (checked above).
            let (got, want) = unsafe {
                let v = lanes.map(|l| _mm256_loadu_ps(l.as_ptr()));
                let mut got = [0.0f32; 8];
                _mm256_storeu_ps(got.as_mut_ptr(), hsum8(v));
                (got, v.map(|v| hsum(v)))
            };
            assert_eq!(got.map(f32::to_bits), want.map(f32::to_bits), "{lanes:?}");
        }
    }
}
