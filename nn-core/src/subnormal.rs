//! Subnormal numbers flushed to zero while an optimizer updates (x86-64).
//!
//! An x86 core takes a microcode assist, on Intel's cores about a hundred
//! cycles, for each vector instruction with a subnormal input or result
//! (`0 < |x| < 2⁻¹²⁶ ≈ 1.18e-38`). Optimizer state goes there on its own:
//! a weight whose input is rarely nonzero (MNIST's border pixels) gets a
//! gradient now and then, and its first moment decays by β₁ = 0.9 on each
//! step after that, through the subnormal range (about 150 steps) before it
//! reaches zero. Training MNIST 784-128-10 with Adam (batch 64) on an
//! Intel Xeon (a scratch program timing `fit` epoch by epoch and counting
//! the subnormal state), 1% to 2.6% of Adam's state was subnormal after 1
//! to 3 epochs, and the epochs took 0.37, 0.55 and 0.64 s; with the updates
//! flushing, 0.33, 0.32 and 0.31 s, and no subnormal state.
//!
//! [`FlushToZero`] sets the flush-to-zero (FTZ: a subnormal result becomes
//! ±0) and denormals-are-zero (DAZ: a subnormal input is read as ±0) bits
//! of MXCSR for its lifetime, then puts the caller's MXCSR back. This is
//! what TensorFlow does around its CPU kernels and what
//! `torch.set_flush_denormal(True)` turns on. Where no operand or result is
//! subnormal the bits are the same as without it; elsewhere a number below
//! 2⁻¹²⁶ is a zero. So a momentum `v ← μ·v` decays to exactly 0, and
//! Adam's first moment, updated as torch does (`m ← m + (1 − β₁)(g − m)`),
//! stops just above 2⁻¹²⁶ / (1 − β₁) when the gradient stays 0 (its step,
//! `lr·m / (√v̂ + ε)`, is then flushed to 0 too), as in torch with flushing
//! on. On other architectures it does nothing.

/// MXCSR's flush-to-zero bit.
#[cfg(target_arch = "x86_64")]
const FTZ: u32 = 1 << 15;
/// MXCSR's denormals-are-zero bit.
#[cfg(target_arch = "x86_64")]
const DAZ: u32 = 1 << 6;

/// Subnormals read and written as zero by this thread's SSE/AVX arithmetic
/// while the value lives (see the [module docs](self)).
#[must_use = "the mode ends when the guard is dropped"]
pub(crate) struct FlushToZero {
    #[cfg(target_arch = "x86_64")]
    saved: u32,
}

impl FlushToZero {
    /// Turns flushing on for the current thread.
    #[inline]
    pub(crate) fn new() -> FlushToZero {
        #[cfg(target_arch = "x86_64")]
        {
            let saved = mxcsr();
            set_mxcsr(saved | FTZ | DAZ);
            FlushToZero { saved }
        }
        #[cfg(not(target_arch = "x86_64"))]
        FlushToZero {}
    }
}

impl Drop for FlushToZero {
    #[inline]
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        set_mxcsr(self.saved);
    }
}

/// The current thread's MXCSR.
#[cfg(target_arch = "x86_64")]
#[inline]
fn mxcsr() -> u32 {
    let mut csr = 0u32;
    // SAFETY: `stmxcsr` stores the 32-bit MXCSR (SSE, present on every
    // x86-64 CPU) at the address given, `csr`'s.
    unsafe { core::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags)) };
    csr
}

/// Loads `csr` into MXCSR.
#[cfg(target_arch = "x86_64")]
#[inline]
fn set_mxcsr(csr: u32) {
    // SAFETY: `ldmxcsr` loads MXCSR from `csr`'s address. Callers pass a
    // value read from MXCSR, with at most FTZ and DAZ set in addition: both
    // are supported by every x86-64 CPU, so no reserved bit is set.
    unsafe { core::arch::asm!("ldmxcsr [{}]", in(reg) &csr, options(nostack, preserves_flags, readonly)) };
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::{mxcsr, FlushToZero, DAZ, FTZ};

    /// A product whose result is subnormal, and a subnormal input, computed
    /// at run time (black boxes, so that nothing is folded at compile time).
    fn tiny_product(a: f32, b: f32) -> f32 {
        core::hint::black_box(a) * core::hint::black_box(b)
    }

    #[test]
    fn subnormals_are_zero_inside_the_guard_only() {
        let before = mxcsr();
        let sub = f32::MIN_POSITIVE / 4.0;
        assert!(sub.is_subnormal());
        assert!(tiny_product(f32::MIN_POSITIVE, 0.25).is_subnormal());
        {
            let _flush = FlushToZero::new();
            assert_eq!(mxcsr(), before | FTZ | DAZ);
            // FTZ: a subnormal result is 0; DAZ: a subnormal input counts as 0.
            assert_eq!(tiny_product(f32::MIN_POSITIVE, 0.25).to_bits(), 0);
            assert_eq!(tiny_product(sub, 4.0).to_bits(), 0);
            assert_eq!(tiny_product(-f32::MIN_POSITIVE, 0.25).to_bits(), (-0.0f32).to_bits());
            // normal numbers are untouched
            assert_eq!(tiny_product(f32::MIN_POSITIVE, 2.0), f32::MIN_POSITIVE * 2.0);
        }
        assert_eq!(mxcsr(), before, "the caller's MXCSR is back");
        assert!(tiny_product(f32::MIN_POSITIVE, 0.25).is_subnormal());
        assert_eq!(tiny_product(sub, 4.0), f32::MIN_POSITIVE);
    }
}
