//! `e^x` on 8 lanes (AVX2), with the bits of `libm::expf` (libm 0.2, the
//! FreeBSD `e_expf.c` algorithm): the same argument reduction
//! `x = k·ln 2 + r` (`ln 2` in two parts), the same rational approximation
//! on `r`, the same scaling by `2^k` (in two steps where `2^k` is not a
//! normal number, as libm's `scalbnf`), each operation rounded once in the
//! same order (no fused multiply-adds), and the same special cases (NaN,
//! overflow to infinity, underflow to 0, `1 + x` for `|x| ≤ 2⁻¹⁴`). Lanes
//! take every branch and a blend keeps the one libm takes.
//!
//! Tested against `libm::expf` over every `f32` (nn-core's kernel tests; the
//! exhaustive run is ignored by default, a sample of a million patterns and
//! the edges of each case run always).

use core::arch::x86_64::*;

/// Whether the CPU has AVX2 (checked once by `std`, then a cached load).
#[inline]
pub fn available() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// `v[i] ← e^v[i]`, the bits of `libm::expf(v[i])`.
///
/// # Panics
/// If the CPU lacks AVX2 (see [`available`]).
pub fn exp_in_place(v: &mut [f32]) {
    assert!(available());
    // SAFETY: AVX2 is available (asserted).
    unsafe { exp_slice(v) }
}

/// # Safety
/// AVX2.
#[target_feature(enable = "avx2")]
unsafe fn exp_slice(v: &mut [f32]) {
    let mut chunks = v.chunks_exact_mut(8);
    for c in &mut chunks {
        // SAFETY: 8 values at c (chunks_exact).
        unsafe { _mm256_storeu_ps(c.as_mut_ptr(), exp8(_mm256_loadu_ps(c.as_ptr()))) }
    }
    let tail = chunks.into_remainder();
    if !tail.is_empty() {
        let mut buf = [0.0f32; 8];
        buf[..tail.len()].copy_from_slice(tail);
        // SAFETY: 8 values in buf.
        unsafe { _mm256_storeu_ps(buf.as_mut_ptr(), exp8(_mm256_loadu_ps(buf.as_ptr()))) }
        tail.copy_from_slice(&buf[..tail.len()]);
    }
}

// libm's constants, as its source spells them
#[allow(clippy::excessive_precision)]
const LN2_HI: f32 = 6.9314575195e-01; // 0x3f317200
#[allow(clippy::excessive_precision)]
const LN2_LO: f32 = 1.4286067653e-06; // 0x35bfbe8e
#[allow(clippy::excessive_precision)]
const INV_LN2: f32 = 1.4426950216e+00; // 0x3fb8aa3b
#[allow(clippy::excessive_precision)]
const P1: f32 = 1.6666625440e-1; // 0xaaaa8f.0p-26
#[allow(clippy::excessive_precision)]
const P2: f32 = -2.7667332906e-3; // -0xb55215.0p-32

/// `e^x` in each lane, as `libm::expf`.
///
/// # Safety
/// AVX2 (a safe call only from code compiled with it).
#[inline]
#[target_feature(enable = "avx2")]
pub fn exp8(x: __m256) -> __m256 {
    let f = _mm256_set1_ps;
    let i = _mm256_set1_epi32;
    let bits = _mm256_castps_si256(x);
    let hx = _mm256_and_si256(bits, i(0x7fff_ffff)); // |x|, as an integer
    let negative = _mm256_srai_epi32::<31>(bits); // all ones where x < 0
    let above = |limit: i32| _mm256_cmpgt_epi32(hx, i(limit));

    // k: |x| > 1.5 ln 2: (1/ln 2 · x ± 0.5) truncated; |x| > 0.5 ln 2: ±1; else 0
    let half = _mm256_or_ps(f(0.5), _mm256_and_ps(x, f(-0.0))); // 0.5 with the sign of x
    let k_far = _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(f(INV_LN2), x), half));
    let k_near = _mm256_or_si256(_mm256_and_si256(negative, i(-1)), _mm256_andnot_si256(negative, i(1)));
    let k = _mm256_blendv_epi8(k_near, k_far, above(0x3f85_1592));
    let k = _mm256_and_si256(k, above(0x3eb1_7218));

    // r = (x − k·ln2_hi) − k·ln2_lo; with k = 0 this is x (x − 0 − 0)
    let kf = _mm256_cvtepi32_ps(k);
    let hi = _mm256_sub_ps(x, _mm256_mul_ps(kf, f(LN2_HI)));
    let lo = _mm256_mul_ps(kf, f(LN2_LO));
    let r = _mm256_sub_ps(hi, lo);
    let rr = _mm256_mul_ps(r, r);
    let c = _mm256_sub_ps(r, _mm256_mul_ps(rr, _mm256_add_ps(f(P1), _mm256_mul_ps(rr, f(P2)))));
    let q = _mm256_div_ps(_mm256_mul_ps(r, c), _mm256_sub_ps(f(2.0), c));
    let y = _mm256_add_ps(f(1.0), _mm256_add_ps(_mm256_sub_ps(q, lo), hi));

    // y · 2^k as scalbnf: first by 2^-102 below 2^-126, by 2^127 above 2^127
    let low = _mm256_cmpgt_epi32(i(-126), k);
    let high = _mm256_cmpgt_epi32(k, i(127));
    let pre = _mm256_blendv_ps(
        _mm256_blendv_ps(f(1.0), f(f32::from_bits(0x0c80_0000)), _mm256_castsi256_ps(low)), // 2^-102
        f(f32::from_bits(0x7f00_0000)),                                                     // 2^127
        _mm256_castsi256_ps(high),
    );
    let n = _mm256_add_epi32(k, _mm256_or_si256(_mm256_and_si256(low, i(102)), _mm256_and_si256(high, i(-127))));
    let scale = _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(n, i(127))));
    let mut e = _mm256_mul_ps(_mm256_mul_ps(y, pre), scale);

    // the special cases, in the reverse of libm's order of tests
    let select = |e: __m256, when: __m256i, value: __m256| _mm256_blendv_ps(e, value, _mm256_castsi256_ps(when));
    e = select(e, _mm256_andnot_si256(above(0x3900_0000), i(-1)), _mm256_add_ps(f(1.0), x));
    let big = above(0x42ae_ac4f); // |x| ≥ 87.33655 (or NaN)
    e = select(e, _mm256_and_si256(big, _mm256_and_si256(negative, above(0x42cf_f1b4))), f(0.0));
    let overflow = _mm256_andnot_si256(negative, above(0x42b1_7217)); // x ≥ 88.72284
    e = select(e, overflow, _mm256_mul_ps(x, f(f32::from_bits(0x7f00_0000))));
    select(e, above(0x7f80_0000), x) // NaN
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bits of `exp8` against `libm::expf` for the bit patterns `bits`,
    /// 8 at a time; panics at the first difference.
    fn check(bits: impl Iterator<Item = u32>) {
        let mut batch = [0.0f32; 8];
        let mut n = 0;
        let run = |batch: &[f32; 8]| {
            let mut got = [0.0f32; 8];
            // SAFETY: AVX2 (the callers check), 8 values in each array.
            unsafe { _mm256_storeu_ps(got.as_mut_ptr(), exp8(_mm256_loadu_ps(batch.as_ptr()))) }
            for (&x, &e) in batch.iter().zip(&got) {
                let want = libm::expf(x);
                assert_eq!(
                    e.to_bits(),
                    want.to_bits(),
                    "exp({x:e}) = {e:e}, libm {want:e} (x = {:#010x})",
                    x.to_bits()
                );
            }
        };
        for b in bits {
            batch[n] = f32::from_bits(b);
            n += 1;
            if n == 8 {
                run(&batch);
                n = 0;
            }
        }
        batch[n..].fill(0.0);
        run(&batch);
    }

    /// libm's thresholds (|x| as bits) and where k crosses -126 and 127.
    const EDGES: [u32; 8] =
        [0x3900_0000, 0x3eb1_7218, 0x3f85_1592, 0x42ae_ac50, 0x42b1_7218, 0x42cf_f1b5, 0x7f80_0000, 0x42fe_0000];

    #[test]
    fn matches_libm_on_a_sample_and_on_the_edges() {
        if !available() {
            return;
        }
        // every 4093rd pattern (a million), both signs
        check((0..=u32::MAX).step_by(4093));
        // 4096 patterns either side of each edge, both signs
        for edge in EDGES {
            for sign in [0, 0x8000_0000] {
                check((edge - 4096..edge + 4096).map(|b| b | sign));
            }
        }
        // softmax's inputs z − max: every k from 0 down to the underflow
        check((0..2000).map(|i| (-0.05 * i as f32).to_bits()));
    }

    #[test]
    fn exp_in_place_covers_the_tail() {
        if !available() {
            return;
        }
        for len in 0..20 {
            let x: Vec<f32> = (0..len).map(|i| 0.7 * i as f32 - 5.0).collect();
            let mut v = x.clone();
            exp_in_place(&mut v);
            let want: Vec<u32> = x.iter().map(|&x| libm::expf(x).to_bits()).collect();
            assert_eq!(v.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want, "length {len}");
        }
    }

    /// Every `f32` (2³² patterns; tens of seconds in release:
    /// `cargo test --release -p nn-kernels -- --ignored`).
    #[test]
    #[ignore = "all 2^32 patterns: run by hand in release"]
    fn matches_libm_on_every_f32() {
        if !available() {
            return;
        }
        check(0..=u32::MAX);
    }
}
