use nn::prelude::*;

nn::network! {
    pub struct Net {
        Dense<4, 8>,
        ReLU,
        Dropout<0.2>,
        LeakyReLU<0.1>,
        Dense<9, 1, Sigmoid>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    let y: [f32; 1] = net.predict(&[0.0; 4]);
    println!("{y:?}");
}
