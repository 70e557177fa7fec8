use nn::prelude::*;

nn::network! {
    pub struct Net {
        Dense<0, 4, ReLU>,
        Dense<4, 1>,
    }
}

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    let y: [f32; 1] = net.predict(&[]);
    println!("{y:?}");
}
