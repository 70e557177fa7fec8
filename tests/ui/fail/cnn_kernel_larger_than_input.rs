use nn::prelude::*;

nn::network! {
    /// A 7×7 kernel on a 4×4 feature map (padding 1 makes it 6×6, still too small).
    pub struct Net {
        Input<1, 8, 8>,
        Conv2d<1, 4, 3, ReLU>,
        MaxPool2d<2>,
        Conv2d<4, 4, 7, ReLU, padding = 1>,
        Flatten,
        Dense<16, 2>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    println!("{:?}", net.predict(&[0.0; 64]));
}
