//! The bodies of the fuzz targets: each reads arbitrary bytes and must
//! return (an `Ok` or an `Err`), never panic, never allocate from a length
//! field more than the input holds. The same checks replay the committed
//! corpus as a plain test in `nn-core/tests/fuzz_regressions.rs`.

use nn_core::checkpoint::Checkpoint;
use nn_core::safetensors::Keys;
use nn_core::{f32_bits, Chain, Dense, Dropout, Network, PReLU, ReLU, Softmax};

/// A small network with every kind of parameter: weights, biases, a PReLU slope.
pub type Net = Chain<Dense<3, 4, PReLU>, Chain<Dropout<4, { f32_bits(0.5) }>, Dense<4, 2, Softmax>>>;
/// Another network, for architecture mismatches.
pub type Other = Chain<Dense<3, 4, ReLU>, Dense<4, 2, Softmax>>;

/// `data` with its last 4 bytes replaced by the CRC-32 of the rest, so that
/// the fuzzer gets past the checksum into the header and data checks.
pub fn with_crc(data: &[u8]) -> Vec<u8> {
    let mut v = data.to_vec();
    if v.len() >= 4 {
        let n = v.len() - 4;
        let crc = crc32(&v[..n]);
        v[n..].copy_from_slice(&crc.to_le_bytes());
    }
    v
}

/// CRC-32 (IEEE), bitwise: the fuzz crate needs no other dependency.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// The weight file reader.
pub fn weights(data: &[u8]) {
    for bytes in [data.to_vec(), with_crc(data)] {
        if let Ok(net) = Net::from_bytes(&bytes) {
            assert!(net.params().iter().all(|p| p.is_finite()));
            assert_eq!(net.to_bytes(), bytes, "a file that loads is exactly what saving writes");
        }
        let _ = Other::from_bytes(&bytes);
        let mut net = Net::zeroed_boxed();
        let _ = nn_core::io::read_into(&mut *net, &bytes, "fuzz", true);
    }
}

/// The IDX parser.
pub fn idx(data: &[u8]) {
    if let Ok(idx) = nn_core::data::idx::parse(data, "fuzz") {
        let n: usize = idx.dims.iter().product();
        assert_eq!(n, idx.data.len());
        assert_eq!(4 + 4 * idx.dims.len() + n, data.len());
    }
}

/// The safetensors import.
pub fn safetensors(data: &[u8]) {
    if let Ok(net) = nn_core::safetensors::from_bytes::<Net>(data, Keys::Sequential) {
        assert!(net.params().iter().all(|p| p.is_finite()));
    }
    let _ = nn_core::safetensors::from_bytes::<Other>(data, Keys::Sequential);
}

/// The checkpoint reader.
pub fn checkpoint(data: &[u8]) {
    for bytes in [data.to_vec(), with_crc(data)] {
        if let Ok(c) = Checkpoint::from_bytes::<Net>(&bytes, "fuzz") {
            assert_eq!(c.params.len(), Net::PARAMS);
            // Flags and values under `None` need not be canonical, but what
            // was read writes and reads back the same.
            let again = Checkpoint::from_bytes::<Net>(&c.to_bytes::<Net>(), "again").unwrap();
            assert_eq!(again.to_bytes::<Net>(), c.to_bytes::<Net>());
        }
    }
}
