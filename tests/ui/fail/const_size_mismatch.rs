use nn::prelude::*;

const INPUTS: usize = 784;
const HIDDEN: usize = 128;

nn::network! {
    pub struct Mnist {
        Dense<INPUTS, HIDDEN, ReLU>,
        Dense<100, 10, Softmax>,
    }
}

fn main() {
    let net = Mnist::boxed(&mut nn::rng(0));
    let y: [f32; 10] = net.predict(&[0.0; INPUTS]);
    println!("{y:?}");
}
