//! Fixed-point requantization: a positive real multiplier `M` as an `i32`
//! mantissa and a right shift, applied in integers only.

/// `M ≈ m · 2⁻ⁿ` with `m ∈ [2³⁰, 2³¹)` and `1 ≤ n ≤ 62`, the mantissa rounded
/// to nearest (half away from zero) from the exact `f64` value. A multiplier
/// below 2⁻³² (every product rounds to 0) is `(0, 1)`. `None` for a negative
/// or non-finite `M`, or one of 2³⁰ or more (no right shift left).
pub fn fixed_point(m: f64) -> Option<(i32, u8)> {
    if !m.is_finite() || m < 0.0 {
        return None;
    }
    if m == 0.0 {
        return Some((0, 1));
    }
    // m = f · 2^e with f in [0.5, 1): exact, powers of two only.
    let (mut f, mut e) = (m, 0i32);
    while f >= 1.0 {
        f /= 2.0;
        e += 1;
    }
    while f < 0.5 {
        f *= 2.0;
        e -= 1;
        if e < -200 {
            return Some((0, 1));
        }
    }
    let mut q = libm::round(f * 2_147_483_648.0) as i64;
    if q == 1 << 31 {
        q >>= 1;
        e += 1;
    }
    let n = 31 - e;
    if n > 62 {
        return Some((0, 1));
    }
    if n < 1 {
        return None;
    }
    Some((q as i32, n as u8))
}

/// `(acc · m + 2ⁿ⁻¹) >> n` in `i64` (rounding half up), saturated to `i32`:
/// `acc · M` rounded, for `M ≈ m · 2⁻ⁿ` from [`fixed_point`]. Total: a shift
/// outside 1..=62 (bytes that were not written by [`fixed_point`]) is clamped.
#[inline(always)]
pub fn requantize(acc: i32, m: i32, n: u8) -> i32 {
    let n = u32::from(n).clamp(1, 62);
    let p = i64::from(acc) * i64::from(m);
    let r = (p + (1i64 << (n - 1))) >> n;
    r.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}
