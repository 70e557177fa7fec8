//! MNIST inference in int8 from flash: the classifier of [`mnist`](crate::mnist)
//! quantized on the host (`cargo run --release --example quantize`: int8
//! weights with per-unit scales, activations calibrated on 1,000 training
//! images), a `static` of 103,441 bytes decoded from `assets/mnist_int8.nnq`
//! by the compiler. Each output must equal the host's int8 output bit for bit.

use cortex_m::peripheral::SYST;
use nn::quant::Int8;

use crate::mnist::{classify, expected, Mnist, IMAGES};
use crate::println;

nn::quantize_as!(Mnist, nn::network![Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>]);

/// The int8 network, in flash: decoded from the file at compile time.
pub static MNIST_INT8: Int8<Mnist> = nn::include_quantized!(Mnist, "../assets/mnist_int8.nnq");

/// The host's int8 outputs (f32 bits) for the test images.
static EXPECTED: [[u32; 10]; IMAGES] = expected(include_bytes!("../assets/mnist_int8_expected.f32"));

/// Classifies the images from flash in int8, prints one line per image in the
/// format of `assets/mnist_int8_expected.txt`, and checks the outputs against the host's.
pub fn check(syst: &mut SYST) -> bool {
    let (same, right, insns) = classify(syst, "mnist-int8", &EXPECTED, |x| MNIST_INT8.predict(x));
    println!(
        "mnist-int8: {} of {} classified right; {} of {} outputs bit-identical to the host's int8 path; {} bytes in flash",
        right,
        IMAGES,
        same,
        IMAGES,
        Int8::<Mnist>::BYTES
    );
    if let Some(n) = insns {
        println!("mnist-int8 insns_per_inference: {}", n);
    }
    same == IMAGES
}
