use nn::prelude::*;

nn::network! {
    /// No `Input<C, H, W>`: the convolution's image shape is unknown.
    pub struct Net {
        Conv2d<1, 6, 5, ReLU>,
        MaxPool2d<2>,
        Flatten,
        Dense<864, 10, Softmax>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    println!("{:?}", net.predict(&[0.0; 784]));
}
