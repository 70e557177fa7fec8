//! Dropout masks from a counter-based generator.
//!
//! A forward pass draws one 64-bit key from the caller's [`Rng`]; value `k`
//! of its mask then depends only on `(key, k)`: word `k / 2` of the
//! SplitMix64 sequence started at `key`,
//! `mix(key + (k/2 + 1)·0x9e3779b97f4a7c15)`, gives two 24-bit uniforms, its
//! bits 40..64 for even `k` and 16..40 for odd `k`. Value `k` is dropped
//! (0) when its uniform `u` has `u / 2²⁴ < p` (the test of
//! [`Rng::uniform`]` < p`), and kept (`1 / (1 − p)`) otherwise.
//!
//! So a mask can be filled in pieces, in any order and on any number of
//! threads, with the same bits, and with AVX2 4 words at a time
//! (`nn_kernels::x86::mask`, unless `NN_KERNEL=scalar`). A value costs half
//! a SplitMix64 step (two multiplies per pair, no dependency from one pair
//! to the next) instead of a step of the sequential xoshiro generator: a
//! 256 × 128 `Dropout` forward pass took 38.8 µs with xoshiro, 26.9 with
//! this loop and 15.3 with AVX2 on the Zen 4 this was written on.

use rand::RngCore;

use crate::Rng;

/// SplitMix64's increment (the golden ratio, as a 64-bit fraction).
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The mask of one forward pass: a key and the probability of dropping.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MaskKey {
    key: u64,
    /// Uniforms below this (of 2²⁴) drop their value: `⌈p · 2²⁴⌉`.
    threshold: u32,
    /// `1 / (1 − p)`.
    keep: f32,
}

impl MaskKey {
    /// A new mask dropping with probability `p` (in `[0, 1)`), keyed by the
    /// next value of `rng`.
    pub(crate) fn draw(rng: &mut Rng, p: f32) -> MaskKey {
        MaskKey::new(rng.next_u64(), p)
    }

    /// The mask of `key` dropping with probability `p` (in `[0, 1)`).
    pub(crate) fn new(key: u64, p: f32) -> MaskKey {
        // p · 2²⁴ is exact in f64; a uniform u (an integer) is below it iff
        // it is below its ceiling
        let t = f64::from(p) * 16_777_216.0;
        let floor = t as u32;
        let threshold = if f64::from(floor) < t { floor + 1 } else { floor };
        MaskKey { key, threshold, keep: 1.0 / (1.0 - p) }
    }

    /// The 24-bit uniform of value `k`.
    #[inline]
    fn uniform(&self, k: usize) -> u32 {
        let word = mix(self.key.wrapping_add((k as u64 / 2 + 1).wrapping_mul(GAMMA)));
        if k.is_multiple_of(2) {
            (word >> 40) as u32
        } else {
            ((word >> 16) & 0xff_ffff) as u32
        }
    }

    /// The mask value for the uniform `u`.
    #[inline]
    fn value(&self, u: u32) -> f32 {
        if u < self.threshold {
            0.0
        } else {
            self.keep
        }
    }

    /// `mask[j]` ← value `start + j` of the mask.
    pub(crate) fn fill(&self, mask: &mut [f32], start: usize) {
        // an odd start: the second value of its word first
        let skip = (start % 2).min(mask.len());
        let (head, rest) = mask.split_at_mut(skip);
        if let Some(first) = head.first_mut() {
            *first = self.value(self.uniform(start));
        }
        let k = start + skip; // even
        let len = rest.len();
        // whole words: two values each
        let z0 = self.key.wrapping_add((k as u64 / 2).wrapping_mul(GAMMA));
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if crate::kernel::active() != crate::kernel::Kernels::Scalar && crate::kernel::x86::mask::available() {
            crate::kernel::x86::mask::fill_words(z0, self.threshold, self.keep, rest);
            if len % 2 == 1 {
                rest[len - 1] = self.value(self.uniform(k + len - 1));
            }
            return;
        }
        let mut pairs = rest.chunks_exact_mut(2);
        let mut z = z0;
        for pair in &mut pairs {
            z = z.wrapping_add(GAMMA);
            let word = mix(z);
            pair[0] = self.value((word >> 40) as u32);
            pair[1] = self.value(((word >> 16) & 0xff_ffff) as u32);
        }
        if let Some(last) = pairs.into_remainder().first_mut() {
            *last = self.value(self.uniform(k + len - 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use super::{mix, MaskKey, GAMMA};

    /// The words are SplitMix64's sequence from the key, as its stateful
    /// form computes it.
    #[test]
    fn words_are_splitmix64() {
        let m = MaskKey::new(0x0123_4567_89ab_cdef, 0.5);
        let mut state = m.key;
        for j in 0..100usize {
            state = state.wrapping_add(GAMMA);
            let word = mix(state);
            assert_eq!(m.uniform(2 * j), (word >> 40) as u32);
            assert_eq!(m.uniform(2 * j + 1), ((word >> 16) & 0xff_ffff) as u32);
        }
        // SplitMix64's first output from state 0 (Vigna's splitmix64.c)
        assert_eq!(mix(GAMMA), 0xe220_a839_7b1d_cdaf);
    }

    /// Filled in pieces at any offsets, a mask has the bits of the whole.
    #[test]
    fn pieces_give_the_bits_of_the_whole() {
        let m = MaskKey::new(42, 0.3);
        let mut whole = std::vec![0.0f32; 1001];
        m.fill(&mut whole, 0);
        for cuts in [[0, 1, 2, 1001], [0, 3, 500, 1001], [0, 128, 129, 1001], [0, 0, 1000, 1001]] {
            let mut parts = std::vec![f32::NAN; 1001];
            for w in cuts.windows(2) {
                m.fill(&mut parts[w[0]..w[1]], w[0]);
            }
            assert_eq!(bits(&parts), bits(&whole), "cuts {cuts:?}");
        }
        let mut shifted = std::vec![0.0f32; 1000];
        m.fill(&mut shifted, 1);
        assert_eq!(bits(&shifted), bits(&whole[1..]));
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|v| v.to_bits()).collect()
    }

    /// Each value is 0 or 1/(1 − p), dropped with probability p, independently
    /// of its neighbour in the same word; p = 0 keeps everything.
    #[test]
    fn drops_with_probability_p() {
        let n = 1 << 20;
        for p in [0.1f32, 0.5, 0.8] {
            let m = MaskKey::new(7, p);
            let mut mask = std::vec![0.0f32; n];
            m.fill(&mut mask, 0);
            let keep = 1.0 / (1.0 - p);
            assert!(mask.iter().all(|&v| v == 0.0 || v == keep));
            let dropped = mask.iter().filter(|&&v| v == 0.0).count() as f64;
            let p = f64::from(p);
            let sigma = (n as f64 * p * (1.0 - p)).sqrt();
            assert!((dropped - n as f64 * p).abs() < 5.0 * sigma, "p {p}: {dropped} of {n} dropped");
            // both values of a word dropped: p² of the pairs
            let both = mask.chunks_exact(2).filter(|w| w[0] == 0.0 && w[1] == 0.0).count() as f64;
            let pairs = (n / 2) as f64;
            let sigma = (pairs * p * p * (1.0 - p * p)).sqrt();
            assert!((both - pairs * p * p).abs() < 5.0 * sigma, "p {p}: {both} of {pairs} pairs");
        }
        let mut mask = std::vec![0.0f32; 1000];
        MaskKey::new(7, 0.0).fill(&mut mask, 0);
        assert!(mask.iter().all(|&v| v == 1.0));
    }

    /// The threshold is p · 2²⁴ rounded up: a uniform u drops iff u / 2²⁴ < p.
    #[test]
    fn the_threshold_matches_the_float_test() {
        for p in [0.0f32, 0.1, 0.25, 0.5, 1.0 / 3.0, 0.9, f32::MIN_POSITIVE, 0.999_999_9] {
            let m = MaskKey::new(0, p);
            for u in [m.threshold.saturating_sub(1), m.threshold] {
                assert_eq!(u < m.threshold, (u as f32) * (1.0 / 16_777_216.0) < p, "p {p}, u {u}");
            }
        }
    }

    /// The portable loop, whatever the CPU (the specification of the AVX2
    /// kernel).
    fn portable(m: &MaskKey, mask: &mut [f32], start: usize) {
        for (j, v) in mask.iter_mut().enumerate() {
            *v = m.value(m.uniform(start + j));
        }
    }

    /// `fill` (the AVX2 kernel where the CPU has it) gives the portable
    /// loop's bits at every start, length and probability.
    #[test]
    fn fill_gives_the_portable_bits() {
        for p in [0.0f32, 0.1, 0.5, 0.8, 0.999] {
            for key in [0u64, 1, u64::MAX, 0x0123_4567_89ab_cdef] {
                let m = MaskKey::new(key, p);
                for start in [0usize, 1, 2, 7, 8, 9, 1 << 33] {
                    for len in [0usize, 1, 2, 3, 7, 8, 9, 15, 16, 17, 100, 1001] {
                        let (mut a, mut b) = (std::vec![f32::NAN; len], std::vec![f32::NAN; len]);
                        m.fill(&mut a, start);
                        portable(&m, &mut b, start);
                        assert_eq!(bits(&a), bits(&b), "p {p}, key {key}, start {start}, len {len}");
                    }
                }
            }
        }
    }
}
