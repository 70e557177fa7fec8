//! Criterion benchmarks: `cargo bench --bench nn` (add `--features parallel`
//! for the rayon path; `-- mnist` runs the MNIST group alone).
//!
//! - `mnist`: the 784-128-10 classifier (`Dense<784, 128, ReLU>`,
//!   `Dropout<0.5>`, `Dense<128, 10, Softmax>`, Adam, `CrossEntropy`):
//!   predict batch 1, 64 and 10,000, and one training step of batch 64; and
//!   `predict_batch_mnist/10000`, predict over MNIST's 10,000 test images.
//! - `tiny`: 2-8-1, the per-call overhead.
//! - `wide`: 1024-1024-1024, the kernels on large matrices.
//! - `lenet`: LeNet-5 of `examples/cnn.rs` (two `Conv2d` with `MaxPool2d`,
//!   three `Dense`): the convolutions' forward (predict batch 1 is a direct
//!   convolution, batch 64 im2col and the GEMM) and a training step of 64.
//!
//! Inputs are seeded pseudo-random values in [0, 1), all nonzero, so the
//! dense kernels run (the timings do not depend on such values). MNIST's
//! pixels are 81% zeros: on AVX-512 a batch's first layer then goes by
//! nonzero inputs, hence `predict_batch_mnist` (its images read from
//! `data/mnist`), as `benches/compare` runs on MNIST itself.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nn::prelude::*;

nn::network! {
    /// The MNIST classifier of the examples.
    pub struct Mnist { Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax> }
}
nn::network! {
    /// A tiny net: what a call costs besides arithmetic.
    pub struct Tiny { Dense<2, 8, Tanh>, Dense<8, 1, Sigmoid> }
}
nn::network! {
    /// A wide net: 2.1 M parameters.
    pub struct Wide { Dense<1024, 1024, ReLU>, Dense<1024, 1024> }
}

nn::network! {
    /// LeNet-5, as in `examples/cnn.rs`.
    pub struct LeNet {
        Input<1, 28, 28>,
        Conv2d<1, 6, 5, ReLU, padding = 2>,
        MaxPool2d<2>,
        Conv2d<6, 16, 5, ReLU>,
        MaxPool2d<2>,
        Flatten,
        Dense<400, 120, ReLU>,
        Dense<120, 84, ReLU>,
        Dense<84, 10, Softmax>,
    }
}

fn inputs<const N: usize>(n: usize, rng: &mut Rng) -> Vec<[f32; N]> {
    (0..n).map(|_| core::array::from_fn(|_| rng.uniform())).collect()
}

fn one_hot_targets<const N: usize>(n: usize) -> Vec<[f32; N]> {
    (0..n).map(|i| core::array::from_fn(|k| if k == i % N { 1.0 } else { 0.0 })).collect()
}

/// predict at batch 1, `predict_batch` at the given sizes, `train_step` at `train_batch`.
macro_rules! bench_net {
    ($c:expr, $group:literal, $Net:ty, $in:expr, $out:expr, $loss:expr, $batches:expr, $train_batch:expr) => {{
        let mut group = $c.benchmark_group($group);
        let mut rng = nn::rng(7);
        let mut net = <$Net>::boxed(&mut rng);
        let xs = inputs::<{ $in }>(*$batches.iter().max().unwrap(), &mut rng);
        group.throughput(Throughput::Elements(1));
        group.bench_function("predict/1", |b| b.iter(|| net.predict(black_box(&xs[0]))));
        for &n in $batches.iter().filter(|&&n| n > 1) {
            let mut out = vec![[0.0f32; $out]; n];
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::new("predict_batch", n), &n, |b, &n| {
                b.iter(|| net.predict_batch(black_box(&xs[..n]), &mut out).unwrap())
            });
        }
        let n = $train_batch;
        let ys = one_hot_targets::<{ $out }>(n);
        let mut opt = Adam::new(1e-4);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("train_step", n), &n, |b, &n| {
            b.iter(|| net.train_step(black_box(&xs[..n]), &ys, &$loss, &mut opt, &mut rng).unwrap())
        });
        group.finish();
    }};
}

fn mnist(c: &mut Criterion) {
    bench_net!(c, "mnist", Mnist, 784, 10, CrossEntropy, [1usize, 64, 10_000], 64usize);
    let test = nn::data::mnist::load("data/mnist").expect("MNIST in data/mnist").test_images;
    let net = Mnist::boxed(&mut nn::rng(7));
    let mut out = vec![[0.0f32; 10]; test.len()];
    let mut group = c.benchmark_group("mnist");
    group.throughput(Throughput::Elements(test.len() as u64));
    group.bench_function(BenchmarkId::new("predict_batch_mnist", test.len()), |b| {
        b.iter(|| net.predict_batch(black_box(&test), &mut out).unwrap())
    });
    group.finish();
}

fn tiny(c: &mut Criterion) {
    bench_net!(c, "tiny", Tiny, 2, 1, Mse, [1usize, 64], 4usize);
}

fn wide(c: &mut Criterion) {
    bench_net!(c, "wide", Wide, 1024, 1024, Mse, [1usize, 64], 64usize);
}

fn lenet(c: &mut Criterion) {
    bench_net!(c, "lenet", LeNet, 784, 10, CrossEntropy, [1usize, 64], 64usize);
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = mnist, tiny, wide, lenet
}
criterion_main!(benches);
