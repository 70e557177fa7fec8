use nn::prelude::*;

nn::network! {
    pub struct Perceptron { Dense<3, 1, Step> }
}

type Logistic = nn::network![Dense<3, 1, Sigmoid>];

fn main() {
    assert_eq!(Perceptron::PARAMS, 4);
    assert_eq!(Logistic::PARAMS, 4);
    assert_eq!(Perceptron::LAYER_NAMES, ["layer0"]);
    let mut net = Perceptron::zeroed_boxed();
    net.layer0.weights = [[1.0, 1.0, -1.0]];
    assert_eq!(net.predict(&[1.0, 1.0, 0.0]), [1.0]);
    assert_eq!(net.predict(&[0.0, 0.0, 1.0]), [0.0]);
    let logistic = Logistic::boxed(&mut nn::rng(8));
    let y = logistic.predict(&[1.0, 2.0, 3.0]);
    assert!(y[0] > 0.0 && y[0] < 1.0);
}
