use nn::prelude::*;

const HIDDEN: usize = 8;
const NARROW: usize = 6;

// Sizes given as `const` names are checked by the compiler: a branch that
// does not keep the width, and a PReLU with the wrong number of slopes.
nn::network! {
    pub struct Net {
        Dense<4, HIDDEN, PReLU<NARROW>>,
        Residual<Dense<HIDDEN, NARROW>>,
        Dense<HIDDEN, 2, Softmax>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    let y: [f32; 2] = net.predict(&[0.0; 4]);
    println!("{y:?}");
}
