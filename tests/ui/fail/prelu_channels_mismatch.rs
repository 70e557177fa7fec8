use nn::prelude::*;

nn::network! {
    pub struct Net {
        Dense<4, 8, PReLU<4>>,
        PReLU<6>,
        Dense<8, 2, Softmax>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    let y: [f32; 2] = net.predict(&[0.0; 4]);
    println!("{y:?}");
}
