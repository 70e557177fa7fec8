use nn::prelude::*;

const HIDDEN: usize = 16;

nn::network! {
    pub struct Net {
        Dense<4, HIDEN, ReLU>,
        Dense<HIDDEN, 2, Softmax>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    let y: [f32; 2] = net.predict(&[0.0; 4]);
    println!("{y:?}");
}
