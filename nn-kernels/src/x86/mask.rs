//! Dropout masks on 8 lanes (AVX2): SplitMix64 words 4 at a time, each
//! giving two 24-bit uniforms and so two mask values, with the bits of the
//! portable loop in nn-core's `layer::mask` (tested there against it).
//!
//! AVX2 has no 64-bit multiply: `z · c` (mod 2⁶⁴) is
//! `lo(z)·lo(c) + ((hi(z)·lo(c) + lo(z)·hi(c)) << 32)`, three 32 × 32 → 64
//! multiplies. The words are independent (a counter, not a chain), so the
//! lanes need nothing from each other.

use core::arch::x86_64::*;

/// SplitMix64's increment.
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
/// SplitMix64's output multipliers.
const M1: u64 = 0xbf58_476d_1ce4_e5b9;
const M2: u64 = 0x94d0_49bb_1331_11eb;

/// Whether the CPU has AVX2 (checked once by `std`, then a cached load).
#[inline]
pub fn available() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// `out[2j]` and `out[2j + 1]` ← the mask values of word
/// `mix(z0 + (j + 1)·γ)` of SplitMix64, for `j < out.len() / 2`: the
/// uniform `word >> 40` for the first and `(word >> 16) & 0xffffff` for the
/// second; a value is 0 when its uniform is below `threshold` (at most
/// 2²⁴), else `keep`. An odd last value is left alone.
///
/// # Panics
/// If the CPU lacks AVX2 (see [`available`]), or `threshold > 2²⁴`.
pub fn fill_words(z0: u64, threshold: u32, keep: f32, out: &mut [f32]) {
    assert!(available() && threshold <= 1 << 24);
    // SAFETY: AVX2 is available (asserted).
    unsafe { fill(z0, threshold, keep, out) }
}

/// `z · c` (mod 2⁶⁴) on each 64-bit lane, `c = (hi << 32) | lo` given as
/// `lo` and `hi` broadcast to the lanes' low halves.
#[inline]
#[target_feature(enable = "avx2")]
fn mul64(z: __m256i, lo: __m256i, hi: __m256i) -> __m256i {
    let ll = _mm256_mul_epu32(z, lo);
    let hl = _mm256_mul_epu32(_mm256_srli_epi64::<32>(z), lo);
    let lh = _mm256_mul_epu32(z, hi);
    _mm256_add_epi64(ll, _mm256_slli_epi64::<32>(_mm256_add_epi64(hl, lh)))
}

/// # Safety
/// AVX2.
#[target_feature(enable = "avx2")]
unsafe fn fill(z0: u64, threshold: u32, keep: f32, out: &mut [f32]) {
    let split = |c: u64| (_mm256_set1_epi64x((c & 0xffff_ffff) as i64), _mm256_set1_epi64x((c >> 32) as i64));
    let (m1_lo, m1_hi) = split(M1);
    let (m2_lo, m2_hi) = split(M2);
    let g = |j: u64| z0.wrapping_add(j.wrapping_mul(GAMMA)) as i64;
    // the counters of words 1..=4, then 4·γ further each step
    let mut z = _mm256_set_epi64x(g(4), g(3), g(2), g(1));
    let step = _mm256_set1_epi64x(GAMMA.wrapping_mul(4) as i64);
    let low24 = _mm256_set1_epi64x(0xff_ffff);
    // uniforms are below 2²⁴, so the signed compare is the unsigned one
    let thr = _mm256_set1_epi32(threshold as i32);
    let keep_v = _mm256_castps_si256(_mm256_set1_ps(keep));
    let done = (out.len() / 8) as u64 * 4;
    let mut chunks = out.chunks_exact_mut(8);
    for c in &mut chunks {
        let mut w = _mm256_xor_si256(z, _mm256_srli_epi64::<30>(z));
        w = mul64(w, m1_lo, m1_hi);
        w = _mm256_xor_si256(w, _mm256_srli_epi64::<27>(w));
        w = mul64(w, m2_lo, m2_hi);
        w = _mm256_xor_si256(w, _mm256_srli_epi64::<31>(w));
        // 32-bit lanes 2j and 2j + 1 of 64-bit lane j: word j's two uniforms
        let first = _mm256_srli_epi64::<40>(w);
        let second = _mm256_and_si256(_mm256_srli_epi64::<16>(w), low24);
        let u = _mm256_or_si256(first, _mm256_slli_epi64::<32>(second));
        let dropped = _mm256_cmpgt_epi32(thr, u);
        // SAFETY: 8 values at c (chunks_exact).
        unsafe { _mm256_storeu_si256(c.as_mut_ptr().cast(), _mm256_andnot_si256(dropped, keep_v)) };
        z = _mm256_add_epi64(z, step);
    }
    // fewer than 4 words left: one at a time, as the portable loop
    for (j, pair) in chunks.into_remainder().chunks_exact_mut(2).enumerate() {
        let mut w = z0.wrapping_add((done + j as u64 + 1).wrapping_mul(GAMMA));
        w = (w ^ (w >> 30)).wrapping_mul(M1);
        w = (w ^ (w >> 27)).wrapping_mul(M2);
        w ^= w >> 31;
        let value = |u: u64| if (u as u32) < threshold { 0.0 } else { keep };
        pair[0] = value(w >> 40);
        pair[1] = value((w >> 16) & 0xff_ffff);
    }
}
