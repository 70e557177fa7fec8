//! The file of a quantized network (`.nnq`), and its compile-time decoder.
//!
//! The layout of the weight file ([`io`](crate::io)) with another magic, and
//! the image of the [`Int8`] value in place of the `f32` parameters.
//! Little-endian:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `NNQUANT8` |
//! | 4 | format version (1) |
//! | 8 | FNV-1a 64 of the architecture text |
//! | 4 | length of the architecture text |
//! | n | the architecture text of the `f32` network, e.g. `Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>` |
//! | 8 | number of bytes of the image |
//! | m | the image: the input's [`QParams`](super::QParams), then each layer's fields in declaration order ([`QDense`](super::QDense): weights `[out][in]` as `i8`, bias `i32`, multiplier `i32`, shift `u8`, weight scale `f32` per unit, output scale `f32` and zero point `i8`) |
//! | 4 | CRC-32 (IEEE) of everything before it |

use super::{Int8, Quantize};
use crate::baked::{bytes_eq, crc32, fail, fnv1a, u32_at, u64_at, ConstText};

/// The first 8 bytes of a quantized network's file.
pub const MAGIC: &[u8; 8] = b"NNQUANT8";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

const HEADER: usize = 8 + 4 + 8 + 4;

/// The file's bytes for `q`.
#[cfg(feature = "alloc")]
pub fn to_bytes<N: Quantize + 'static>(q: &Int8<N>) -> alloc::vec::Vec<u8> {
    let arch = N::ARCHITECTURE;
    let arch = arch.as_bytes();
    let image = bytemuck::bytes_of(q);
    let mut out = alloc::vec::Vec::with_capacity(HEADER + arch.len() + 8 + image.len() + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&fnv1a(arch).to_le_bytes());
    out.extend_from_slice(&(arch.len() as u32).to_le_bytes());
    out.extend_from_slice(arch);
    out.extend_from_slice(&(image.len() as u64).to_le_bytes());
    out.extend_from_slice(image);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// What is wrong with a file for `N`, or `None`: every check of [`decode_int8`]
/// (shared by the run-time reader and the compile-time decoder).
const fn check<N: Quantize>(bytes: &[u8]) -> Option<ConstText> {
    let msg = ConstText::EMPTY;
    if bytes.len() < HEADER + 8 + 4 {
        return Some(msg.str("not an nn int8 file: only ").usize(bytes.len()).str(" bytes"));
    }
    if !bytes_eq(bytes.split_at(8).0, MAGIC) {
        return Some(msg.str("not an nn int8 file (wrong magic bytes; an f32 weight file starts with NNWEIGHT)"));
    }
    let version = u32_at(bytes, 8);
    if version != VERSION {
        return Some(
            msg.str("int8 file format version ")
                .usize(version as usize)
                .str(", but this build of nn reads version ")
                .usize(VERSION as usize),
        );
    }
    let arch_len = u32_at(bytes, 20) as usize;
    if bytes.len() < HEADER + arch_len + 8 + 4 {
        return Some(msg.str("truncated int8 file: it ends inside the header"));
    }
    let arch = bytes.split_at(HEADER).1.split_at(arch_len).0;
    let count = u64_at(bytes, HEADER + arch_len);
    let data_at = HEADER + arch_len + 8;
    let body_len = bytes.len() - 4;
    if count != (body_len - data_at) as u64 {
        return Some(
            msg.str("truncated or padded int8 file: the header announces ")
                .u128(count as u128)
                .str(" bytes, the file holds ")
                .usize(body_len - data_at),
        );
    }
    if crc32(bytes.split_at(body_len).0) != u32_at(bytes, body_len) {
        return Some(msg.str("damaged int8 file: the checksum does not match (a byte was changed)"));
    }
    if fnv1a(arch) != u64_at(bytes, 12) {
        return Some(msg.str("damaged int8 file: the architecture fingerprint does not match its text"));
    }
    let expected = N::ARCHITECTURE;
    let file_arch = match core::str::from_utf8(arch) {
        Ok(s) => s,
        Err(_) => "?",
    };
    if !expected.is_complete() {
        return Some(
            msg.str("the architecture of this network is not known at compile time; the file holds `")
                .str(file_arch)
                .str("`"),
        );
    }
    let size = core::mem::size_of::<Int8<N>>();
    if !bytes_eq(arch, expected.as_bytes()) || count != size as u64 {
        return Some(
            msg.str("the int8 file holds `")
                .str(file_arch)
                .str("` (")
                .u128(count as u128)
                .str(" bytes), but this network is `")
                .text(expected)
                .str("` (")
                .usize(size)
                .str(" bytes in int8)"),
        );
    }
    None
}

/// The quantized network held by `bytes` (written by [`Int8::to_bytes`]),
/// decoded by the compiler when used in a `const` or `static`:
///
/// ```ignore
/// static NET: nn::quant::Int8<Mnist> = nn::quant::decode_int8::<Mnist>(include_bytes!("mnist.nnq"));
/// ```
///
/// (or [`include_quantized!`](crate::include_quantized)).
///
/// # Panics
/// At compile time (so: a compile error) on a file that is not an int8 file
/// (an `f32` weight file included), of another version, truncated, padded or
/// damaged (CRC-32), or for another architecture than `N`'s. The stored
/// scales are not checked here (the CRC protects them; [`from_bytes`] does);
/// [`Int8::predict`] never panics, whatever the bytes.
pub const fn decode_int8<N: Quantize>(bytes: &[u8]) -> Int8<N> {
    if let Some(message) = check::<N>(bytes) {
        fail(message);
    }
    let size = core::mem::size_of::<Int8<N>>();
    let data_at = bytes.len() - 4 - size;
    let mut out = core::mem::MaybeUninit::<Int8<N>>::uninit();
    let p = out.as_mut_ptr() as *mut u8;
    let mut i = 0;
    while i < size {
        // SAFETY: `Int8<N>` is `size` bytes without padding (fields of alignment 1).
        unsafe { p.add(i).write(bytes[data_at + i]) };
        i += 1;
    }
    // SAFETY: every byte was written, and every bit pattern is a valid `Int8<N>`
    // (its fields are `i8`, `u8` and byte arrays).
    unsafe { out.assume_init() }
}

/// A quantized network read from bytes at run time: the checks of
/// [`decode_int8`] as errors, and the stored values (positive finite scales,
/// shifts in range).
#[cfg(feature = "alloc")]
pub fn from_bytes<N: Quantize + 'static>(bytes: &[u8]) -> crate::Result<alloc::boxed::Box<Int8<N>>> {
    use super::QLayer;
    use alloc::string::ToString;
    if let Some(message) = check::<N>(bytes) {
        return Err(crate::Error::data("int8 file", message.as_str().to_string()));
    }
    let size = core::mem::size_of::<Int8<N>>();
    let data_at = bytes.len() - 4 - size;
    let mut out = bytemuck::zeroed_box::<Int8<N>>();
    bytemuck::bytes_of_mut(&mut *out).copy_from_slice(&bytes[data_at..data_at + size]);
    if !out.input.is_valid() {
        return Err(crate::Error::data("int8 file", "the input scale is not a positive finite number"));
    }
    if let Err((layer, what)) = out.layers.validate(out.input, 0) {
        return Err(crate::Error::data("int8 file", alloc::format!("layer {layer}: invalid {what}")));
    }
    Ok(out)
}

/// A quantized network baked into the program at compile time:
/// `static NET: nn::quant::Int8<Net> = nn::include_quantized!(Net, "net.nnq");`
/// (path relative to the file, as `include_bytes!`). A file that does not
/// fit `Net` is a compile error. See [`quant`](crate::quant).
#[macro_export]
macro_rules! include_quantized {
    ($net:ty, $path:expr $(,)?) => {{
        #[allow(long_running_const_eval)]
        const NETWORK: $crate::quant::Int8<$net> = $crate::quant::decode_int8::<$net>(::core::include_bytes!($path));
        NETWORK
    }};
}
