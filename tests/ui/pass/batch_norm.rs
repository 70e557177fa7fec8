use nn::prelude::*;

const HIDDEN: usize = 8;

nn::network! {
    pub struct Normalized {
        hidden: Dense<4, HIDDEN>,
        norm: BatchNorm<HIDDEN>,
        ReLU,
        Dense<HIDDEN, 6>,
        BatchNorm,
        out: Dense<6, 2, Softmax>,
    }
}

type Typed = nn::network![BatchNorm<3>, Dense<3, 1>];

// After `Flatten`, a BatchNorm normalizes the C·H·W values (2·2·2 = 8).
type Convolutional = nn::network![Input<1, 4, 4>, Conv2d<1, 2, 3, ReLU>, Flatten, BatchNorm<8>, BatchNorm, Dense<8, 1>];

fn main() {
    let mut rng = nn::rng(3);
    let mut net = Normalized::new(&mut rng);
    assert_eq!(Normalized::STATE, 2 * 8 + 2 * 6);
    assert_eq!(Normalized::TRAINABLE, 4 * 8 + 8 + 2 * 8 + 8 * 6 + 6 + 2 * 6 + 6 * 2 + 2);
    assert_eq!(net.norm.running_var, [1.0; 8]);
    let xs = [[1.0, 2.0, 3.0, 4.0], [0.0, -1.0, 2.0, 0.5], [3.0, 0.0, 0.0, 1.0]];
    let ys = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]];
    net.train_step(&xs, &ys, &CrossEntropy, &mut Adam::new(1e-2), &mut rng).unwrap();
    // The running statistics moved by the momentum rule, not by Adam.
    assert!(net.norm.running_mean.iter().any(|&m| m != 0.0));
    assert_eq!(<Typed as Network>::INPUT, 3);
    assert_eq!(<Typed as Layer>::STATE, 6);
    assert_eq!(<Convolutional as Layer>::STATE, 32);
    let conv = Convolutional::new(&mut rng);
    assert_eq!(conv.predict(&[0.5; 16]).len(), 1);
}
