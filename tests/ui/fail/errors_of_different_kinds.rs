use nn::prelude::*;

// Problems of different kinds, in several layers, are all reported at once and
// in the order of the layers.
nn::network! {
    pub struct Net {
        Dense<4, 0, Relu>,
        Dropout<1.5>,
        Dense<8, 2, Softmax>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    let y: [f32; 2] = net.predict(&[0.0; 4]);
    println!("{y:?}");
}
