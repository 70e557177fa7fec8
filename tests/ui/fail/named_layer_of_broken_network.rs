use nn::prelude::*;

// After an error the stub type must still have the named fields and
// `LAYER_NAMES`, so that only the macro's error is reported.
nn::network! {
    pub struct Xor {
        hidden: Dense<2, 4, Tanh>,
        out: Dense<3, 1, Sigmoid>,
    }
}

fn main() {
    let net = Xor::boxed(&mut nn::rng(0));
    println!("{:?} {:?}", net.hidden.weights, Xor::LAYER_NAMES);
    let y: [f32; 1] = net.predict(&[0.0, 1.0]);
    println!("{y:?}");
}
