//! The MNIST handwritten digits (LeCun, Cortes & Burges; CC BY-SA 3.0), from
//! the four IDX files, with their MD5 checksums verified.

use std::path::Path;
use std::string::ToString;
use std::vec::Vec;

use md5::{Digest, Md5};

use super::idx;
use crate::{Error, Result};

/// Pixels per image (28 × 28).
pub const PIXELS: usize = 784;

/// The four files: name, magic, count, MD5 of the uncompressed file.
pub const FILES: [(&str, u32, usize, &str); 4] = [
    ("train-images-idx3-ubyte.gz", 2051, 60_000, "6bbc9ace898e44ae57da46a324031adb"),
    ("train-labels-idx1-ubyte.gz", 2049, 60_000, "a25bea736e30d166cdddb491f175f624"),
    ("t10k-images-idx3-ubyte.gz", 2051, 10_000, "2646ac647ad5339dbf082846283269ea"),
    ("t10k-labels-idx1-ubyte.gz", 2049, 10_000, "27ae3e4e09519cfbb04c329615203637"),
];

/// MNIST, pixels scaled to [0, 1].
#[derive(Clone, Debug)]
pub struct MnistData {
    /// 60,000 training images.
    pub train_images: Vec<[f32; PIXELS]>,
    /// Their digits.
    pub train_labels: Vec<u8>,
    /// 10,000 test images.
    pub test_images: Vec<[f32; PIXELS]>,
    /// Their digits.
    pub test_labels: Vec<u8>,
}

/// Loads the four files from `dir`, checking each one's MD5, magic number and
/// counts. Any problem is an error that names the file and what is wrong.
pub fn load(dir: impl AsRef<Path>) -> Result<MnistData> {
    load_dir(dir.as_ref())
}

/// [`load`], compiled once here rather than in every caller's crate.
fn load_dir(dir: &Path) -> Result<MnistData> {
    if !dir.is_dir() {
        return Err(Error::data(
            dir.display().to_string(),
            "no such directory: it must hold the four MNIST .gz files (see data/mnist/README.md)",
        ));
    }
    let mut parts = Vec::new();
    for (name, magic, count, md5) in FILES {
        let path = dir.join(name);
        let raw = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let bytes = idx::decompress_if_gzip(&raw, &path)?;
        let source = path.display().to_string();
        let digest = Md5::digest(&bytes);
        let hex: std::string::String = digest.iter().map(|b| std::format!("{b:02x}")).collect();
        if hex != md5 {
            return Err(Error::data(source, std::format!("damaged file: MD5 {hex}, expected {md5}")));
        }
        let file = idx::parse(&bytes, &source)?;
        let found_magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if found_magic != magic || file.dims[0] != count {
            return Err(Error::data(
                source,
                std::format!("expected magic {magic} and {count} items, found {found_magic} and {}", file.dims[0]),
            ));
        }
        parts.push(file);
    }
    let labels = |i: usize| parts[i].data.clone();
    let images = |i: usize| -> Result<Vec<[f32; PIXELS]>> {
        let f = &parts[i];
        if f.dims.len() != 3 || f.dims[1] * f.dims[2] != PIXELS {
            return Err(Error::data(FILES[i].0, "images are not 28 x 28"));
        }
        Ok(f.data.chunks_exact(PIXELS).map(|c| core::array::from_fn(|j| c[j] as f32 / 255.0)).collect())
    };
    Ok(MnistData { train_images: images(0)?, train_labels: labels(1), test_images: images(2)?, test_labels: labels(3) })
}
