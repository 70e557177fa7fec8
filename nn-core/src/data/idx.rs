//! The IDX format of MNIST and Fashion-MNIST, optionally gzip-compressed.
//!
//! Layout (big-endian): two zero bytes, a type byte (`0x08` = unsigned byte),
//! the number of dimensions, one `u32` per dimension, then the data. Labels are
//! magic 2049 (1 dimension), images magic 2051 (3 dimensions).
//!
//! Nothing is allocated from a length field before the data is known to be
//! that long, so a damaged file is an error, never a huge allocation.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::string::String;
use std::string::ToString;
use std::vec::Vec;

use crate::{Error, Result};

/// A parsed IDX file of unsigned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idx {
    /// The size of each dimension (`[count]` for labels, `[count, rows, cols]` for images).
    pub dims: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<u8>,
}

/// Reads an IDX file; `.gz` content (by its magic bytes) is decompressed.
pub fn read(path: impl AsRef<Path>) -> Result<Idx> {
    let path = path.as_ref();
    let raw = fs::read(path).map_err(|e| Error::io(path, e))?;
    let bytes = decompress_if_gzip(&raw, path)?;
    parse(&bytes, &path.display().to_string())
}

/// Decompresses gzip data (detected by the magic `1f 8b`); other data is returned as is.
pub fn decompress_if_gzip(raw: &[u8], path: &Path) -> Result<Vec<u8>> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw)
            .read_to_end(&mut out)
            .map_err(|e| Error::data(path.display().to_string(), std::format!("damaged gzip data: {e}")))?;
        Ok(out)
    } else {
        Ok(raw.to_vec())
    }
}

/// Parses IDX bytes; `source` names them in errors.
pub fn parse(bytes: &[u8], source: &str) -> Result<Idx> {
    let err = |message: String| Error::data(source, message);
    if bytes.len() < 4 {
        return Err(err(std::format!("not an IDX file: {} bytes, shorter than the 4-byte header", bytes.len())));
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || bytes[3] == 0 {
        return Err(err(std::format!(
            "not an IDX file of unsigned bytes: magic number {magic} (expected 2049 for labels or 2051 for images)"
        )));
    }
    let ndims = bytes[3] as usize;
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(err(std::format!(
            "truncated header: {ndims} dimensions need {header} bytes, found {}",
            bytes.len()
        )));
    }
    let dims: Vec<usize> =
        bytes[4..header].chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize).collect();
    let expected = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let found = bytes.len() - header;
    match expected {
        Some(n) if n == found => Ok(Idx { dims, data: bytes[header..].to_vec() }),
        Some(n) if n > found => Err(err(std::format!(
            "truncated: the header says {} = {n} bytes of data, but the file has {found}",
            dims_text(&dims)
        ))),
        Some(n) => Err(err(std::format!(
            "{} bytes of trailing data after the {} = {n} bytes the header announces",
            found - n,
            dims_text(&dims)
        ))),
        None => Err(err(std::format!("dimensions {} overflow", dims_text(&dims)))),
    }
}

fn dims_text(dims: &[usize]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    parts.join(" x ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut v = magic.to_be_bytes().to_vec();
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn parses_labels_and_images() {
        let l = parse(&file(2049, &[3], &[7, 2, 1]), "l").unwrap();
        assert_eq!((l.dims.as_slice(), l.data.as_slice()), (&[3][..], &[7, 2, 1][..]));
        let i = parse(&file(2051, &[2, 2, 1], &[1, 2, 3, 4]), "i").unwrap();
        assert_eq!(i.dims, [2, 2, 1]);
    }

    #[test]
    fn rejects_damaged_files() {
        let e = parse(&file(2051, &[60000, 28, 28], &[0; 10]), "train").unwrap_err().to_string();
        assert_eq!(
            e,
            "train: truncated: the header says 60000 x 28 x 28 = 47040000 bytes of data, but the file has 10"
        );
        let e = parse(&file(1234, &[1], &[0]), "x").unwrap_err().to_string();
        assert!(e.contains("magic number 1234 (expected 2049 for labels or 2051 for images)"), "{e}");
        assert!(parse(&[0, 0], "x").unwrap_err().to_string().contains("shorter than the 4-byte header"));
        assert!(parse(&file(2049, &[2], &[1, 2, 3]), "x").unwrap_err().to_string().contains("1 bytes of trailing"));
        let e = parse(&file(2051, &[u32::MAX, u32::MAX, u32::MAX], &[]), "x").unwrap_err().to_string();
        assert!(e.contains("truncated") || e.contains("overflow"), "{e}");
    }

    #[test]
    fn gzip_is_detected() {
        use std::io::Write;
        let raw = file(2049, &[2], &[5, 6]);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&raw).unwrap();
        let gz = enc.finish().unwrap();
        let out = decompress_if_gzip(&gz, Path::new("x")).unwrap();
        assert_eq!(out, raw);
        assert!(decompress_if_gzip(&gz[..gz.len() / 2], Path::new("x")).is_err());
    }
}
