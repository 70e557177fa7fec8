//! Networks baked into the program at compile time: a weight file read by a
//! `const fn`, so that the network is a `static` in read-only memory (flash on
//! a microcontroller), with no parsing and no copy at run time.
//!
//! ```
//! use nn_core::{Chain, Dense, Network, ReLU, Softmax};
//! type Net = Chain<Dense<3, 4, ReLU>, Dense<4, 2, Softmax>>;
//! # const BYTES: &[u8] = &nn_core::baked::__doc_example_file();
//! // In a firmware: `static NET: Net = nn_core::include_network!(Net, "net.nnw");`
//! static NET: Net = nn_core::baked::decode::<Net>(BYTES);
//! let y = NET.predict(&[0.5, -1.0, 2.0]);
//! assert!((y[0] + y[1] - 1.0).abs() < 1e-6);
//! ```
//!
//! [`decode`] checks everything [`io`](crate::io)'s reader checks (magic,
//! version, CRC-32, the architecture text and its fingerprint, the parameter
//! count, finite values) while the compiler evaluates the `static`: a file
//! that does not fit the network is a **compile error** whose message says what
//! is wrong, e.g.
//!
//! ```text
//! error[E0080]: evaluation panicked: the weight file holds `Dense<3, 4, Tanh>, Dense<4, 2, Softmax>` (26 parameters), but this network is `Dense<3, 4, ReLU>, Dense<4, 2, Softmax>` (26 parameters)
//! ```
//!
//! Only the decoded parameters end up in the binary (the file's bytes are read
//! by the compiler, not linked). The architecture text of a network at compile
//! time is [`Layer::ARCHITECTURE`](crate::Layer::ARCHITECTURE), built from the
//! layer types by the `const fn`s of [`ConstText`].
//!
//! Large files (the 407 KB of an MNIST 784-128-10) take the compiler a few
//! seconds and trip rustc's `long_running_const_eval` lint, which
//! [`include_network!`](crate::include_network) allows for its item.

use crate::Network;

/// Capacity of a [`ConstText`] in bytes.
pub const TEXT_CAPACITY: usize = 1024;

/// Text built by `const fn`s, of at most [`TEXT_CAPACITY`] bytes: the
/// architecture of a network at compile time, and the messages of [`decode`].
///
/// A text that is not known ([`UNKNOWN`](ConstText::UNKNOWN), the default of
/// [`Layer::ARCHITECTURE`](crate::Layer::ARCHITECTURE) for layers defined
/// outside this crate) or that overflowed is not *complete*.
#[derive(Clone, Copy)]
pub struct ConstText {
    bytes: [u8; TEXT_CAPACITY],
    len: usize,
    complete: bool,
}

impl core::fmt::Debug for ConstText {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.as_str())?;
        if !self.complete {
            f.write_str(" (incomplete)")?;
        }
        Ok(())
    }
}

impl ConstText {
    /// The empty text.
    pub const EMPTY: ConstText = ConstText { bytes: [0; TEXT_CAPACITY], len: 0, complete: true };
    /// A text that is not known at compile time.
    pub const UNKNOWN: ConstText = ConstText { bytes: [0; TEXT_CAPACITY], len: 0, complete: false };

    /// The text so far (a valid prefix if it overflowed).
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.as_bytes()) {
            Ok(s) => s,
            Err(_) => "?",
        }
    }

    /// The bytes of the text.
    pub const fn as_bytes(&self) -> &[u8] {
        self.bytes.split_at(self.len).0
    }

    /// Whether the text is known and did not overflow.
    pub const fn is_complete(&self) -> bool {
        self.complete
    }

    /// Appends one byte (a text that is full stops growing and is no longer complete).
    const fn byte(mut self, b: u8) -> Self {
        if self.len < TEXT_CAPACITY {
            self.bytes[self.len] = b;
            self.len += 1;
        } else {
            self.complete = false;
        }
        self
    }

    /// Appends raw bytes (whole UTF-8 characters only, or the text stops at the last one that fits).
    pub const fn bytes(mut self, s: &[u8]) -> Self {
        if self.len + s.len() > TEXT_CAPACITY {
            // Keep whole characters: cut before the first byte of a character that does not fit.
            let mut fit = TEXT_CAPACITY - self.len;
            while fit > 0 && fit < s.len() && (s[fit] & 0xC0) == 0x80 {
                fit -= 1;
            }
            let mut i = 0;
            while i < fit {
                self = self.byte(s[i]);
                i += 1;
            }
            self.complete = false;
            return self;
        }
        let mut i = 0;
        while i < s.len() {
            self = self.byte(s[i]);
            i += 1;
        }
        self
    }

    /// Appends a string.
    pub const fn str(self, s: &str) -> Self {
        self.bytes(s.as_bytes())
    }

    /// Appends another text (the result is complete if both are).
    pub const fn text(self, other: ConstText) -> Self {
        let complete = other.complete;
        let mut t = self.bytes(other.as_bytes());
        t.complete = t.complete && complete;
        t
    }

    /// Appends an integer in decimal.
    pub const fn usize(self, n: usize) -> Self {
        self.u128(n as u128)
    }

    pub(crate) const fn u128(mut self, n: u128) -> Self {
        let mut digits = [0u8; 40];
        let mut count = 0;
        let mut n = n;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while count > 0 {
            count -= 1;
            self = self.byte(digits[count]);
        }
        self
    }

    /// Appends an `f32` exactly as the layers describe their float parameters
    /// at run time (`Dropout<0.5>`, `LeakyReLU<0.01>`, `ELU<1.0>`): `{x:.1}`
    /// for whole numbers below 10⁷, else `{x}` (Rust's shortest digits that
    /// read back as the same `f32`, without exponent).
    ///
    /// # Panics
    /// (at compile time, when used in a constant) for magnitudes below 10⁻³⁰,
    /// which the exact integer arithmetic here does not cover.
    pub const fn float(mut self, x: f32) -> Self {
        if x.is_nan() {
            return self.str("NaN");
        }
        if x.is_sign_negative() {
            self = self.byte(b'-');
        }
        let x = x.abs();
        if x.is_infinite() {
            return self.str("inf");
        }
        if x < 1e7 && (x as u32) as f32 == x {
            return self.u128(x as u32 as u128).str(".0");
        }
        let (n, k) = shortest(x);
        let mut digits = [0u8; 40];
        let mut d = 0;
        let mut m = n;
        while m > 0 {
            digits[d] = b'0' + (m % 10) as u8;
            d += 1;
            m /= 10;
        }
        // digits[d-1] is the first digit; the value is 0.D × 10^(d + k).
        let point = d as i32 + k;
        if point <= 0 {
            self = self.str("0.");
            let mut z = 0;
            while z < -point {
                self = self.byte(b'0');
                z += 1;
            }
            while d > 0 {
                d -= 1;
                self = self.byte(digits[d]);
            }
        } else {
            let mut written = 0;
            while d > 0 {
                if written == point {
                    self = self.byte(b'.');
                }
                d -= 1;
                self = self.byte(digits[d]);
                written += 1;
            }
            while written < point {
                self = self.byte(b'0');
                written += 1;
            }
        }
        self
    }

    /// The FNV-1a 64 hash of the text: the architecture fingerprint of the weight file.
    pub const fn fnv1a(&self) -> u64 {
        fnv1a(self.as_bytes())
    }
}

/// FNV-1a 64 of `bytes` (the weight file's architecture fingerprint).
pub const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u64).wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h
}

// ---------------------------------------------------------------------------
// Shortest decimal digits of an f32, exactly, in integer arithmetic.

const fn pow5(k: u32) -> u128 {
    let mut p: u128 = 1;
    let mut i = 0;
    while i < k {
        p *= 5;
        i += 1;
    }
    p
}

/// Sign of `a·2^s − b`, for `a, b < 2^128` (no overflow: a product that does
/// not fit is larger than any `b`).
const fn cmp_shifted(a: u128, s: u32, b: u128) -> i32 {
    if a == 0 {
        return if b == 0 { 0 } else { -1 };
    }
    if s >= a.leading_zeros() {
        return 1;
    }
    let a = a << s;
    if a > b {
        1
    } else if a < b {
        -1
    } else {
        0
    }
}

/// Sign of `n·10^k − b·2^e`.
const fn cmp_dec_bin(n: u128, k: i32, b: u128, e: i32) -> i32 {
    let lhs = if k >= 0 { n * pow5(k as u32) } else { n };
    let rhs = if k < 0 { b * pow5((-k) as u32) } else { b };
    let p = k - e; // net power of two on the left
    if p >= 0 {
        cmp_shifted(lhs, p as u32, rhs)
    } else {
        -cmp_shifted(rhs, (-p) as u32, lhs)
    }
}

/// `⌊m·2^e / 10^k⌋`.
const fn floor_div_pow10(m: u128, e: i32, k: i32) -> u128 {
    // m·2^e / (2^k·5^k) = m·2^(e−k) / 5^k  (k ≥ 0)  or  m·5^|k|·2^(e−k)  (k < 0)
    let (num, den5) = if k >= 0 { (m, pow5(k as u32)) } else { (m * pow5((-k) as u32), 1) };
    let s = e - k;
    if s >= 0 {
        // Callers keep the quotient small, so the shift does not overflow.
        (num << (s as u32)) / den5
    } else {
        let s = (-s) as u32;
        if s >= 128 || den5.leading_zeros() <= s {
            0
        } else {
            num / (den5 << s)
        }
    }
}

/// The shortest `n·10^k` (`n` without trailing zeros) that reads back as `x`
/// (finite, positive, not a whole number below 10⁷), the closest one if
/// several have as few digits: what `{x}` prints.
const fn shortest(x: f32) -> (u128, i32) {
    assert!(x >= 1e-30, "ConstText::float supports magnitudes from 1e-30 up");
    let bits = x.to_bits();
    let exp_bits = ((bits >> 23) & 0xff) as i32;
    let frac = (bits & 0x7f_ffff) as u128;
    let (m, e) = (frac | 0x80_0000, exp_bits - 150);
    // In units of 2^(e−2): x = 4m, the rounding interval is [lo, hi].
    let unit = e - 2;
    let x4 = 4 * m;
    let lo = if frac == 0 && exp_bits > 1 { x4 - 1 } else { x4 - 2 };
    let hi = x4 + 2;
    let inclusive = m % 2 == 0;
    // First digit position: the largest k with ⌊x / 10^k⌋ ≥ 1.
    let mut k: i32 = 39;
    while floor_div_pow10(m, e, k) == 0 {
        k -= 1;
    }
    k += 1;
    loop {
        let n = floor_div_pow10(m, e, k);
        let mut best: u128 = 0;
        let mut found = false;
        let mut c = 0;
        while c < 2 {
            let cand = n + c;
            let above = cmp_dec_bin(cand, k, lo, unit);
            let below = cmp_dec_bin(cand, k, hi, unit);
            let inside = if inclusive { above >= 0 && below <= 0 } else { above > 0 && below < 0 };
            if cand > 0 && inside {
                if !found {
                    best = cand;
                    found = true;
                } else {
                    // Both inside: the one closer to x (2x = 8m·2^unit against (2n+1)·10^k),
                    // the upper one on a tie (as Rust's formatting).
                    let mid = cmp_dec_bin(2 * n + 1, k, 2 * x4, unit);
                    if mid <= 0 {
                        best = cand;
                    }
                }
            }
            c += 1;
        }
        if found {
            let mut n = best;
            let mut k = k;
            while n.is_multiple_of(10) {
                n /= 10;
                k += 1;
            }
            return (n, k);
        }
        k -= 1;
    }
}

// ---------------------------------------------------------------------------
// The weight file, at compile time.

/// CRC-32 (IEEE, reflected, polynomial 0xEDB88320) lookup table.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut j = 0;
        while j < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            j += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE) of `bytes`, as `crc32fast::hash`.
pub const fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    let mut i = 0;
    while i < bytes.len() {
        c = CRC_TABLE[((c ^ bytes[i] as u32) & 0xff) as usize] ^ (c >> 8);
        i += 1;
    }
    !c
}

pub(crate) const fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) const fn u64_at(b: &[u8], at: usize) -> u64 {
    (u32_at(b, at) as u64) | ((u32_at(b, at + 4) as u64) << 32)
}

pub(crate) const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Panics with a message built at compile time.
pub(crate) const fn fail(message: ConstText) -> ! {
    panic!("{}", message.as_str())
}

/// The network `N` held by the weight-file bytes `bytes` (the format of
/// [`io`](crate::io), as written by `Network::save`), decoded by the compiler
/// when used in a `const` or `static`:
///
/// ```ignore
/// static NET: Mnist = nn::baked::decode::<Mnist>(include_bytes!("mnist.nnw"));
/// ```
///
/// (or [`include_network!`](crate::include_network), which also allows the
/// `long_running_const_eval` lint that large files trip).
///
/// # Panics
/// At compile time (so: a compile error) on a file that is not a weight file,
/// of another format version, truncated or padded, damaged (CRC-32), for
/// another architecture or parameter count than `N`, or holding a value that
/// is not finite; and when `N`'s architecture is not known at compile time
/// (a layer whose [`Layer::ARCHITECTURE`](crate::Layer::ARCHITECTURE) is unknown).
/// Each message says which.
pub const fn decode<N: Network>(bytes: &[u8]) -> N {
    let msg = ConstText::EMPTY;
    let header = 8 + 4 + 8 + 4;
    if bytes.len() < header + 8 + 4 {
        fail(msg.str("not an nn weight file: only ").usize(bytes.len()).str(" bytes"));
    }
    if !bytes_eq(bytes.split_at(8).0, crate::baked::MAGIC) {
        fail(msg.str("not an nn weight file (wrong magic bytes)"));
    }
    let version = u32_at(bytes, 8);
    if version != VERSION {
        fail(
            msg.str("weight file format version ")
                .usize(version as usize)
                .str(", but this build of nn reads version ")
                .usize(VERSION as usize),
        );
    }
    let fingerprint = u64_at(bytes, 12);
    let arch_len = u32_at(bytes, 20) as usize;
    if bytes.len() < header + arch_len + 8 + 4 {
        fail(msg.str("truncated weight file: it ends inside the header"));
    }
    let arch = bytes.split_at(header).1.split_at(arch_len).0;
    let count = u64_at(bytes, header + arch_len);
    let data_at = header + arch_len + 8;
    let body_len = bytes.len() - 4;
    let data_len = body_len - data_at;
    if count > (usize::MAX / 4) as u64 || data_len != 4 * count as usize {
        fail(
            msg.str("truncated or padded weight file: the header announces ")
                .u128(count as u128)
                .str(" parameters, the file holds ")
                .usize(data_len)
                .str(" bytes of them"),
        );
    }
    if crc32(bytes.split_at(body_len).0) != u32_at(bytes, body_len) {
        fail(msg.str("damaged weight file: the checksum does not match (a byte was changed)"));
    }
    if fnv1a(arch) != fingerprint {
        fail(msg.str("damaged weight file: the architecture fingerprint does not match its text"));
    }
    let expected = N::ARCHITECTURE;
    let file_arch = match core::str::from_utf8(arch) {
        Ok(s) => s,
        Err(_) => "?",
    };
    if !expected.is_complete() {
        fail(msg
            .str("the architecture of this network is not known at compile time (a layer without `Layer::ARCHITECTURE`); the file holds `")
            .str(file_arch)
            .str("`"));
    }
    if !bytes_eq(arch, expected.as_bytes()) || fingerprint != expected.fnv1a() || count != N::PARAMS as u64 {
        fail(
            msg.str("the weight file holds `")
                .str(file_arch)
                .str("` (")
                .u128(count as u128)
                .str(" parameters), but this network is `")
                .text(expected)
                .str("` (")
                .usize(N::PARAMS)
                .str(" parameters)"),
        );
    }
    let mut out = core::mem::MaybeUninit::<N>::uninit();
    let p = out.as_mut_ptr() as *mut f32;
    let mut i = 0;
    while i < N::PARAMS {
        let v = f32::from_bits(u32_at(bytes, data_at + 4 * i));
        if !v.is_finite() {
            fail(msg.str("parameter ").usize(i).str(" of the weight file is not finite (NaN or infinite)"));
        }
        // SAFETY: `N: Layer` is repr(C) and made only of f32 without padding,
        // PARAMS = size_of::<N>() / 4 of them (the `Layer` contract), so the
        // PARAMS f32 slots at `p` are exactly the bytes of `N`.
        unsafe { p.add(i).write(v) };
        i += 1;
    }
    // SAFETY: every f32 of `N` was written above, and any bits are a valid f32.
    unsafe { out.assume_init() }
}

/// The first 8 bytes of every weight file (as [`io::MAGIC`](crate::io)).
pub const MAGIC: &[u8; 8] = b"NNWEIGHT";
/// The weight-file format version that [`decode`] reads (as `io::VERSION`).
pub const VERSION: u32 = 1;

/// A network baked into the program from a weight file at compile time:
/// `static NET: Net = nn::include_network!(Net, "net.nnw");` (path relative to
/// the file that says it, as `include_bytes!`). See [`baked`](crate::baked).
///
/// The expression is a constant of type `Net`; as the initializer of a
/// `static` it lives in read-only memory (flash), not RAM. A file that does not
/// fit `Net` is a compile error.
#[macro_export]
macro_rules! include_network {
    ($net:ty, $path:expr $(,)?) => {{
        #[allow(long_running_const_eval)]
        const NETWORK: $net = $crate::baked::decode::<$net>(::core::include_bytes!($path));
        NETWORK
    }};
}

/// A small weight file for the documentation example (not a public API).
#[doc(hidden)]
pub const fn __doc_example_file() -> [u8; 179] {
    // Dense<3, 4, ReLU>, Dense<4, 2, Softmax>: 16 + 10 parameters.
    const ARCH: &[u8] = b"Dense<3, 4, ReLU>, Dense<4, 2, Softmax>";
    let mut out = [0u8; 179];
    let mut at = 0;
    macro_rules! put {
        ($bytes:expr) => {{
            let b = $bytes;
            let mut i = 0;
            while i < b.len() {
                out[at] = b[i];
                at += 1;
                i += 1;
            }
        }};
    }
    put!(MAGIC);
    put!(&VERSION.to_le_bytes());
    put!(&fnv1a(ARCH).to_le_bytes());
    put!(&(ARCH.len() as u32).to_le_bytes());
    put!(ARCH);
    put!(&26u64.to_le_bytes());
    let mut i = 0;
    while i < 26 {
        put!(&((i as f32 - 13.0) / 10.0).to_le_bytes());
        i += 1;
    }
    let crc = crc32(out.split_at(at).0);
    put!(&crc.to_le_bytes());
    assert!(at == 179);
    out
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use alloc::string::String;

    use super::*;
    use crate::{
        ActivationLayer, Chain, Dense, Dropout, Identity, LeakyReLU, Network, PReLU, ReLU, Sigmoid, Softmax, Softplus,
        Step, Tanh, ELU,
    };

    fn runtime(x: f32) -> String {
        let mut s = String::new();
        crate::activation::write_float(&mut s, x).unwrap();
        s
    }

    fn check(x: f32) {
        assert_eq!(ConstText::EMPTY.float(x).as_str(), runtime(x), "bits {:#010x}", x.to_bits());
    }

    #[test]
    fn floats_are_written_as_at_run_time() {
        for x in [
            0.5,
            0.1,
            0.01,
            0.25,
            0.2,
            0.3,
            0.9,
            0.99,
            0.999,
            1.0,
            1.5,
            2.0,
            -0.5,
            -1.0,
            0.0,
            -0.0,
            1e-3,
            1e-4,
            1e-5,
            0.123_456_79,
            1e7,
            1.5e7,
            9_999_999.0,
            16_777_217.0,
            1e10,
            3.4e38,
            f32::MAX,
            1e-30,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            core::f32::consts::PI,
            0.333_333_34,
            1e-7,
            5e-8,
        ] {
            check(x);
        }
        // Every power of two in range (the asymmetric rounding interval).
        let mut x = 1e-30f32;
        while x < 1e38 {
            let p = f32::from_bits(x.to_bits() & 0xff80_0000);
            for y in [p, f32::from_bits(p.to_bits() + 1), f32::from_bits(p.to_bits() - 1)] {
                if y >= 1e-30 {
                    check(y);
                }
            }
            x *= 2.0;
        }
        // Random bit patterns over the supported range, and short decimals.
        let mut s = 0x2545_f491_4f6c_dd1du64;
        for i in 0..40_000u32 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let x = f32::from_bits(s as u32);
            if x.is_finite() && x.abs() >= 1e-30 {
                check(x);
            }
            check(i as f32 / 1000.0);
            check((i % 1000) as f32 * 1e-5);
        }
    }

    fn same_text<N: Network>() {
        assert!(N::ARCHITECTURE.is_complete());
        assert_eq!(N::ARCHITECTURE.as_str(), crate::io::architecture::<N>());
        assert_eq!(N::ARCHITECTURE.fnv1a(), crate::io::fingerprint::<N>());
    }

    #[test]
    fn architecture_text_at_compile_time_is_the_run_time_one() {
        same_text::<Dense<784, 128, ReLU>>();
        same_text::<Chain<Dense<784, 128, ReLU>, Chain<Dropout<128, { crate::f32_bits(0.5) }>, Dense<128, 10, Softmax>>>>(
        );
        same_text::<
            Chain<
                Dense<3, 8, LeakyReLU<{ crate::f32_bits(0.1) }>>,
                Chain<
                    ActivationLayer<8, ELU>,
                    Chain<Dense<8, 8, PReLU>, Chain<ActivationLayer<8, Softplus>, Dense<8, 2, Step>>>,
                >,
            >,
        >();
        same_text::<Chain<Dense<1, 16, Tanh>, Chain<Dense<16, 16, Sigmoid>, Dense<16, 1, Identity>>>>();
        same_text::<Chain<ActivationLayer<4, LeakyReLU>, ActivationLayer<4, ELU<{ crate::f32_bits(0.7) }>>>>();
    }

    #[test]
    fn crc_and_fingerprint_match_the_run_time_ones() {
        let data: alloc::vec::Vec<u8> = (0..10_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert_eq!(crc32(&data), crc32fast::hash(&data));
        assert_eq!(crc32(b""), crc32fast::hash(b""));
        assert_eq!(MAGIC, crate::io::MAGIC);
        assert_eq!(VERSION, crate::io::VERSION);
    }

    type Net = Chain<Dense<3, 4, ReLU>, Dense<4, 2, Softmax>>;

    #[test]
    fn decode_gives_the_saved_network() {
        let net = Net::boxed(&mut crate::rng(3));
        let bytes = net.to_bytes();
        let decoded = decode::<Net>(&bytes);
        assert_eq!(decoded.params(), net.params());
        let doc = __doc_example_file();
        let from_io = Net::from_bytes(&doc).unwrap();
        assert_eq!(decode::<Net>(&doc).params(), from_io.params());
    }

    fn panic_message(bytes: &[u8]) -> String {
        let bytes = bytes.to_vec();
        let err = std::panic::catch_unwind(move || decode::<Net>(&bytes)).expect_err("decode must fail");
        err.downcast_ref::<String>().cloned().or_else(|| err.downcast_ref::<&str>().map(|s| (*s).into())).unwrap()
    }

    #[test]
    fn bad_files_are_refused_with_a_message() {
        let good = Net::boxed(&mut crate::rng(3)).to_bytes();
        let mut b = good.clone();
        b[0] = b'X';
        assert!(panic_message(&b).contains("wrong magic"));
        let mut b = good.clone();
        b[8] = 2;
        assert!(panic_message(&b).contains("version 2"));
        assert!(panic_message(&good[..good.len() - 8]).contains("truncated or padded"));
        let mut b = good.clone();
        let n = b.len();
        b[n - 10] ^= 0x40;
        assert!(panic_message(&b).contains("checksum"));
        let other = Chain::<Dense<3, 4, Tanh>, Dense<4, 2, Softmax>>::boxed(&mut crate::rng(1)).to_bytes();
        assert_eq!(
            panic_message(&other),
            "the weight file holds `Dense<3, 4, Tanh>, Dense<4, 2, Softmax>` (26 parameters), but this network is \
             `Dense<3, 4, ReLU>, Dense<4, 2, Softmax>` (26 parameters)"
        );
        let mut net = Net::boxed(&mut crate::rng(3));
        net.params_mut()[5] = f32::INFINITY;
        assert!(panic_message(&net.to_bytes()).contains("parameter 5"));
    }
}
