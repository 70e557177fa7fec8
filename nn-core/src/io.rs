//! The library's weight file (`.nnw`), and saving it without ever leaving a
//! half-written file.
//!
//! Layout, little-endian:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `NNWEIGHT` |
//! | 4 | format version (1) |
//! | 8 | architecture fingerprint: FNV-1a 64 of the architecture text ([`Network::FINGERPRINT`], computed by the compiler, see [`arch`](crate::arch)) |
//! | 4 | length of the architecture text |
//! | n | the architecture text, e.g. `Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>` |
//! | 8 | number of parameters |
//! | 4·p | the parameters, `f32`, in [`Network::params`] order |
//! | 4 | CRC-32 (IEEE) of everything before it |

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

use crate::{Error, Network, Result};

/// The first 8 bytes of every weight file.
pub const MAGIC: &[u8; 8] = b"NNWEIGHT";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The architecture of `N` as text: its layers as written in `network!`, joined by `, `.
pub fn architecture<N: Network>() -> String {
    let mut text = String::new();
    N::visit(&mut |info| {
        if !text.is_empty() {
            text.push_str(", ");
        }
        let _ = (info.describe)(&mut text);
    });
    text
}

/// The FNV-1a 64 hash of the architecture text: equal for equal layer lists.
/// [`Network::FINGERPRINT`], computed by the compiler, for every network of
/// built-in layers; hashed at run time from [`Layer::visit`](crate::Layer::visit)
/// for a network with a layer type that has no compile-time architecture.
pub fn fingerprint<N: Network>() -> u64 {
    if let Some(fingerprint) = const { N::STRUCTURE.fingerprint() } {
        return fingerprint;
    }
    struct Fnv(u64);
    impl fmt::Write for Fnv {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 = crate::arch::fnv1a64_continue(self.0, s.as_bytes());
            Ok(())
        }
    }
    let mut h = Fnv(crate::arch::fnv1a64(&[]));
    let mut first = true;
    N::visit(&mut |info| {
        if !first {
            let _ = h.write_str(", ");
        }
        first = false;
        let _ = (info.describe)(&mut h);
    });
    h.0
}

/// Serializes the parameters of `net` in the weight-file format.
pub fn to_bytes<N: Network>(net: &N) -> Vec<u8> {
    let arch = architecture::<N>();
    let params = net.params();
    let mut out = Vec::with_capacity(40 + arch.len() + 4 * params.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&fingerprint::<N>().to_le_bytes());
    out.extend_from_slice(&(arch.len() as u32).to_le_bytes());
    out.extend_from_slice(arch.as_bytes());
    out.extend_from_slice(&(params.len() as u64).to_le_bytes());
    for p in params {
        out.extend_from_slice(&p.to_le_bytes());
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Reads weights in the weight-file format into `net`. Checks, in order: the
/// magic, the version, the checksum, the architecture (the error names both),
/// the parameter count, and that every value is finite (unless
/// `allow_non_finite`). On any error `net` is unchanged.
pub fn read_into<N: Network>(net: &mut N, bytes: &[u8], source: &str, allow_non_finite: bool) -> Result<()> {
    let err = |message: String| Error::data(source, message);
    let mut r = Reader { bytes, at: 0 };
    let truncated = |what: &str| err(alloc::format!("truncated file: it ends inside the {what}"));
    let magic = r.take(8).ok_or_else(|| truncated("header"))?;
    if magic != MAGIC {
        return Err(err(String::from("not an nn weight file (wrong magic bytes)")));
    }
    let version = r.u32().ok_or_else(|| truncated("header"))?;
    if version != VERSION {
        return Err(err(alloc::format!(
            "format version {version}, but this build of nn reads version {VERSION}{}",
            if version > VERSION { " (the file is newer: update nn)" } else { "" }
        )));
    }
    if bytes.len() < 4 {
        return Err(truncated("checksum"));
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]);
    let fp = r.u64().ok_or_else(|| truncated("header"))?;
    let arch_len = r.u32().ok_or_else(|| truncated("header"))? as usize;
    let arch = r.take(arch_len).ok_or_else(|| truncated("architecture"))?;
    let count = r.u64().ok_or_else(|| truncated("header"))?;
    let data_len = count.checked_mul(4).and_then(|n| usize::try_from(n).ok());
    if data_len != Some(body.len().saturating_sub(r.at)) {
        return Err(err(alloc::format!(
            "truncated or padded file: the header announces {count} parameters ({} bytes), the file holds {} bytes of them",
            count.saturating_mul(4),
            body.len().saturating_sub(r.at)
        )));
    }
    if crc32fast::hash(body) != stored {
        return Err(err(String::from("damaged file: the checksum does not match (a byte was changed)")));
    }
    let arch = core::str::from_utf8(arch).unwrap_or("?");
    // The text too: a fingerprint is 64 bits, the text is the architecture.
    if fp != fingerprint::<N>() || count != N::PARAMS as u64 || arch != architecture::<N>() {
        return Err(err(alloc::format!(
            "the file holds `{arch}` ({count} parameters), but this network is `{}` ({} parameters)",
            architecture::<N>(),
            N::PARAMS
        )));
    }
    let data = &body[r.at..];
    let values = data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    if !allow_non_finite {
        if let Some(i) = values.clone().position(|v| !v.is_finite()) {
            return Err(err(alloc::format!("parameter {i} is not finite (NaN or infinite); refusing to load it")));
        }
    }
    for (p, v) in net.params_mut().iter_mut().zip(values) {
        *p = v;
    }
    Ok(())
}

/// A network on the heap read from weight-file bytes.
pub fn from_bytes<N: Network>(bytes: &[u8]) -> Result<Box<N>> {
    from_bytes_with(bytes, LoadOptions::new())
}

/// A network on the heap read from weight-file bytes, with `options`.
pub fn from_bytes_with<N: Network>(bytes: &[u8], options: LoadOptions) -> Result<Box<N>> {
    let mut net = N::zeroed_boxed();
    read_into(&mut *net, bytes, "weights", options.allow_non_finite)?;
    Ok(net)
}

/// How [`Network::load_with`] and [`Network::from_bytes_with`] read a weight file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Accept NaN and infinite parameters (refused by default: a model that
    /// diverged before it was saved is almost never wanted).
    pub allow_non_finite: bool,
}

impl LoadOptions {
    /// The defaults: non-finite parameters are an error.
    pub const fn new() -> Self {
        LoadOptions { allow_non_finite: false }
    }
    /// Accept (or refuse) NaN and infinite parameters.
    pub const fn allow_non_finite(mut self, allow: bool) -> Self {
        self.allow_non_finite = allow;
        self
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over the target. A crash or a
/// full disk leaves the old file intact.
///
/// An existing target that is read-only (no write permission bit at all) is
/// refused, even for a user whose privileges would let the rename replace
/// it: its mode says it must not be overwritten.
#[cfg(feature = "std")]
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use alloc::string::ToString;
    use std::io::Write;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_file() && meta.permissions().readonly() {
            let denied =
                std::io::Error::new(std::io::ErrorKind::PermissionDenied, "the file is read-only; not replaced");
            return Err(Error::io(path, denied));
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| Error::data(path.display().to_string(), "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    // Unique per save, also between threads of one process (two saves to one
    // path at once must not write into the same temporary file); created
    // with O_EXCL, so a file left by a crash is never written into.
    static SAVES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
    let mut tmp = dir.clone();
    let mut created = false;
    let result = (|| {
        let mut attempts = 0;
        let mut f = loop {
            let n = SAVES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
            let mut candidate = tmp_name.clone();
            candidate.push(alloc::format!(".tmp{}.{n}", std::process::id()));
            tmp = dir.join(candidate);
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempts < 1000 => attempts += 1,
                other => break other?,
            }
        };
        created = true;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        if created {
            let _ = std::fs::remove_file(&tmp);
        }
        return Err(Error::io(path, e));
    }
    // The rename itself reaches the disk with the directory.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use super::*;
    use crate::{Chain, Dense, ReLU, Sigmoid, Tanh};

    type Net = Chain<Dense<3, 4, ReLU>, Dense<4, 2, Sigmoid>>;
    type Other = Chain<Dense<3, 4, Tanh>, Dense<4, 2, Sigmoid>>;

    fn net() -> Box<Net> {
        Net::boxed(&mut crate::rng(5))
    }

    #[test]
    fn round_trip_is_exact() {
        let a = net();
        let bytes = a.to_bytes();
        assert_eq!(bytes.len(), 8 + 4 + 8 + 4 + architecture::<Net>().len() + 8 + 4 * Net::PARAMS + 4);
        let b = Net::from_bytes(&bytes).unwrap();
        assert_eq!(a.params(), b.params());
        assert_eq!(architecture::<Net>(), "Dense<3, 4, ReLU>, Dense<4, 2, Sigmoid>");
        assert_ne!(fingerprint::<Net>(), fingerprint::<Other>());
    }

    fn error(bytes: &[u8]) -> String {
        Net::from_bytes(bytes).unwrap_err().to_string()
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let good = net().to_bytes();
        let mut b = good.clone();
        b[0] = b'X';
        assert!(error(&b).contains("wrong magic"));
        let mut b = good.clone();
        b[8] = 2;
        assert!(error(&b).contains("format version 2, but this build of nn reads version 1 (the file is newer"));
        assert!(error(&good[..good.len() - 9]).contains("truncated"));
        assert!(error(&good[..5]).contains("truncated"));
        let mut b = good.clone();
        let n = b.len();
        b[n - 10] ^= 0x40;
        assert!(error(&b).contains("checksum"));
        let other = Other::boxed(&mut crate::rng(1)).to_bytes();
        assert_eq!(
            error(&other),
            "weights: the file holds `Dense<3, 4, Tanh>, Dense<4, 2, Sigmoid>` (26 parameters), but this network is `Dense<3, 4, ReLU>, Dense<4, 2, Sigmoid>` (26 parameters)"
        );
    }

    #[test]
    fn nan_weights_are_refused_unless_asked() {
        let mut a = net();
        a.params_mut()[3] = f32::NAN;
        let bytes = a.to_bytes();
        assert!(error(&bytes).contains("parameter 3 is not finite"));
        let mut b = Net::zeroed_boxed();
        read_into(&mut *b, &bytes, "x", true).unwrap();
        assert!(b.params()[3].is_nan());
    }

    #[cfg(feature = "std")]
    #[test]
    fn save_and_load_atomically() {
        let dir = std::env::temp_dir().join(alloc::format!("nn-io-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("net.nnw");
        let a = net();
        a.save(&path).unwrap();
        let b = Net::load(&path).unwrap();
        assert_eq!(a.params(), b.params());
        assert!(Net::load(&dir).unwrap_err().to_string().contains(&dir.display().to_string()));
        assert!(a.save(dir.join("missing/sub/net.nnw")).is_err());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file is left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
