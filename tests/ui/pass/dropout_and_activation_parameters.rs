use nn::prelude::*;

// Probabilities and slopes written as integer or float literals.
nn::network! {
    pub struct Net {
        Dense<3, 3>,
        Dropout<0>,
        Dropout<0.999>,
        LeakyReLU<1>,
        ELU<0.5>,
        Dense<3, 2, LeakyReLU<0.0>>,
    }
}

fn main() {
    assert_eq!(Net::PARAMS, 3 * 3 + 3 + 3 * 2 + 2);
    let mut net = Net::zeroed_boxed();
    net.layer0.weights = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    net.layer5.weights = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    // Dropout is off in `predict`; LeakyReLU<1> is the identity; LeakyReLU<0.0> is ReLU.
    assert_eq!(net.predict(&[2.0, -3.0, 0.0]), [2.0, 0.0]);
}
