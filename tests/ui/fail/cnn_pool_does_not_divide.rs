use nn::prelude::*;

nn::network! {
    /// 28×28 pooled by 3: 28 = 9·3 + 1.
    pub struct Net {
        Input<1, 28, 28>,
        Conv2d<1, 4, 3, ReLU, padding = 1>,
        MaxPool2d<3>,
        Flatten,
        Dense<324, 10, Softmax>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    println!("{:?}", net.predict(&[0.0; 784]));
}
