use nn::prelude::*;

nn::network! {
    pub struct Linear {
        Dense<3, 2>,
    }
}

fn main() {
    let mut net = Linear::zeroed_boxed();
    net.layer0.weights = [[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]];
    net.layer0.bias = [0.5, -0.5];
    // No activation: `Dense<3, 2>` is `Dense<3, 2, Identity>`, so negative outputs stay.
    assert_eq!(net.predict(&[1.0, 1.0, 1.0]), [6.5, -0.5]);
    assert_eq!(net.predict(&[2.0, 0.0, -2.0]), [-3.5, -4.5]);
}
