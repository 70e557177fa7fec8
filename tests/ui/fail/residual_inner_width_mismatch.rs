use nn::prelude::*;

nn::network! {
    /// Inside the branch, widths are checked as in a network: 48 is not 64.
    pub struct Net {
        Dense<784, 64, ReLU>,
        Residual<StochasticDepth<0.2>, Dense<64, 48, ReLU>, Dense<64, 64>>,
        Dense<64, 10, Softmax>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    let y: [f32; 10] = net.predict(&[0.0; 784]);
    println!("{y:?}");
}
