use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The random number generator used for initialization, dropout and shuffling.
///
/// A seeded xoshiro256++: the same seed gives the same bits on every platform
/// and every build, which is what makes training runs reproducible. It
/// implements [`rand::RngCore`], so every `rand` distribution works with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng(Xoshiro256PlusPlus);

/// A seeded [`Rng`]: `nn::rng(42)`.
///
/// ```
/// let mut a = nn_core::rng(42);
/// let mut b = nn_core::rng(42);
/// assert_eq!(a.uniform(), b.uniform());
/// ```
pub fn rng(seed: u64) -> Rng {
    Rng(Xoshiro256PlusPlus::seed_from_u64(seed))
}

impl Rng {
    /// A uniform sample in `[0, 1)` with 24 random bits (every f32 step in the interval).
    pub fn uniform(&mut self) -> f32 {
        (self.0.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }

    /// A standard normal sample (Box–Muller transform).
    pub fn normal(&mut self) -> f32 {
        // u1 in (0, 1] so that ln(u1) is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        libm::sqrtf(-2.0 * libm::logf(u1)) * libm::cosf(core::f32::consts::TAU * u2)
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        // Lemire's multiply-shift with rejection.
        let n64 = n as u64;
        loop {
            let x = self.0.next_u64();
            let m = (x as u128) * (n64 as u128);
            let low = m as u64;
            if low >= n64 || low >= n64.wrapping_neg() % n64 {
                return (m >> 64) as usize;
            }
        }
    }

    /// Shuffles a slice in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

impl RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.0.fill_bytes(dst)
    }
}
