use nn::prelude::*;

nn::network! {
    /// The branch of the block ends with 32 values, but the block takes 64.
    pub struct Net {
        Dense<784, 64, ReLU>,
        Residual<Dense<64, 64, ReLU>, Dense<64, 32>>,
        Dense<64, 10, Softmax>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    let y: [f32; 10] = net.predict(&[0.0; 784]);
    println!("{y:?} {}", Net::PARAMS);
}
