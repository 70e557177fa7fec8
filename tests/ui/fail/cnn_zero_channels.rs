use nn::prelude::*;

nn::network! {
    /// A convolution with no output channels.
    pub struct Net {
        Input<3, 8, 8>,
        Conv2d<3, 0, 3, ReLU>,
        Flatten,
        Dense<36, 2>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    println!("{:?}", net.predict(&[0.0; 192]));
}
