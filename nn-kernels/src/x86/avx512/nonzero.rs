//! The batched forward pass by nonzero inputs, for batches whose inputs are
//! mostly zeros (MNIST's pixels: 19% nonzero; the outputs of a ReLU layer
//! often half): the work of an input that is zero is skipped.
//!
//! - The weights are packed transposed (`pack`): input after input, each
//!   input's weights to (up to) 128 units in one row of aligned registers,
//!   the inputs ordered by lane class (below).
//! - Samples go 3 at a time (`SAMPLES`). The inputs nonzero in any of the
//!   3 are found with one compare per 16 inputs per sample (a bit mask), and
//!   for each such input `i` its row of weights is loaded once, multiplied
//!   by each sample's `x_i` and added to that sample's sums (24 registers:
//!   3 samples × 128 units). On MNIST's first 2,000 test images that is
//!   264 rows per 3 samples (88 each) read from L2 instead of 784.
//!
//! **The same sums as the dense kernels.** Their dot products keep 8
//! partial sums (lane `j` takes the inputs `i ≡ j (mod 8)` below
//! `n − n % 8`, one fused multiply-add each, in increasing `i`), reduce them
//! in [`scalar::dot`]'s pairwise order, add the tail (`n − n % 8 ..`, each
//! product rounded, then added) and then the bias. Here the 8 lanes become
//! 8 passes over a sample's nonzero inputs, one per class `i mod 8`, each in
//! increasing `i`, with the same reduction, tail (all of its inputs, zero or
//! not) and bias, in the same operand order. An input zero in one sample
//! but not in another of its 3 is multiplied like any other (as the dense
//! kernels do); one zero in all 3 is skipped. What a skipped input would have
//! added is a product `±0`, which leaves every partial sum unchanged except
//! `−0` (to `+0`); a partial sum is `−0` only after a product below 2⁻¹⁵⁰
//! in magnitude, negative, underflowed to it. So the result has the dense
//! kernels' bits for every input and weight except that case (the sign of a
//! zero result), and provided the weights are finite (`0 · ∞` is NaN):
//! `pack` reports whether they are, and the caller goes dense if not.
//! Inputs of `−0` count as zeros; NaN inputs as nonzero.
//!
//! [`scalar::dot`]: https://docs.rs/nn-core/latest/nn_core/kernel/scalar/fn.dot.html

use core::arch::x86_64::*;

use super::PANEL_INPUTS;

/// Units per group: the sums of a group stay in 8 registers while a
/// sample's nonzero inputs pass.
const GROUP: usize = 128;

/// Words of a lane class's bits (one per 8 inputs).
const CLASS_WORDS: usize = PANEL_INPUTS / 8 / 64;

/// Samples per pass over the weights: each row of weights that a pass
/// reads serves all of them (MNIST's first 2,000 test images: 141 nonzero
/// pixels in one, 264 in any of three, so 88 rows per sample instead of
/// 141). On the
/// Ice Lake of the 2026-12-06 runs (784 → 128, batch 10,000, paired with
/// the panels): 1 sample at a time 1.39× the panels' speed, 3 at a time
/// 1.74–1.87×; 4 or 6 at a time (64 units per pass, to stay in registers)
/// 1.71–1.73×.
pub(super) const SAMPLES: usize = 3;

/// Fewest units for which a layer goes by nonzero inputs: each row read
/// costs the same bookkeeping whatever its width (finding the input,
/// broadcasting it), which narrow layers cannot pay back. Ice Lake,
/// 2026-12-06, batch 2,048, paired with the panels (medians of 15), 784
/// inputs 10% / 19% nonzero (27% / 47% in any of 3 samples): 8 units
/// 0.72× / 0.52× as fast, 16 units 1.00× / 0.72×, 32 units 1.19× / 0.90×,
/// 48 units 1.40× / 1.18×, 64 units 1.79× / 1.35×; LeNet-5's convolutions
/// (25 → 6 units: 0.67× / 0.61×) made its `predict_batch` 0.92–0.94× as fast.
pub(super) const MIN_UNITS: usize = 48;

/// Samples whose inputs [`sparse_enough`] counts.
const SAMPLED: usize = 6 * SAMPLES;

/// Largest share (percent) of inputs nonzero in any sample of a group for
/// which [`sparse_enough`] says yes, at 256 samples or more. Measured on
/// the Ice Lake of the 2026-12-06 runs (784 → 128, random inputs, weights
/// packed on each call, paired with the panels, medians of 15): 49% of the
/// inputs nonzero in any of 3 samples 1.21–1.27× as fast at batch 256 and
/// 1.35–1.39× at 2,048; 58% 0.96–1.02× and 1.36×, 66% 0.95× and 1.24×
/// (these two with the first, scalar, transposition of the weights).
pub(super) const MAX_NONZERO_PERCENT: usize = 50;

/// [`MAX_NONZERO_PERCENT`] below 256 samples, where packing the weights (a
/// pass over all of them on each call) weighs more: at batch 128, 34%
/// nonzero in any of 3 samples 1.38–1.52× as fast as the panels.
pub(super) const MAX_NONZERO_PERCENT_SHORT: usize = 35;

/// Values of the packed weights of a layer: `n_in` rows of the units
/// rounded up to a multiple of 16.
pub(super) fn packed_len(n_in: usize, n_out: usize) -> usize {
    n_in * n_out.next_multiple_of(16)
}

/// Whether forwarding `batch` samples by nonzero inputs is likely faster
/// than by panels: among the first [`SAMPLED`] samples, in groups of
/// [`SAMPLES`] as [`forward`] takes them, the inputs (below `n − n % 8`)
/// nonzero in any sample of a group are at most [`MAX_NONZERO_PERCENT`]
/// (below 256 samples, [`MAX_NONZERO_PERCENT_SHORT`]) of them.
///
/// # Safety
/// AVX-512F; `x` has `batch × n_in` values, `8 ≤ n_in ≤ PANEL_INPUTS`.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn sparse_enough(x: *const f32, batch: usize, n_in: usize) -> bool {
    let k8 = n_in - n_in % 8;
    let rows = batch.min(SAMPLED);
    let mut nonzero = 0;
    let mut s = 0;
    while s < rows {
        let ms = SAMPLES.min(rows - s);
        for word in 0..k8.div_ceil(64) {
            // SAFETY: the caller's bounds; s + ms ≤ batch.
            nonzero += unsafe { any_nonzero(x.add(s * n_in), ms, n_in, word) }.count_ones() as usize;
        }
        s += ms;
    }
    let limit = if batch >= 256 { MAX_NONZERO_PERCENT } else { MAX_NONZERO_PERCENT_SHORT };
    nonzero * 100 <= limit * rows.div_ceil(SAMPLES) * k8
}

/// Bit `c` of word `word` of the inputs (below `n − n % 8`) of the `ms`
/// samples at `xs`: whether input `64 · word + c` of any of them is nonzero
/// (`−0` is zero, NaN nonzero).
///
/// # Safety
/// AVX-512F; `ms` samples of `n_in` values at `xs`; `64 · word < n − n % 8`.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn any_nonzero(xs: *const f32, ms: usize, n_in: usize, word: usize) -> u64 {
    let k8 = n_in - n_in % 8;
    let zero = _mm512_setzero_ps();
    let mut bits = 0u64;
    for part in 0..4 {
        let c = 64 * word + 16 * part;
        if c >= k8 {
            break;
        }
        let mut any: __mmask16 = 0;
        for m in 0..ms {
            // SAFETY: the caller's bounds: c + 16 ≤ k8, or c + 8 = k8.
            let v = unsafe {
                let xm = xs.add(m * n_in + c);
                if c + 16 <= k8 {
                    _mm512_loadu_ps(xm)
                } else {
                    _mm512_castps256_ps512(_mm256_loadu_ps(xm))
                }
            };
            let lanes: __mmask16 = if c + 16 <= k8 { 0xFFFF } else { 0x00FF };
            any |= _mm512_mask_cmp_ps_mask::<_CMP_NEQ_UQ>(lanes, v, zero);
        }
        bits |= u64::from(any) << (16 * part);
    }
    bits
}

/// The packed row of input `k` of `n_in`: the inputs below `n − n % 8`
/// class by class (`k mod 8`), each class in increasing `k`, so that a pass
/// over a class's nonzero inputs reads its rows front to back; the tail after.
fn row(k: usize, n_in: usize) -> usize {
    let k8 = n_in - n_in % 8;
    if k < k8 {
        k % 8 * (k8 / 8) + k / 8
    } else {
        k
    }
}

/// Packs the `n_out × n_in` weights `w` (row-major, a unit's weights in a
/// row) transposed into `dst`: for each group of up to [`GROUP`] units `g`
/// (width `wg`, its units rounded up to a multiple of 16, the extra columns
/// zero), `n_in` rows of `wg` values, row [`row`]`(i, n_in)` holding
/// `w[o][i]` for the group's units; group `g` starts at `n_in · GROUP · g`.
/// 16 units × 16 inputs at a time, transposed in registers. Returns whether
/// every weight is finite.
///
/// # Safety
/// AVX-512F; `n_out × n_in` values at `w`; [`packed_len`]`(n_in, n_out)`
/// writable at `dst`, 64-byte aligned.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn pack(w: *const f32, n_in: usize, n_out: usize, dst: *mut f32) -> bool {
    let zero = _mm512_setzero_ps();
    let mut finite: __mmask16 = 0xFFFF;
    let mut o0 = 0;
    // SAFETY (whole body): rows o0 + ob + r < n_out and inputs k0 + kk < n_in
    // of `w` are read (masked loads touch no other input); group g's rows
    // end at n_in · (GROUP · g + wg) ≤ packed_len, and each store is one
    // aligned register of a row (wg and ob multiples of 16).
    unsafe {
        while o0 < n_out {
            let units = GROUP.min(n_out - o0);
            let wg = units.next_multiple_of(16);
            let base = dst.add(n_in * o0);
            // 16 units' rows front to back (16 streams for the prefetchers)
            for ob in (0..wg).step_by(16) {
                let rows = units.saturating_sub(ob).min(16);
                let mut k0 = 0;
                while k0 < n_in {
                    let kn = 16.min(n_in - k0);
                    let inputs: __mmask16 = if kn == 16 { 0xFFFF } else { (1 << kn) - 1 };
                    let mut t = [zero; 16];
                    for r in 0..16 {
                        if r < rows {
                            let v = _mm512_maskz_loadu_ps(inputs, w.add((o0 + ob + r) * n_in + k0));
                            // v − v is 0 for a finite value, NaN otherwise
                            finite &= _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(_mm512_sub_ps(v, v), zero);
                            t[r] = v;
                        }
                    }
                    let t = transpose16(t);
                    for kk in 0..16 {
                        if kk < kn {
                            _mm512_store_ps(base.add(row(k0 + kk, n_in) * wg + ob), t[kk]);
                        }
                    }
                    k0 += kn;
                }
            }
            o0 += units;
        }
    }
    finite == 0xFFFF
}

/// The 16 × 16 matrix whose rows are `r` (lane `c` of `r[i]` is element
/// `(i, c)`), transposed: in 4 steps, the off-diagonal blocks of 8, then
/// of 4 within each block of 8, of 2 and of 1 are swapped.
#[inline]
#[target_feature(enable = "avx512f")]
fn transpose16(mut r: [__m512; 16]) -> [__m512; 16] {
    // Step b: rows i and i + b (i & b == 0) become, in each 2b columns,
    // [r_i's first b, r_{i+b}'s first b] and [r_i's last b, r_{i+b}'s last
    // b]. Lane e of the first: r_i[e] if e & b == 0, else r_{i+b}[e − b]; of
    // the second: r_i[e + b] if e & b == 0, else r_{i+b}[e] (the second
    // operand's lanes are numbered 16..32).
    #[rustfmt::skip]
    let steps = [
        (8, _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
            _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31)),
        (4, _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
            _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31)),
        (2, _mm512_setr_epi32(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29),
            _mm512_setr_epi32(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31)),
        (1, _mm512_setr_epi32(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30),
            _mm512_setr_epi32(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31)),
    ];
    for (b, first, second) in steps {
        for i in (0..16).filter(|i| i & b == 0) {
            let (p, q) = (r[i], r[i + b]);
            r[i] = _mm512_permutex2var_ps(p, first, q);
            r[i + b] = _mm512_permutex2var_ps(p, second, q);
        }
    }
    r
}

/// `z[s][o] = b[o] + Σ_i w[o][i] x[s][i]` for the `batch` samples of `x`,
/// from the weights packed by [`pack`], by nonzero inputs (see the module).
///
/// # Safety
/// AVX-512F, AVX, FMA, BMI2; `8 ≤ n_in ≤ PANEL_INPUTS`; `x` has `batch × n_in`,
/// `b` `n_out`, `z` `batch × n_out` values; `packed` holds `w` packed by
/// [`pack`] and is 64-byte aligned.
#[target_feature(enable = "avx512f,avx,fma,bmi2")]
pub(super) unsafe fn forward(
    x: *const f32,
    b: *const f32,
    z: *mut f32,
    (batch, n_in, n_out): (usize, usize, usize),
    packed: *const f32,
) {
    let k8 = n_in - n_in % 8;
    let words = k8.div_ceil(64);
    // SAFETY (whole body): the caller's bounds; s + ms ≤ batch, 64 · word <
    // k8, o0 + units ≤ n_out.
    unsafe {
        let mut s = 0;
        while s < batch {
            let ms = SAMPLES.min(batch - s);
            let xs = x.add(s * n_in);
            // class j's bits (inputs 8q + j at bit q): whether that input of
            // any of the ms samples is nonzero; from each word of 64 inputs'
            // bits, 8 per class
            let mut classes = [[0u64; CLASS_WORDS]; 8];
            for word in 0..words {
                let bits = any_nonzero(xs, ms, n_in, word);
                for (j, class) in classes.iter_mut().enumerate() {
                    class[word / 8] |= _pext_u64(bits, 0x0101_0101_0101_0101 << j) << (8 * (word % 8));
                }
            }
            let mut o0 = 0;
            while o0 < n_out {
                let units = GROUP.min(n_out - o0);
                let group = Group {
                    x: xs,
                    // the next samples' inputs, into L2 while the first
                    // group runs (a prefetch never faults: past the batch
                    // it is harmless)
                    next: if o0 == 0 { x.wrapping_add((s + ms) * n_in) } else { core::ptr::null() },
                    next_lines: (SAMPLES.min(batch - s - ms) * n_in).div_ceil(16),
                    classes: &classes,
                    packed: packed.add(n_in * o0),
                    b: b.add(o0),
                    z: z.add(s * n_out + o0),
                    n_in,
                    n_out,
                    units,
                };
                group_any(ms, &group);
                o0 += units;
            }
            s += ms;
        }
    }
}

/// [`group_sums`] for `ms ≤ SAMPLES` samples.
///
/// # Safety
/// As [`group_sums`] with `M = ms`.
#[inline]
#[target_feature(enable = "avx512f,avx,fma,bmi2")]
unsafe fn group_any(ms: usize, g: &Group) {
    macro_rules! sums {
        ($m:literal) => {
            // SAFETY: the caller's.
            unsafe {
                match g.units.div_ceil(16) {
                    8 => group_sums::<$m, 8>(g),
                    7 => group_sums::<$m, 7>(g),
                    6 => group_sums::<$m, 6>(g),
                    5 => group_sums::<$m, 5>(g),
                    4 => group_sums::<$m, 4>(g),
                    3 => group_sums::<$m, 3>(g),
                    2 => group_sums::<$m, 2>(g),
                    _ => group_sums::<$m, 1>(g),
                }
            }
        };
    }
    match ms {
        3 => sums!(3),
        2 => sums!(2),
        _ => sums!(1),
    }
}

/// Some samples and one group of units.
struct Group<'a> {
    /// The first sample's `n_in` inputs (the others follow).
    x: *const f32,
    /// The next samples' inputs to prefetch (a share per lane class), or null.
    next: *const f32,
    /// Cache lines of them.
    next_lines: usize,
    /// Bit `q % 64` of word `q / 64` of class `j`: whether input `8q + j`
    /// (below `n − n % 8`) of any of the samples is nonzero.
    classes: &'a [[u64; CLASS_WORDS]; 8],
    /// The group's packed rows (`⌈units / 16⌉ · 16` values each).
    packed: *const f32,
    /// The group's biases, and its outputs for the first sample (the others
    /// follow, `n_out` apart).
    b: *const f32,
    z: *mut f32,
    n_in: usize,
    n_out: usize,
    units: usize,
}

/// `M` samples' outputs for one group's `units ≤ 16·NV` units: 8 passes
/// over the inputs nonzero in any of the samples (one per lane class), the
/// pairwise reduction, the tail and the bias.
///
/// # Safety
/// AVX-512F, AVX, FMA, BMI2; `⌈g.units / 16⌉ = NV`; the bounds of [`forward`]
/// for `M` samples.
#[inline]
#[target_feature(enable = "avx512f,avx,fma,bmi2")]
unsafe fn group_sums<const M: usize, const NV: usize>(g: &Group) {
    let wg = 16 * NV;
    let k8 = g.n_in - g.n_in % 8;
    // a[m][j] = s_j + s_{j + 4} (s_j alone until pass j + 4)
    let mut a = [[[_mm512_setzero_ps(); NV]; 4]; M];
    // SAFETY (whole body): the caller's bounds; 8q + j < k8, rows of wg values.
    unsafe {
        for j in 0..8 {
            let rows = g.packed.add(j * (k8 / 8) * wg);
            for line in (g.next_lines * j / 8..g.next_lines * (j + 1) / 8).filter(|_| !g.next.is_null()) {
                // (a prefetch never faults)
                _mm_prefetch::<_MM_HINT_T1>(g.next.wrapping_add(16 * line).cast());
            }
            let mut acc = [[_mm512_setzero_ps(); NV]; M];
            for (word, bits) in g.classes[j].iter().enumerate() {
                let mut bits = *bits;
                while bits != 0 {
                    let q = 64 * word + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let mut xv = [_mm512_setzero_ps(); M];
                    for m in 0..M {
                        xv[m] = _mm512_set1_ps(*g.x.add(m * g.n_in + 8 * q + j));
                    }
                    let row = rows.add(q * wg);
                    for v in 0..NV {
                        let wv = _mm512_load_ps(row.add(16 * v));
                        for m in 0..M {
                            acc[m][v] = _mm512_fmadd_ps(xv[m], wv, acc[m][v]);
                        }
                    }
                }
            }
            for m in 0..M {
                for v in 0..NV {
                    a[m][j % 4][v] = if j < 4 { acc[m][v] } else { _mm512_add_ps(a[m][j % 4][v], acc[m][v]) };
                }
            }
        }
        for m in 0..M {
            let x = g.x.add(m * g.n_in);
            let z = g.z.add(m * g.n_out);
            for v in 0..NV {
                let a = &a[m];
                // ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7))
                let mut t = _mm512_add_ps(_mm512_add_ps(a[0][v], a[2][v]), _mm512_add_ps(a[1][v], a[3][v]));
                for k in k8..g.n_in {
                    let row = g.packed.add(k * wg);
                    t = _mm512_add_ps(t, _mm512_mul_ps(_mm512_set1_ps(*x.add(k)), _mm512_load_ps(row.add(16 * v))));
                }
                let left = g.units - 16 * v;
                if left >= 16 {
                    _mm512_storeu_ps(z.add(16 * v), _mm512_add_ps(_mm512_loadu_ps(g.b.add(16 * v)), t));
                } else {
                    let mask: __mmask16 = (1 << left) - 1;
                    let bias = _mm512_maskz_loadu_ps(mask, g.b.add(16 * v));
                    _mm512_mask_storeu_ps(z.add(16 * v), mask, _mm512_add_ps(bias, t));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use super::super::{
        available, dense_forward, dense_forward_layer, dense_forward_layer_rows, reserve_packing,
        with_constant_weights, PANEL_FLOATS, PANEL_MIN_BATCH, ROWS_ALIGN,
    };
    use super::*;

    /// Values in [-1, 1], each zero with probability `zeros` in 16.
    fn values(n: usize, seed: u64, zeros: u64) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                if (s >> 60) < zeros {
                    0.0
                } else {
                    ((s >> 11) as f32 / (1u64 << 53) as f32) * 2.0 - 1.0
                }
            })
            .collect()
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|v| v.to_bits()).collect()
    }

    /// The AVX kernel's result (the bits every x86 path gives).
    fn reference(x: &[f32], w: &[f32], b: &[f32], n_in: usize, n_out: usize) -> Vec<f32> {
        let mut z = std::vec![0.0; x.len() / n_in * n_out];
        crate::x86::dense_forward(x, w, b, &mut z, n_in, n_out);
        z
    }

    /// A 64-byte aligned buffer of `n` values, NaN beyond `n` (a read past
    /// the packed weights would carry it into a result).
    fn buffer(n: usize) -> Vec<__m512> {
        // SAFETY: AVX-512F is available (the callers check).
        std::vec![unsafe { _mm512_set1_ps(f32::NAN) }; n.div_ceil(16) + 4]
    }

    #[test]
    fn transpose16_transposes() {
        if !available() {
            return;
        }
        let m: [[f32; 16]; 16] = core::array::from_fn(|i| core::array::from_fn(|c| (16 * i + c) as f32));
        // SAFETY: AVX-512F is available (checked above).
        let t = unsafe { transpose16(m.map(|r| _mm512_loadu_ps(r.as_ptr()))) };
        let t: [[f32; 16]; 16] = t.map(|v| {
            let mut r = [0.0; 16];
            // SAFETY: as above.
            unsafe { _mm512_storeu_ps(r.as_mut_ptr(), v) };
            r
        });
        for i in 0..16 {
            for c in 0..16 {
                assert_eq!(t[i][c], m[c][i], "({i}, {c})");
            }
        }
    }

    /// Every weight lands in its row (class by class) and column, the
    /// padding columns are zero, nothing past the packed length is written,
    /// and a single infinite or NaN weight anywhere is reported.
    #[test]
    fn pack_places_every_weight_and_reports_non_finite_ones() {
        if !available() {
            return;
        }
        for (n_in, n_out) in [(8, 1), (9, 16), (17, 17), (64, 10), (100, 128), (33, 129), (16, 300)] {
            let w = values(n_out * n_in, 7, 0);
            let len = packed_len(n_in, n_out);
            let mut buf = buffer(len);
            let dst = buf.as_mut_ptr().cast::<f32>();
            // SAFETY: AVX-512F; the weights and `len` values in bounds, aligned.
            assert!(unsafe { pack(w.as_ptr(), n_in, n_out, dst) });
            // SAFETY: the buffer holds at least `len + 16` values.
            let packed = unsafe { core::slice::from_raw_parts(dst, len + 16) };
            assert!(packed[len..].iter().all(|v| v.is_nan()), "written past the end: {:?}", (n_in, n_out));
            let mut seen = 0;
            for g0 in (0..n_out).step_by(GROUP) {
                let units = GROUP.min(n_out - g0);
                let wg = units.next_multiple_of(16);
                for i in 0..n_in {
                    let r = &packed[n_in * g0 + row(i, n_in) * wg..][..wg];
                    for (o, &v) in r.iter().enumerate() {
                        let want = if o < units { w[(g0 + o) * n_in + i] } else { 0.0 };
                        assert_eq!(v.to_bits(), want.to_bits(), "w[{}][{i}] of {:?}", g0 + o, (n_in, n_out));
                        seen += 1;
                    }
                }
            }
            assert_eq!(seen, len);
            // the class rows: input 8q + j at j · (n8 / 8) + q, the tail after
            let k8 = n_in - n_in % 8;
            let mut rows: Vec<usize> = (0..n_in).map(|i| row(i, n_in)).collect();
            assert!((0..k8).all(|i| rows[i] == i % 8 * (k8 / 8) + i / 8));
            rows.sort();
            assert_eq!(rows, (0..n_in).collect::<Vec<_>>());
            for bad in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
                for at in [0, n_out * n_in / 2, n_out * n_in - 1] {
                    let mut w = w.clone();
                    w[at] = bad;
                    // SAFETY: as above.
                    assert!(!unsafe { pack(w.as_ptr(), n_in, n_out, dst) }, "{bad} at {at} of {:?}", (n_in, n_out));
                }
            }
        }
    }

    /// By nonzero inputs gives the AVX kernel's bits: odd widths (tails
    /// past a multiple of 8, a last register of fewer than 16 units, groups
    /// past 128 units, the last group of samples of 1, 2 or 3), inputs
    /// between NaNs, with samples all zero, all nonzero, with −0, NaN and
    /// infinite inputs, and big and tiny values.
    #[test]
    fn forward_by_nonzero_inputs_gives_the_avx_bits() {
        if !available() || !std::is_x86_feature_detected!("bmi2") {
            return;
        }
        let sizes = [
            (1, 8, 1),
            (2, 9, 16),
            (3, 15, 17),
            (4, 16, 10),
            (5, 17, 31),
            (7, 63, 33),
            (8, 64, 128),
            (10, 65, 129),
            (11, 127, 200),
            (13, 129, 257),
            (30, 784, 128),
            (31, 784, 10),
            (32, PANEL_INPUTS, 128),
            (20, PANEL_INPUTS - 8, 3),
        ];
        for (case, (batch, n_in, n_out)) in sizes.into_iter().enumerate() {
            let mut x = values(batch * n_in + 32, 100 + case as u64, 12);
            x[..16].fill(f32::NAN);
            x[16 + batch * n_in..].fill(f32::NAN);
            let xs = &mut x[16..16 + batch * n_in];
            if batch >= 5 {
                xs[..n_in].fill(0.0); // sample 0: all zero
                for v in &mut xs[n_in..2 * n_in] {
                    *v = if *v == 0.0 { 0.5 } else { *v }; // sample 1: all nonzero
                }
                xs[2 * n_in + 3] = -0.0;
                xs[2 * n_in + n_in - 1] = f32::NAN; // in the tail when there is one
                xs[3 * n_in + 5] = f32::INFINITY;
                xs[4 * n_in + 1] = 3e38;
                xs[4 * n_in + 2] = 1e-40; // subnormal
            }
            let xs = &x[16..16 + batch * n_in];
            let w = values(n_out * n_in, 200 + case as u64, 0);
            let b = values(n_out, 300 + case as u64, 2);
            let want = reference(xs, &w, &b, n_in, n_out);
            let len = packed_len(n_in, n_out);
            let mut buf = buffer(len);
            let mut z = std::vec![f32::NAN; batch * n_out + 16];
            // SAFETY: AVX-512F, AVX, FMA, BMI2 (checked); the slices in
            // bounds, the buffer aligned and long enough; 8 ≤ n_in ≤ 1024.
            unsafe {
                assert!(pack(w.as_ptr(), n_in, n_out, buf.as_mut_ptr().cast()));
                forward(xs.as_ptr(), b.as_ptr(), z.as_mut_ptr(), (batch, n_in, n_out), buf.as_ptr().cast());
            }
            assert_eq!(bits(&z[..batch * n_out]), bits(&want), "{:?}", (batch, n_in, n_out));
            assert!(z[batch * n_out..].iter().all(|v| v.is_nan()), "written past z: {:?}", (batch, n_in, n_out));
        }
    }

    /// `dense_forward` takes a batch by nonzero inputs when the inputs are
    /// sparse enough, the batch large enough, the layer wide enough, the thread has the packing
    /// buffer, the packed weights fit it and the weights are finite; the
    /// other way otherwise, and always with the same bits. In a
    /// `with_constant_weights` scope the packing is kept (and used again
    /// only by `dense_forward_layer`), forgotten after it.
    #[test]
    fn dense_forward_goes_by_nonzero_inputs_when_it_should() {
        if !available() || !std::is_x86_feature_detected!("bmi2") {
            return;
        }
        std::thread::spawn(|| {
            let m = PANEL_MIN_BATCH;
            let run = |batch: usize, n_in: usize, n_out: usize, zeros: u64, w: &[f32]| {
                let x = values(batch * n_in, 1, zeros);
                let b = values(n_out, 2, 0);
                let mut z = std::vec![0.0; batch * n_out];
                let before = super::super::BY_NONZERO.with(|c| c.get());
                dense_forward(&x, w, &b, &mut z, n_in, n_out);
                assert_eq!(bits(&z), bits(&reference(&x, w, &b, n_in, n_out)), "{:?}", (batch, n_in, n_out, zeros));
                super::super::BY_NONZERO.with(|c| c.get()) > before
            };
            let w = values(128 * 784, 3, 0);
            // no buffer yet
            assert!(!run(256, 784, 128, 13, &w));
            reserve_packing();
            // 13 in 16 zero: 19% nonzero, 47% in any of 3 samples
            assert!(run(256, 784, 128, 13, &w));
            assert!(run(m, 784, 128, 15, &w)); // below 256: 35% at most
            assert!(!run(m, 784, 128, 13, &w));
            assert!(!run(m - 1, 784, 128, 15, &w)); // too few samples
            assert!(!run(256, 784, 128, 8, &w)); // half zero: 88% in any of 3
            assert!(!run(256, 784, MIN_UNITS - 1, 15, &w[..784 * (MIN_UNITS - 1)])); // too narrow
            assert!(run(256, 784, MIN_UNITS, 15, &w[..784 * MIN_UNITS]));
            // the packed weights too large for the buffer
            assert!(packed_len(1024, 129) > PANEL_FLOATS && packed_len(1024, 128) == PANEL_FLOATS);
            assert!(!run(256, 1024, 129, 14, &values(129 * 1024, 4, 0)));
            assert!(run(256, 1024, 128, 14, &values(128 * 1024, 4, 0)));
            // an infinite weight: by panels (NaN where the input is zero,
            // as the AVX kernel gives)
            let mut inf = w.clone();
            inf[5 * 784 + 300] = f32::INFINITY;
            assert!(!run(256, 784, 128, 14, &inf));

            // a scope keeps the packing: new weights at the same address are
            // not seen by dense_forward_layer until the scope ends
            let x = values(256 * 784, 5, 14);
            let b = values(128, 6, 0);
            let mut w = w.clone();
            let within = w.as_ptr() as usize..w.as_ptr() as usize + 4 * w.len();
            let first = reference(&x, &w, &b, 784, 128);
            let mut z = std::vec![0.0; 256 * 128];
            let packs = || super::super::PACKED_TRANSPOSED.with(|c| c.get());
            let p0 = packs();
            // SAFETY: `w` does not change inside the first scope.
            unsafe {
                with_constant_weights(within.clone(), || {
                    for _ in 0..3 {
                        super::super::dense_forward_layer(&x, &w, &b, &mut z, 784, 128);
                        assert_eq!(bits(&z), bits(&first));
                    }
                })
            };
            assert_eq!(packs(), p0 + 1, "packed once for three calls");
            w[1000] += 1.0;
            let second = reference(&x, &w, &b, 784, 128);
            assert_ne!(bits(&second), bits(&first));
            super::super::dense_forward_layer(&x, &w, &b, &mut z, 784, 128);
            assert_eq!(bits(&z), bits(&second), "the scope's packing is forgotten");
            // the non-finite report is kept too: by panels on every call
            w[7] = f32::NAN;
            let third = reference(&x, &w, &b, 784, 128);
            // SAFETY: as above.
            unsafe {
                with_constant_weights(within, || {
                    for _ in 0..2 {
                        let before = super::super::BY_NONZERO.with(|c| c.get());
                        super::super::dense_forward_layer(&x, &w, &b, &mut z, 784, 128);
                        assert_eq!(super::super::BY_NONZERO.with(|c| c.get()), before);
                        assert_eq!(bits(&z), bits(&third));
                    }
                })
            };
        })
        .join()
        .unwrap();
    }

    /// `dense_forward_layer_rows` goes by nonzero inputs exactly when the
    /// whole batch's call does, whatever its own rows are like, and gives
    /// that call's rows.
    #[test]
    fn rows_of_a_batch_follow_the_whole_batchs_choice() {
        if !available() || !std::is_x86_feature_detected!("bmi2") {
            return;
        }
        std::thread::spawn(|| {
            reserve_packing();
            let (n_in, n_out) = (784, 128);
            let w = values(n_out * n_in, 7, 0);
            let b = values(n_out, 8, 0);
            let by_nonzero = || super::super::BY_NONZERO.with(|c| c.get());
            for (batch, dense_head) in [(301, false), (300, true)] {
                // 6% of the inputs nonzero; with a dense head, the first
                // SAMPLED samples (which the choice reads) 50%
                let mut x = values(batch * n_in, 9, 15);
                if dense_head {
                    x[..SAMPLED * n_in].copy_from_slice(&values(SAMPLED * n_in, 10, 8));
                }
                let mut whole = std::vec![0.0; batch * n_out];
                let before = by_nonzero();
                dense_forward_layer(&x, &w, &b, &mut whole, n_in, n_out);
                let sparse = by_nonzero() > before;
                assert_eq!(sparse, !dense_head);
                // pieces at multiples of ROWS_ALIGN, of 1 to 150 samples
                let cuts = [0, ROWS_ALIGN, 2 * ROWS_ALIGN + 1, 33 * ROWS_ALIGN, 50 * ROWS_ALIGN, batch];
                for rows in cuts.windows(2).map(|c| c[0]..c[1]) {
                    let mut z = std::vec![f32::NAN; rows.len() * n_out + 1];
                    let before = by_nonzero();
                    dense_forward_layer_rows(&x, &w, &b, &mut z, (batch, n_in, n_out), rows.clone());
                    assert_eq!(by_nonzero() - before, usize::from(sparse), "{rows:?} of {batch}");
                    let want = &whole[rows.start * n_out..rows.end * n_out];
                    assert_eq!(bits(&z[..rows.len() * n_out]), bits(want), "{rows:?} of {batch}");
                    assert!(z[rows.len() * n_out].is_nan(), "written past the rows");
                }
                if dense_head {
                    // the sparse rest alone would have gone by nonzero inputs
                    let rest = &x[150 * n_in..];
                    let mut z = std::vec![0.0; 150 * n_out];
                    let before = by_nonzero();
                    dense_forward_layer(rest, &w, &b, &mut z, n_in, n_out);
                    assert!(by_nonzero() > before);
                }
            }
        })
        .join()
        .unwrap();
    }
}
