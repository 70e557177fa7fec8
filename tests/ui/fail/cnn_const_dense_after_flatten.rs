use nn::prelude::*;

/// Not 4·4·4 = 64: the macro cannot read the `const`, `cargo build` checks it.
const FLAT: usize = 100;

nn::network! {
    pub struct Net {
        Input<1, 6, 6>,
        Conv2d<1, 4, 3>,
        Flatten,
        ReLU,
        Dense<FLAT, 2>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    println!("{:?}", net.predict(&[0.0; 36]));
}
