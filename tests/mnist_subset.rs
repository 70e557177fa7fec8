//! The whole MNIST path in seconds: load and verify the shipped files, train
//! the card network on 2,000 images for one epoch, evaluate on the 10,000 test
//! images, save and reload the weights.

use nn::data::{mnist, one_hot};
use nn::fit::{evaluate, Metric};
use nn::prelude::*;

nn::network! {
    pub struct Mnist { Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax> }
}

nn::network! {
    pub struct Other { Dense<784, 64, ReLU>, Dense<64, 10, Softmax> }
}

#[test]
fn one_epoch_on_a_subset_is_well_above_chance() {
    let data = mnist::load(concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist")).unwrap();
    assert_eq!((data.train_images.len(), data.test_images.len()), (60_000, 10_000));
    let xs = &data.train_images[..2000];
    let ys = one_hot::<10>(&data.train_labels[..2000]).unwrap();
    let (tx, ty) = (&data.test_images, one_hot::<10>(&data.test_labels).unwrap());

    let mut net = Mnist::boxed(&mut nn::rng(1));
    let history = net
        .fit(xs, &ys)
        .loss(CrossEntropy)
        .optimizer(Adam::new(2e-3))
        .batch_size(8)
        .epochs(1)
        .metrics(&[Metric::Accuracy])
        .quiet()
        .run()
        .unwrap();
    assert_eq!(history.epochs.len(), 1);
    let test = evaluate(&*net, tx, &ty, &CrossEntropy, &[Metric::Accuracy]).unwrap();
    let accuracy = test.accuracy.unwrap();
    assert!(accuracy >= 0.85, "test accuracy {accuracy} after one epoch on 2,000 images");

    let dir = std::env::temp_dir().join(format!("nn-mnist-subset-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mnist.nnw");
    net.save(&path).unwrap();
    let back = Mnist::load(&path).unwrap();
    assert_eq!(back.params(), net.params());
    let err = Other::load(&path).err().expect("a different architecture is refused").to_string();
    assert!(err.contains("the file holds `Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>`"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let err = mnist::load("/nonexistent/mnist").unwrap_err().to_string();
    assert_eq!(
        err,
        "/nonexistent/mnist: no such directory: it must hold the four MNIST .gz files (see data/mnist/README.md)"
    );
}
