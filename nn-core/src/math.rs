//! Elementary functions: the hardware instruction with `std`, `libm` without.
//! Both are correctly rounded for `sqrt`, so results are the same bits.

/// `√x`.
#[inline(always)]
pub(crate) fn sqrtf(x: f32) -> f32 {
    #[cfg(feature = "std")]
    {
        x.sqrt()
    }
    #[cfg(not(feature = "std"))]
    {
        libm::sqrtf(x)
    }
}
