use nn::prelude::*;

nn::network! {
    pub struct Mnist {
        Dense<784, 128, ReLU>,
        Dropout<0.5>,
        Dense<128, 10, Softmax>,
    }
}

fn main() {
    let net = Mnist::boxed(&mut nn::rng(0));
    let y: [f32; 9] = net.predict(&[0.0; 784]);
    println!("{y:?}");
}
