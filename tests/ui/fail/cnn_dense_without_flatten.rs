use nn::prelude::*;

nn::network! {
    /// A `Dense` straight after a pooling layer: `Flatten` is missing.
    pub struct Net {
        Input<1, 12, 12>,
        Conv2d<1, 4, 3, ReLU, padding = 1>,
        MaxPool2d<2>,
        Dense<144, 10, Softmax>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    println!("{:?}", net.predict(&[0.0; 144]));
}
