use nn::prelude::*;

nn::network! {
    /// The second convolution expects 8 channels; the first gives 6.
    pub struct Net {
        Input<1, 28, 28>,
        Conv2d<1, 6, 5, ReLU, padding = 2>,
        MaxPool2d<2>,
        Conv2d<8, 16, 5, ReLU>,
        MaxPool2d<2>,
        Flatten,
        Dense<400, 10, Softmax>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    println!("{:?}", net.predict(&[0.0; 784]));
}
