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

/// `acc · M` rounded to an integer, for `M ≈ m · 2⁻ⁿ` from [`fixed_point`],
/// saturated to `i32`. With `rshr(v, s) = (v + 2ˢ⁻¹) >> s` (an arithmetic
/// shift that rounds half up):
///
/// - `n ≥ 32` (every `M < ½`, the usual case): `rshr(rshr(acc · m, 32), n − 32)`,
///   in two steps as gemmlowp and TFLite do: the first is the high word of a
///   64-bit multiply-accumulate, the second a 32-bit shift (error at most ¾ of
///   a step against the exact product, ½ when `n = 32`);
/// - `n < 32`: `rshr(acc · m, n)` in `i64` (exact rounding).
///
/// Total: a shift outside 1..=62 (bytes that were not written by
/// [`fixed_point`]) is clamped into it.
#[inline(always)]
pub fn requantize(acc: i32, m: i32, n: u8) -> i32 {
    let n = u32::from(n).clamp(1, 62);
    let p = i64::from(acc) * i64::from(m);
    if n >= 32 {
        // |p| < 2⁶², so |hi| ≤ 2³⁰ and the second rounding cannot overflow.
        let hi = ((p + (1 << 31)) >> 32) as i32;
        let k = n - 32;
        if k == 0 {
            hi
        } else {
            (hi + (1 << (k - 1))) >> k
        }
    } else {
        let r = (p + (1i64 << (n - 1))) >> n;
        r.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
    }
}
