use nn::prelude::*;

const INPUTS: usize = 6;
const HIDDEN: usize = 5;

mod config {
    pub const CLASSES: usize = 3;
}

nn::network! {
    pub struct Net {
        Dense<INPUTS, HIDDEN, ReLU>,
        Dropout<0.5>,
        Dense<HIDDEN, { 2 * HIDDEN }, Tanh>,
        Dense<{ 2 * HIDDEN }, config::CLASSES, Softmax>,
    }
}

fn main() {
    assert_eq!((Net::INPUT, Net::OUTPUT), (6, 3));
    assert_eq!(Net::PARAMS, (6 * 5 + 5) + (5 * 10 + 10) + (10 * 3 + 3));
    let net = Net::boxed(&mut nn::rng(3));
    let y: [f32; config::CLASSES] = net.predict(&[1.0; INPUTS]);
    assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-5);
}
