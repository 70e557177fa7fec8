//! Architectures described at compile time, and their fingerprints.
//!
//! Every built-in layer has a [`Layer::STRUCTURE`](crate::Layer::STRUCTURE):
//! a constant tree of text pieces that spells the layer as it is written in
//! `network!` (`Dense<784, 128, ReLU>`), built from the type's own generic
//! arguments. [`Network::FINGERPRINT`](crate::Network::FINGERPRINT) is the
//! FNV-1a 64 hash of that text (layers joined by `, `), computed by the
//! compiler: the same number the weight file ([`io`](crate::io)) has always
//! stored, so files written before the constant existed still load.
//!
//! Why from the types rather than from the `network!` source text: widths
//! may be names of `const` items the macro cannot evaluate, the type form
//! (`network![..]`) is a plain `Chain` type with no place for an extra item,
//! and hand-written `Chain`s should get the same fingerprint as the
//! equivalent `network!`. Float arguments (`Dropout<0.5>`, `LeakyReLU<0.1>`)
//! are written by a `const fn` that gives the same digits as `{}` on `f32`
//! (the shortest text that reads back as the same `f32`), so the compile-time
//! text is the run-time text, byte for byte.
//!
//! A layer type from outside this crate that does not override
//! `STRUCTURE` is [`Architecture::Unknown`]: its networks still save and
//! load (the fingerprint is then hashed at run time from
//! [`Layer::visit`](crate::Layer::visit)), but `N::FINGERPRINT` is a compile
//! error for them.

use core::fmt;

/// A piece of a layer's text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Part {
    /// Literal text.
    Text(&'static str),
    /// An integer, in decimal.
    Usize(usize),
    /// An `f32` written as in source: `0.5`, `1.0`, `0.01`.
    Float(f32),
    /// Pieces written in sequence (an activation inside a `Dense`).
    Parts(&'static [Part]),
    /// Layers written inline, joined by `, ` (the branch of a
    /// [`Residual`](crate::Residual)).
    Nested(&'static Architecture),
    /// Something without a compile-time description.
    Unknown,
}

/// The layers of a network as compile-time text (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Architecture {
    /// One layer, the concatenation of its pieces.
    Layer(&'static [Part]),
    /// Two architectures in sequence (layers joined by `, `).
    Chain(&'static Architecture, &'static Architecture),
    /// A layer that does not describe itself at compile time.
    Unknown,
}

/// FNV-1a 64 offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64 prime.
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a 64 of `bytes`, continuing from `hash` (start with [`fnv1a64`]`(&[])`'s seed).
pub const fn fnv1a64_continue(mut hash: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u64).wrapping_mul(FNV_PRIME);
        i += 1;
    }
    hash
}

/// FNV-1a 64 of `bytes`: the fingerprint of an architecture text.
pub const fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a64_continue(FNV_OFFSET, bytes)
}

impl Architecture {
    /// The FNV-1a 64 hash of the text, or `None` if a part is [`Unknown`](Architecture::Unknown).
    pub const fn fingerprint(&self) -> Option<u64> {
        let mut hash = FNV_OFFSET;
        let mut first = true;
        if hash_arch(self, &mut hash, &mut first) {
            Some(hash)
        } else {
            None
        }
    }

    /// Whether every layer describes itself.
    pub const fn is_known(&self) -> bool {
        self.fingerprint().is_some()
    }

    /// Writes the text (`Dense<2, 3, ReLU>, Dense<3, 1, Sigmoid>`); unknown parts as `?`.
    pub fn write(&self, f: &mut dyn fmt::Write) -> fmt::Result {
        let mut first = true;
        write_arch(self, f, &mut first)
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f)
    }
}

const fn hash_arch(arch: &Architecture, hash: &mut u64, first: &mut bool) -> bool {
    match arch {
        Architecture::Layer(parts) => {
            if !*first {
                *hash = fnv1a64_continue(*hash, b", ");
            }
            *first = false;
            hash_parts(parts, hash)
        }
        Architecture::Chain(a, b) => hash_arch(a, hash, first) && hash_arch(b, hash, first),
        Architecture::Unknown => false,
    }
}

const fn hash_parts(parts: &[Part], hash: &mut u64) -> bool {
    let mut i = 0;
    while i < parts.len() {
        match parts[i] {
            Part::Text(s) => *hash = fnv1a64_continue(*hash, s.as_bytes()),
            Part::Usize(n) => {
                let (buf, len) = usize_text(n);
                *hash = fnv1a64_continue(*hash, buf.split_at(len).0);
            }
            Part::Float(x) => {
                let (buf, len) = float_text(x);
                *hash = fnv1a64_continue(*hash, buf.split_at(len).0);
            }
            Part::Parts(inner) => {
                if !hash_parts(inner, hash) {
                    return false;
                }
            }
            Part::Nested(arch) => {
                if !hash_arch(arch, hash, &mut true) {
                    return false;
                }
            }
            Part::Unknown => return false,
        }
        i += 1;
    }
    true
}

fn write_arch(arch: &Architecture, f: &mut dyn fmt::Write, first: &mut bool) -> fmt::Result {
    match arch {
        Architecture::Layer(parts) => {
            if !*first {
                f.write_str(", ")?;
            }
            *first = false;
            write_parts(parts, f)
        }
        Architecture::Chain(a, b) => {
            write_arch(a, f, first)?;
            write_arch(b, f, first)
        }
        Architecture::Unknown => {
            if !*first {
                f.write_str(", ")?;
            }
            *first = false;
            f.write_str("?")
        }
    }
}

fn write_parts(parts: &[Part], f: &mut dyn fmt::Write) -> fmt::Result {
    for part in parts {
        match *part {
            Part::Text(s) => f.write_str(s)?,
            Part::Usize(n) => write!(f, "{n}")?,
            Part::Float(x) => {
                let (buf, len) = float_text(x);
                f.write_str(core::str::from_utf8(&buf[..len]).unwrap_or("?"))?
            }
            Part::Parts(inner) => write_parts(inner, f)?,
            Part::Nested(arch) => write_arch(arch, f, &mut true)?,
            Part::Unknown => f.write_str("?")?,
        }
    }
    Ok(())
}

/// `n` in decimal: the buffer and the number of bytes used.
const fn usize_text(mut n: usize) -> ([u8; 20], usize) {
    let mut rev = [0u8; 20];
    let mut len = 0;
    loop {
        rev[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut out = [0u8; 20];
    let mut i = 0;
    while i < len {
        out[i] = rev[len - 1 - i];
        i += 1;
    }
    (out, len)
}

/// The longest text [`float_text`] writes: `-` and 0.(44 zeros)(up to 9 digits)
/// for the smallest subnormals, 39 digits for the largest finite values.
const FLOAT_TEXT: usize = 64;

/// An `f32` as `network!` writes its float arguments (and as the layers'
/// `describe` has always written them): `{x:.1}` for integers of magnitude
/// below 1e7 (`1.0`, `-0.0`), otherwise `{x}`, the shortest decimal that
/// reads back as `x`, in positional notation (`0.01`, `1e-45` as
/// `0.000…0001`). A `const fn`, tested against `core::fmt` in this module.
pub const fn float_text(x: f32) -> ([u8; FLOAT_TEXT], usize) {
    let mut out = Out { buf: [0; FLOAT_TEXT], len: 0 };
    let bits = x.to_bits();
    let negative = bits >> 31 == 1;
    let exp_field = ((bits >> 23) & 0xff) as i32;
    let frac = (bits & 0x7f_ffff) as u64;
    if exp_field == 0xff {
        if frac != 0 {
            out.text(b"NaN");
        } else {
            if negative {
                out.push(b'-');
            }
            out.text(b"inf");
        }
        return (out.buf, out.len);
    }
    if negative {
        out.push(b'-');
    }
    // x = m · 2^e
    let (m, e) = if exp_field == 0 { (frac, -149) } else { (frac | 1 << 23, exp_field - 150) };
    if m == 0 {
        out.text(b"0.0");
        return (out.buf, out.len);
    }
    // An integer below 1e7: `{:.1}`.
    if e <= 0 && e > -25 && m & ((1 << -e) - 1) == 0 && (m >> -e) < 10_000_000 {
        let (digits, len) = usize_text((m >> -e) as usize);
        let mut i = 0;
        while i < len {
            out.push(digits[i]);
            i += 1;
        }
        out.text(b".0");
        return (out.buf, out.len);
    }
    let (digits, n, exp10) = shortest(x);
    // value = 0.d₁d₂…dₙ × 10^exp10
    if exp10 <= 0 {
        out.text(b"0.");
        let mut z = 0;
        while z < -exp10 {
            out.push(b'0');
            z += 1;
        }
        let mut i = 0;
        while i < n {
            out.push(digits[i]);
            i += 1;
        }
    } else {
        let point = exp10 as usize;
        let mut i = 0;
        while i < n || i < point {
            if i == point {
                out.push(b'.');
            }
            out.push(if i < n { digits[i] } else { b'0' });
            i += 1;
        }
    }
    (out.buf, out.len)
}

struct Out {
    buf: [u8; FLOAT_TEXT],
    len: usize,
}

impl Out {
    const fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
    const fn text(&mut self, s: &[u8]) {
        let mut i = 0;
        while i < s.len() {
            self.push(s[i]);
            i += 1;
        }
    }
}

/// The shortest decimal digits `d₁…dₙ` and exponent `k` with
/// `0.d₁…dₙ × 10^k` inside the rounding interval of the positive finite,
/// non-zero `x` (bounds included when the mantissa is even), the closest to
/// `x` among those (ties away from zero): what `core` prints for `{}`.
/// Exact arithmetic on 384-bit integers.
const fn shortest(x: f32) -> ([u8; 17], usize, i32) {
    let bits = x.to_bits();
    let exp_field = ((bits >> 23) & 0xff) as i32;
    let frac = (bits & 0x7f_ffff) as u64;
    // The rounding interval (mant − minus, mant + plus) · 2^exp, as core's flt2dec decodes it.
    let (mant, minus, plus, exp, inclusive) = if exp_field == 0 {
        (frac << 1, 1u64, 1u64, -149 - 1, frac & 1 == 0)
    } else {
        let m = frac | 1 << 23;
        let e = exp_field - 150;
        if m == 1 << 23 {
            (m << 2, 1, 2, e - 2, true)
        } else {
            (m << 1, 1, 1, e - 1, m & 1 == 0)
        }
    };
    // k with 10^k ≤ x < 10^(k+1).
    let bit_len = 64 - mant.leading_zeros() as i32;
    let mut k = ((exp + bit_len - 1) * 1233) >> 12;
    while cmp_scaled(mant, exp, 1, k) < 0 {
        k -= 1;
    }
    while cmp_scaled(mant, exp, 1, k + 1) >= 0 {
        k += 1;
    }
    let mut d = 1;
    while d <= 17 {
        let j = k + 1 - d as i32;
        // floor(x / 10^j), in [10^(d−1), 10^d)
        let mut lo = pow10_u64(d - 1);
        let mut hi = pow10_u64(d);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if cmp_scaled(mant, exp, mid, j) >= 0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let below = lo;
        let above = lo + 1;
        let below_ok = in_interval(mant - minus, mant + plus, exp, below, j, inclusive);
        let above_ok = in_interval(mant - minus, mant + plus, exp, above, j, inclusive);
        if below_ok || above_ok {
            // Both: the closer, ties up (2x ≥ (2·below + 1) · 10^j).
            let chosen = if below_ok && above_ok {
                if cmp_scaled(2 * mant, exp, 2 * below + 1, j) >= 0 {
                    above
                } else {
                    below
                }
            } else if above_ok {
                above
            } else {
                below
            };
            return digits_of(chosen, j);
        }
        d += 1;
    }
    // Unreachable for f32 (9 digits always suffice).
    digits_of(0, 0)
}

/// Whether `c · 10^j` lies between `low · 2^exp` and `high · 2^exp`.
const fn in_interval(low: u64, high: u64, exp: i32, c: u64, j: i32, inclusive: bool) -> bool {
    let lo = cmp_scaled(low, exp, c, j);
    let hi = cmp_scaled(high, exp, c, j);
    (lo < 0 || (lo == 0 && inclusive)) && (hi > 0 || (hi == 0 && inclusive))
}

/// The digits of `c` without trailing zeros, and the exponent `k` with `c · 10^j = 0.digits × 10^k`.
const fn digits_of(mut c: u64, mut j: i32) -> ([u8; 17], usize, i32) {
    while c != 0 && c.is_multiple_of(10) {
        c /= 10;
        j += 1;
    }
    let mut rev = [0u8; 17];
    let mut n = 0;
    while c > 0 {
        rev[n] = b'0' + (c % 10) as u8;
        c /= 10;
        n += 1;
    }
    let mut digits = [0u8; 17];
    let mut i = 0;
    while i < n {
        digits[i] = rev[n - 1 - i];
        i += 1;
    }
    (digits, n, j + n as i32)
}

const fn pow10_u64(n: usize) -> u64 {
    let mut p = 1u64;
    let mut i = 0;
    while i < n {
        p *= 10;
        i += 1;
    }
    p
}

/// Sign of `a · 2^e2 − b · 10^e10`: −1, 0 or 1.
const fn cmp_scaled(a: u64, e2: i32, b: u64, e10: i32) -> i32 {
    let mut l = Big::from_u64(a);
    let mut r = Big::from_u64(b);
    if e2 >= 0 {
        l.shl(e2 as u32);
    } else {
        r.shl((-e2) as u32);
    }
    if e10 >= 0 {
        r.mul_pow10(e10 as u32);
    } else {
        l.mul_pow10((-e10) as u32);
    }
    l.cmp(&r)
}

/// An unsigned integer of 384 bits, little-endian 32-bit limbs: enough for
/// every comparison of an `f32` (at most 2^128, at least 2^−151) with a
/// decimal of 17 digits.
struct Big {
    limbs: [u32; 12],
}

impl Big {
    const fn from_u64(x: u64) -> Big {
        let mut limbs = [0u32; 12];
        limbs[0] = x as u32;
        limbs[1] = (x >> 32) as u32;
        Big { limbs }
    }

    const fn shl(&mut self, n: u32) {
        let words = (n / 32) as usize;
        let bits = n % 32;
        let mut i = 12;
        while i > 0 {
            i -= 1;
            let mut v = 0u32;
            if i >= words {
                let src = i - words;
                v = self.limbs[src] << bits;
                if bits > 0 && src > 0 {
                    v |= self.limbs[src - 1] >> (32 - bits);
                }
            }
            self.limbs[i] = v;
        }
    }

    const fn mul_small(&mut self, k: u32) {
        let mut carry = 0u64;
        let mut i = 0;
        while i < 12 {
            let v = self.limbs[i] as u64 * k as u64 + carry;
            self.limbs[i] = v as u32;
            carry = v >> 32;
            i += 1;
        }
    }

    const fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_small(1_000_000_000);
            n -= 9;
        }
        let mut p = 1u32;
        while n > 0 {
            p *= 10;
            n -= 1;
        }
        self.mul_small(p);
    }

    const fn cmp(&self, other: &Big) -> i32 {
        let mut i = 12;
        while i > 0 {
            i -= 1;
            if self.limbs[i] != other.limbs[i] {
                return if self.limbs[i] > other.limbs[i] { 1 } else { -1 };
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::String;

    use super::*;

    fn ours(x: f32) -> String {
        let (buf, len) = float_text(x);
        String::from(core::str::from_utf8(&buf[..len]).unwrap())
    }

    fn core_text(x: f32) -> String {
        let mut s = String::new();
        crate::activation::write_float(&mut s, x).unwrap();
        s
    }

    #[test]
    fn float_text_matches_core_on_special_and_typical_values() {
        let mut values = std::vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.1,
            0.01,
            0.2,
            0.3,
            0.25,
            0.999,
            1e-7,
            1e7,
            9_999_999.0,
            10_000_001.0,
            16_777_216.0,
            3.5,
            123.456,
            f32::MIN_POSITIVE,
            f32::MIN_POSITIVE * 2.0,
            f32::from_bits(1),
            f32::from_bits(2),
            f32::from_bits(3),
            f32::from_bits(4),
            f32::from_bits(0x007f_ffff),
            f32::MAX,
            f32::MIN,
            f32::EPSILON,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
            1e38,
            1e-38,
            core::f32::consts::PI,
        ];
        // Every decimal of up to 4 significant digits at many scales.
        for scale in [1e-30f64, 1e-6, 1e-3, 1.0, 1e3, 1e10, 1e30] {
            for n in 1..10_000u32 {
                values.push((n as f64 * scale / 1000.0) as f32);
            }
        }
        // Powers of two (the asymmetric intervals).
        for e in -149..128 {
            values.push(libm::ldexpf(1.0, e));
        }
        for x in values {
            assert_eq!(ours(x), core_text(x), "{:#010x}", x.to_bits());
        }
    }

    #[test]
    fn float_text_matches_core_on_random_bits() {
        let mut rng = crate::rng(7);
        for _ in 0..30_000 {
            let x = f32::from_bits(rand::RngCore::next_u32(&mut rng));
            assert_eq!(ours(x), core_text(x), "{:#010x}", x.to_bits());
        }
    }

    /// Every subnormal and every 97th bit pattern of the positive floats
    /// (`cargo test --release -p nn-core --lib -- --ignored float_text`).
    #[test]
    #[ignore = "minutes in a debug build; run with --release"]
    fn float_text_matches_core_on_all_subnormals_and_a_sweep() {
        for bits in (1..0x0080_0000u32).chain((0x0080_0000..0x7f80_0000).step_by(97)) {
            let x = f32::from_bits(bits);
            assert_eq!(ours(x), core_text(x), "{bits:#010x}");
        }
    }

    /// The compile-time text and fingerprint of `N` are the run-time ones.
    #[cfg(feature = "alloc")]
    fn check<N: crate::Network>(expected: &str) {
        let runtime = crate::io::architecture::<N>();
        assert_eq!(runtime, expected);
        assert_eq!(std::format!("{}", N::STRUCTURE), expected);
        assert_eq!(N::FINGERPRINT, fnv1a64(expected.as_bytes()));
        assert_eq!(crate::io::fingerprint::<N>(), N::FINGERPRINT);
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn compile_time_architecture_is_the_runtime_text() {
        use crate::*;
        check::<Dense<784, 128, ReLU>>("Dense<784, 128, ReLU>");
        check::<Chain<Dense<3, 4, ReLU>, Dense<4, 2, Sigmoid>>>("Dense<3, 4, ReLU>, Dense<4, 2, Sigmoid>");
        check::<
            Chain<Dense<2, 3>, Chain<Dropout<3, { f32_bits(0.5) }>, ActivationLayer<3, LeakyReLU<{ f32_bits(0.1) }>>>>,
        >("Dense<2, 3, Identity>, Dropout<0.5>, LeakyReLU<0.1>");
        check::<Chain<Chain<Dense<2, 3, PReLU>, ActivationLayer<3, ELU>>, Dense<3, 5, Softmax>>>(
            "Dense<2, 3, PReLU>, ELU<1.0>, Dense<3, 5, Softmax>",
        );
        check::<Chain<Dense<1, 1, Step>, Chain<Dense<1, 1, Tanh>, Chain<Dense<1, 1, Softplus>, Dense<1, 1, LeakyReLU>>>>>(
            "Dense<1, 1, Step>, Dense<1, 1, Tanh>, Dense<1, 1, Softplus>, Dense<1, 1, LeakyReLU<0.01>>",
        );
        check::<Chain<Dense<4, 4, ELU<{ f32_bits(0.3) }>>, Dropout<4, { f32_bits(0.0) }>>>(
            "Dense<4, 4, ELU<0.3>>, Dropout<0.0>",
        );
        // The value the weight files of version 1 have always stored for this network.
        type Xor = Chain<Dense<2, 4, Tanh>, Dense<4, 1, Sigmoid>>;
        const XOR: u64 = Xor::FINGERPRINT;
        assert_eq!(XOR, fnv1a64(b"Dense<2, 4, Tanh>, Dense<4, 1, Sigmoid>"));
    }

    #[test]
    fn usize_text_is_decimal() {
        for n in [0usize, 7, 10, 99, 784, 4096, usize::MAX] {
            let (buf, len) = usize_text(n);
            assert_eq!(core::str::from_utf8(&buf[..len]).unwrap(), std::format!("{n}"));
        }
    }

    #[test]
    fn fingerprint_is_fnv1a64() {
        // The FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        const A: Architecture = Architecture::Layer(&[Part::Text("a")]);
        const B: Architecture = Architecture::Layer(&[Part::Text("b"), Part::Usize(12), Part::Float(0.5)]);
        const AB: Architecture = Architecture::Chain(&A, &B);
        assert_eq!(AB.fingerprint(), Some(fnv1a64(b"a, b120.5")));
        assert_eq!(std::format!("{AB}"), "a, b120.5");
        const U: Architecture = Architecture::Chain(&A, &Architecture::Unknown);
        assert_eq!(U.fingerprint(), None);
        assert!(!U.is_known());
    }
}
