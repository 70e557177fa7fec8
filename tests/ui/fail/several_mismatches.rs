use nn::prelude::*;

nn::network! {
    pub struct Deep {
        Dense<16, 32, ReLU>,
        Dense<64, 32, ReLU>,
        Tanh,
        Dense<16, 8, ReLU>,
        Dense<8, 2, Softmax>,
        Dense<3, 1>,
    }
}

fn main() {
    let net = Deep::boxed(&mut nn::rng(0));
    let y: [f32; 1] = net.predict(&[0.0; 16]);
    println!("{y:?}");
}
