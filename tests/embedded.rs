//! The host's side of the embedded checks (`embedded/`, see docs/embedded.md).
//!
//! - The files the firmware bakes into flash (`embedded/assets/`, written by
//!   `cargo run --release --example embedded_assets`) are what they claim: the
//!   expected outputs are this host's portable scalar path on those images,
//!   bit for bit, and the images are the first MNIST test images.
//! - `nn::include_network!` (the compile-time decoder the firmware uses) gives
//!   exactly the parameters that `Network::load` reads.
//! - With `NN_FIRMWARE_LOG=<file>` (the output of `cargo run` in `embedded/`,
//!   as CI does), the firmware's 100 predictions must be the host's: the same
//!   classes, and outputs equal bit for bit.
//! - The same for the int8 form (`nn::quant`, files written by `cargo run
//!   --release --example quantize`): `mnist_int8.nnq` is what quantizing
//!   `mnist.nnw` on the first 1,000 training images gives, the expected
//!   outputs are this host's int8 path, and the firmware's `mnist-int8` lines
//!   are the host's bit for bit.

use std::path::{Path, PathBuf};

use nn::data::mnist;
use nn::fit::argmax;
use nn::kernel::scalar;
use nn::prelude::*;
use nn::Activation;

nn::network! {
    /// The MNIST classifier, as declared in the firmware.
    pub struct Mnist {
        hidden: Dense<784, 128, ReLU>,
        dropout: Dropout<0.5>,
        output: Dense<128, 10, Softmax>,
    }
}

nn::network! {
    /// The sine model of the footprint measurement.
    pub struct Sine {
        hidden1: Dense<1, 16, ReLU>,
        hidden2: Dense<16, 16, ReLU>,
        output: Dense<16, 1>,
    }
}

nn::quantize_as!(Mnist, nn::network![Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>]);
nn::quantize_as!(Sine, nn::network![Dense<1, 16, ReLU>, Dense<16, 16, ReLU>, Dense<16, 1>]);

/// The network the firmware has in flash, decoded here by the same `const fn`.
static BAKED: Mnist = nn::include_network!(Mnist, "../embedded/assets/mnist.nnw");
/// Its int8 form, as the firmware has it.
static BAKED_INT8: nn::quant::Int8<Mnist> = nn::include_quantized!(Mnist, "../embedded/assets/mnist_int8.nnq");

const IMAGES: usize = 100;

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("embedded/assets")
}

fn read(name: &str) -> Vec<u8> {
    let path = assets().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn images() -> Vec<[f32; 784]> {
    read("mnist_test_images.u8").chunks_exact(784).map(|c| std::array::from_fn(|j| c[j] as f32 / 255.0)).collect()
}

/// Makes this test process use the portable scalar kernels, the firmware's
/// path (`NN_KERNEL=scalar`; the default AVX+FMA kernels of this host sum in the
/// same order but fuse multiply and add, so their last bit can differ). The
/// choice is made once per process, at the first kernel call: every test calls
/// this first.
fn use_scalar_kernels() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("NN_KERNEL", "scalar"));
    assert_eq!(nn::kernel::active(), nn::kernel::Kernels::Scalar);
}

/// The output for one image, with the scalar kernels called one by one.
fn scalar_path(net: &Mnist, x: &[f32; 784]) -> [f32; 10] {
    let (mut z1, mut a1) = ([0.0f32; 128], [0.0f32; 128]);
    scalar::dense_forward(x, net.hidden.weights.as_flattened(), &net.hidden.bias, &mut z1, 784, 128);
    ReLU.forward(&z1, &mut a1, 128);
    let (mut z2, mut y) = ([0.0f32; 10], [0.0f32; 10]);
    scalar::dense_forward(&a1, net.output.weights.as_flattened(), &net.output.bias, &mut z2, 128, 10);
    Softmax.forward(&z2, &mut y, 10);
    y
}

/// The host's expected outputs as the firmware prints them: `(label, class, bits)` per image.
fn host_predictions() -> Vec<(u8, usize, [u32; 10])> {
    let net = Mnist::load(assets().join("mnist.nnw")).unwrap();
    let labels = read("mnist_test_labels.u8");
    images()
        .iter()
        .zip(labels)
        .map(|(x, label)| {
            let y = scalar_path(&net, x);
            (label, argmax(&y), y.map(f32::to_bits))
        })
        .collect()
}

#[test]
fn baked_network_is_the_loaded_one() {
    use_scalar_kernels();
    let loaded = Mnist::load(assets().join("mnist.nnw")).unwrap();
    assert_eq!(BAKED.params(), loaded.params());
    assert_eq!(Mnist::ARCHITECTURE.as_str(), nn::io::architecture::<Mnist>());
}

#[test]
fn expected_outputs_are_the_host_scalar_path() {
    use_scalar_kernels();
    let net = Mnist::load(assets().join("mnist.nnw")).unwrap();
    let xs = images();
    assert_eq!(xs.len(), IMAGES);
    let expected: Vec<u32> =
        read("mnist_expected.f32").chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let text = String::from_utf8(read("mnist_expected.txt")).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("mnist ")).collect();
    let host = host_predictions();
    for (i, x) in xs.iter().enumerate() {
        // With the scalar kernels, `predict` is the explicit scalar path.
        let y = net.predict(x).map(f32::to_bits);
        assert_eq!(y, scalar_path(&net, x).map(f32::to_bits), "image {i}: predict is not the scalar path");
        assert_eq!(y[..], expected[10 * i..10 * i + 10], "image {i}: mnist_expected.f32 is stale");
        assert_eq!(lines[i], format_line(i, &host[i]), "mnist_expected.txt is stale");
    }
    // The images and labels are the first MNIST test images.
    let data = mnist::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist")).unwrap();
    assert!(data.test_images[..IMAGES] == xs[..]);
    assert_eq!(data.test_labels[..IMAGES], read("mnist_test_labels.u8")[..]);
}

#[test]
fn sine_expectations_are_the_host_outputs() {
    use_scalar_kernels();
    let net = Sine::load(assets().join("sine.nnw")).unwrap();
    let text = String::from_utf8(read("sine_expected.txt")).unwrap();
    let mut n = 0;
    for line in text.lines().filter(|l| l.starts_with("sine ")) {
        let hex = |key: &str| {
            let at = line.find(key).unwrap() + key.len();
            u32::from_str_radix(&line[at..at + 8], 16).unwrap()
        };
        let x = f32::from_bits(hex("x="));
        assert_eq!(net.predict(&[x])[0].to_bits(), hex("y="), "{line}");
        n += 1;
    }
    assert_eq!(n, 11);
}

fn format_line(i: usize, (label, class, bits): &(u8, usize, [u32; 10])) -> String {
    let out: Vec<String> = bits.iter().map(|b| format!("{b:08x}")).collect();
    format!("mnist {i} label={label} class={class} out={}", out.join(","))
}

/// The firmware's predictions (its `cargo run` output, in `NN_FIRMWARE_LOG`)
/// against the host's: the same classes, the same output bits.
#[test]
fn firmware_predictions_are_the_host_ones() {
    use_scalar_kernels();
    let Some(log) = std::env::var_os("NN_FIRMWARE_LOG") else {
        eprintln!("NN_FIRMWARE_LOG is not set: the firmware's output is compared in CI (.ci/run)");
        return;
    };
    let log = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{}: {e}", Path::new(&log).display()));
    let device: Vec<&str> = log.lines().filter(|l| l.starts_with("mnist ") && l.contains(" out=")).collect();
    let host = host_predictions();
    assert_eq!(device.len(), IMAGES, "the firmware printed {} predictions, not {IMAGES}", device.len());
    let mut mismatches = Vec::new();
    for (i, (line, h)) in device.iter().zip(&host).enumerate() {
        let class = |l: &str| l.split_whitespace().find_map(|w| w.strip_prefix("class=")).map(str::to_owned);
        let expected = format_line(i, h);
        if class(line) != class(&expected) {
            mismatches.push(format!("image {i}: class differs\n  device {line}\n  host   {expected}"));
        } else if line.trim_end() != expected {
            mismatches.push(format!("image {i}: outputs differ\n  device {line}\n  host   {expected}"));
        }
    }
    assert!(mismatches.is_empty(), "{} of {IMAGES} predictions differ:\n{}", mismatches.len(), mismatches.join("\n"));
}

fn format_int8_line(i: usize, label: u8, y: &[f32; 10]) -> String {
    let out: Vec<String> = y.iter().map(|v| format!("{:08x}", v.to_bits())).collect();
    format!("mnist-int8 {i} label={label} class={} out={}", argmax(y), out.join(","))
}

/// The int8 assets are what `nn::quant` makes of `mnist.nnw` and `sine.nnw`,
/// and the expected outputs are the host's int8 path.
#[test]
fn int8_assets_are_the_host_quantization() {
    use_scalar_kernels();
    let net = Mnist::load(assets().join("mnist.nnw")).unwrap();
    let data = mnist::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist")).unwrap();
    let q = nn::quant::quantize(&*net, &data.train_images[..1000]).unwrap();
    let file = read("mnist_int8.nnq");
    assert!(q.to_bytes() == file, "mnist_int8.nnq is stale: run `cargo run --release --example quantize`");
    let loaded = nn::quant::Int8::<Mnist>::from_bytes(&file).unwrap();
    assert!(
        bytemuck::bytes_of(&*loaded) == bytemuck::bytes_of(&BAKED_INT8),
        "include_quantized! differs from from_bytes"
    );
    let expected: Vec<u32> =
        read("mnist_int8_expected.f32").chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let text = String::from_utf8(read("mnist_int8_expected.txt")).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("mnist-int8 ")).collect();
    let labels = read("mnist_test_labels.u8");
    for (i, x) in images().iter().enumerate() {
        let y = BAKED_INT8.predict(x);
        assert_eq!(
            y.map(f32::to_bits)[..],
            expected[10 * i..10 * i + 10],
            "image {i}: mnist_int8_expected.f32 is stale"
        );
        assert_eq!(lines[i], format_int8_line(i, labels[i], &y), "mnist_int8_expected.txt is stale");
    }
    let sine = Sine::load(assets().join("sine.nnw")).unwrap();
    let xs: Vec<[f32; 1]> = (0..256).map(|i| [i as f32 * std::f32::consts::TAU / 255.0]).collect();
    let qs = nn::quant::quantize(&*sine, &xs).unwrap();
    assert!(qs.to_bytes() == read("sine_int8.nnq"), "sine_int8.nnq is stale");
    let text = String::from_utf8(read("sine_int8_expected.txt")).unwrap();
    for line in text.lines().filter(|l| l.starts_with("sine ")) {
        let hex = |key: &str| {
            let at = line.find(key).unwrap() + key.len();
            u32::from_str_radix(&line[at..at + 8], 16).unwrap()
        };
        assert_eq!(qs.predict(&[f32::from_bits(hex("x="))])[0].to_bits(), hex("y="), "{line}");
    }
}

/// The firmware's int8 predictions (`mnist-int8` lines of `NN_FIRMWARE_LOG`)
/// against the host's int8 path: the same classes, the same output bits.
#[test]
fn firmware_int8_predictions_are_the_host_ones() {
    use_scalar_kernels();
    let Some(log) = std::env::var_os("NN_FIRMWARE_LOG") else {
        eprintln!("NN_FIRMWARE_LOG is not set: the firmware's output is compared in CI (.ci/run)");
        return;
    };
    let log = std::fs::read_to_string(&log).unwrap_or_else(|e| panic!("{}: {e}", Path::new(&log).display()));
    let device: Vec<&str> = log.lines().filter(|l| l.starts_with("mnist-int8 ") && l.contains(" out=")).collect();
    assert_eq!(device.len(), IMAGES, "the firmware printed {} int8 predictions, not {IMAGES}", device.len());
    let q = nn::quant::Int8::<Mnist>::from_bytes(&read("mnist_int8.nnq")).unwrap();
    let labels = read("mnist_test_labels.u8");
    let mismatches: Vec<String> = images()
        .iter()
        .enumerate()
        .filter_map(|(i, x)| {
            let expected = format_int8_line(i, labels[i], &q.predict(x));
            (device[i].trim_end() != expected)
                .then(|| format!("image {i}:\n  device {}\n  host   {expected}", device[i]))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {IMAGES} int8 predictions differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
