use rand::RngCore;

/// The random number generator used for initialization, dropout and shuffling.
///
/// A seeded xoshiro256++: the same seed gives the same bits on every platform
/// and every build, which is what makes training runs reproducible. It
/// implements [`rand::RngCore`], so every `rand` distribution works with it.
///
/// The generator is written here (bit for bit `rand_xoshiro`'s
/// `Xoshiro256PlusPlus`, seeded through SplitMix64 as its `seed_from_u64`;
/// tested against it) so that its state can be saved in a checkpoint and
/// restored: [`state`](Rng::state), [`from_state`](Rng::from_state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng([u64; 4]);

/// A seeded [`Rng`]: `nn::rng(42)`.
///
/// ```
/// let mut a = nn_core::rng(42);
/// let mut b = nn_core::rng(42);
/// assert_eq!(a.uniform(), b.uniform());
/// ```
pub fn rng(seed: u64) -> Rng {
    // SplitMix64, four outputs: the state (as rand_xoshiro's seed_from_u64).
    let mut x = seed;
    let mut next = || {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let state = [next(), next(), next(), next()];
    if state == [0; 4] {
        // Unreachable for SplitMix64 (a bijection of distinct counters), kept
        // for parity with rand_xoshiro's all-zero rule.
        return rng(0);
    }
    Rng(state)
}

impl Rng {
    /// The generator's whole state, for checkpoints.
    pub fn state(&self) -> [u64; 4] {
        self.0
    }

    /// A generator continuing exactly where the one whose [`state`](Rng::state)
    /// this is stood. The all-zero state (a fixed point of xoshiro) is
    /// replaced by the state of `rng(0)`.
    pub fn from_state(state: [u64; 4]) -> Rng {
        if state == [0; 4] {
            rng(0)
        } else {
            Rng(state)
        }
    }

    /// A uniform sample in `[0, 1)` with 24 random bits (every f32 step in the interval).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
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
            let x = self.next_u64();
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
        // The upper bits: the lowest have linear dependencies.
        (self.next_u64() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        rand::rand_core::impls::fill_bytes_via_next(self, dst)
    }
}

#[cfg(test)]
mod tests {
    use rand::{RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn same_bits_as_rand_xoshiro() {
        for seed in [0u64, 1, 2, 42, 0xdead_beef, u64::MAX] {
            let mut ours = super::rng(seed);
            let mut theirs = Xoshiro256PlusPlus::seed_from_u64(seed);
            for _ in 0..1000 {
                assert_eq!(ours.next_u64(), theirs.next_u64());
                assert_eq!(ours.next_u32(), theirs.next_u32());
            }
            for len in [0, 1, 3, 4, 5, 8, 13, 64] {
                let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
                ours.fill_bytes(&mut a[..len]);
                theirs.fill_bytes(&mut b[..len]);
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn state_round_trip_continues_the_stream() {
        let mut a = super::rng(9);
        for _ in 0..17 {
            a.next_u64();
        }
        let mut b = super::Rng::from_state(a.state());
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_eq!(super::Rng::from_state([0; 4]), super::rng(0));
    }
}
