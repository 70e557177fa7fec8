//! A convolutional network on MNIST: LeNet-5 (LeCun et al. 1998, with ReLU
//! and max pooling), trained to ≥ 99% test accuracy.
//!
//! The image shape is declared once (`Input<1, 28, 28>`); `network!` follows
//! it through every layer (`[6, 28, 28]`, `[6, 14, 14]`, `[16, 10, 10]`,
//! `[16, 5, 5]`) and checks that the `Dense` after `Flatten` takes
//! 16·5·5 = 400 inputs. Adam, mini-batches of 64, cosine decay of the
//! learning rate, a held-out validation split, early stopping that restores
//! the best epoch, then a per-class report on the 10,000 test images. Writes
//! the weights, the learning curves (SVG) and a JSON summary to `--out`.
//!
//! Run: `cargo run --release --example cnn` (`-- --help` for the flags,
//! the training job and the report: `examples/support`).

nn::network! {
    /// LeNet-5: two convolutions with max pooling, three dense layers.
    pub struct LeNet {
        input: Input<1, 28, 28>,
        conv1: Conv2d<1, 6, 5, ReLU, padding = 2>,
        pool1: MaxPool2d<2>,
        conv2: Conv2d<6, 16, 5, ReLU>,
        pool2: MaxPool2d<2>,
        flatten: Flatten,
        fc1: Dense<400, 120, ReLU>,
        fc2: Dense<120, 84, ReLU>,
        output: Dense<84, 10, Softmax>,
    }
}

fn main() {
    nn_examples::train_main::<LeNet>(&nn_examples::Spec {
        name: "cnn",
        about: "Train LeNet-5 on MNIST.",
        title: "MNIST LeNet-5, learning curves",
        epochs: 12,
        out: "target/cnn",
        data: concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"),
        sgd_lr: 0.05,
        patience: 5,
    });
}
