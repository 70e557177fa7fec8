use nn::prelude::*;

nn::network! {
    /// A misspelt option, a stride of 0, and a size given as a `const` name.
    pub struct Net {
        Input<1, 8, 8>,
        Conv2d<1, 4, 3, ReLU, strides = 2>,
        Conv2d<4, 4, 3, ReLU, stride = 0>,
        Conv2d<4, CHANNELS, 3>,
        Flatten,
        Dense<4, 2>,
    }
}

const CHANNELS: usize = 4;

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    println!("{:?}", net.predict(&[0.0; 64]));
}
