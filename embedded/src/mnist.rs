//! MNIST inference from flash: the host-trained 784-128-10 classifier
//! (101,770 parameters, 407 KB of f32) is a `static` decoded from the weight
//! file by the compiler, and 100 test images (bytes, as in the IDX file) sit
//! beside it. Each output must equal the host's bit for bit.

use cortex_m::peripheral::SYST;
use nn::prelude::*;

use crate::{count_instructions, println};

nn::network! {
    /// The MNIST classifier, the same declaration as on the host
    /// (`examples/embedded_assets.rs`): the weight file checks it.
    pub struct Mnist {
        hidden: Dense<784, 128, ReLU>,
        dropout: Dropout<0.5>,
        output: Dense<128, 10, Softmax>,
    }
}

/// The network, in flash: decoded from the weight file at compile time.
pub static MNIST: Mnist = nn::include_network!(Mnist, "../assets/mnist.nnw");

/// Number of test images in flash.
pub const IMAGES: usize = 100;
const PIXELS: usize = 784;

/// The first 100 MNIST test images, one byte per pixel.
static IMAGE_BYTES: &[u8; IMAGES * PIXELS] = include_bytes!("../assets/mnist_test_images.u8");
/// Their digits.
pub(crate) static LABELS: &[u8; IMAGES] = include_bytes!("../assets/mnist_test_labels.u8");
/// The host's outputs (f32 bits), from the portable scalar kernels.
static EXPECTED: [[u32; 10]; IMAGES] = expected(include_bytes!("../assets/mnist_expected.f32"));

pub(crate) const fn expected(bytes: &[u8; IMAGES * 40]) -> [[u32; 10]; IMAGES] {
    let mut out = [[0; 10]; IMAGES];
    let mut i = 0;
    while i < IMAGES * 10 {
        let b = 4 * i;
        out[i / 10][i % 10] = u32::from_le_bytes([bytes[b], bytes[b + 1], bytes[b + 2], bytes[b + 3]]);
        i += 1;
    }
    out
}

/// Test image `i` as the network's input: pixels / 255, as the host's loader.
pub fn image(i: usize) -> [f32; PIXELS] {
    let bytes = &IMAGE_BYTES[i * PIXELS..(i + 1) * PIXELS];
    core::array::from_fn(|j| bytes[j] as f32 / 255.0)
}

pub(crate) fn argmax(y: &[f32; 10]) -> usize {
    let mut best = 0;
    for (k, &v) in y.iter().enumerate() {
        if v > y[best] {
            best = k;
        }
    }
    best
}

/// Classifies the images from flash, prints one line per image in the format
/// of `assets/mnist_expected.txt`, and checks the outputs against the host's.
pub fn check(syst: &mut SYST) -> bool {
    let (same, right, insns) = classify(syst, "mnist", &EXPECTED, |x| MNIST.predict(x));
    println!(
        "mnist: {} of {} classified right; {} of {} outputs bit-identical to the host's; {} parameters in flash ({} bytes)",
        right,
        IMAGES,
        same,
        IMAGES,
        Mnist::PARAMS,
        core::mem::size_of::<Mnist>()
    );
    if let Some(n) = insns {
        println!("mnist insns_per_inference: {}", n);
    }
    same == IMAGES
}

/// Runs `predict` on every test image and prints one line per image, `tag`
/// first, with the output bits and a mark where they differ from `expected`
/// (the host's). Returns how many outputs are the host's, how many classes
/// are right, and the instructions of the first inference.
pub(crate) fn classify(
    syst: &mut SYST,
    tag: &str,
    expected: &[[u32; 10]; IMAGES],
    predict: impl Fn(&[f32; PIXELS]) -> [f32; 10],
) -> (usize, usize, Option<u32>) {
    let (mut same, mut right) = (0, 0);
    let mut insns = None;
    for i in 0..IMAGES {
        let x = image(i);
        let (y, n) = count_instructions(syst, || predict(&x));
        if i == 0 {
            insns = n;
        }
        let class = argmax(&y);
        let label = LABELS[i] as usize;
        right += usize::from(class == label);
        let bits = y.map(f32::to_bits);
        same += usize::from(bits == expected[i]);
        println!(
            "{} {} label={} class={} out={:08x},{:08x},{:08x},{:08x},{:08x},{:08x},{:08x},{:08x},{:08x},{:08x}{}",
            tag,
            i,
            label,
            class,
            bits[0],
            bits[1],
            bits[2],
            bits[3],
            bits[4],
            bits[5],
            bits[6],
            bits[7],
            bits[8],
            bits[9],
            if bits == expected[i] { "" } else { "  MISMATCH with the host" }
        );
    }
    (same, right, insns)
}
