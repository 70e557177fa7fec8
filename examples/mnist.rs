//! The main job: the MNIST classifier of the card, trained to ≥ 98% test accuracy.
//!
//! `Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>`, Adam,
//! mini-batches of 64, a held-out validation split, early stopping that
//! restores the best epoch, then a per-class report on the 10,000 test images.
//! Writes the weights, the learning curves (SVG) and a JSON summary to `--out`.
//!
//! Run: `cargo run --release --example mnist` (`-- --help` for the flags).
//! The flags, the training job and the report are the `nn-examples` crate's
//! (`examples/support`), compiled once: a change here recompiles little.

nn::network! {
    /// The MNIST classifier: 784 pixels, 128 hidden units, 10 digits.
    pub struct Mnist {
        hidden: Dense<784, 128, ReLU>,
        dropout: Dropout<0.5>,
        output: Dense<128, 10, Softmax>,
    }
}

fn main() {
    nn_examples::train_main::<Mnist>(&nn_examples::Spec {
        name: "mnist",
        about: "Train the MNIST classifier of the card.",
        title: "MNIST 784-128-10, learning curves",
        epochs: 30,
        out: "target/mnist",
        data: concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist"),
        sgd_lr: 0.1,
        patience: 10,
    });
}
