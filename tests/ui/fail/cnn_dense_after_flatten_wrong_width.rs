use nn::prelude::*;

nn::network! {
    /// LeNet with the flattened width miscounted: 16·5·5 is 400, not 256.
    pub struct LeNet {
        Input<1, 28, 28>,
        Conv2d<1, 6, 5, ReLU, padding = 2>,
        MaxPool2d<2>,
        Conv2d<6, 16, 5, ReLU>,
        MaxPool2d<2>,
        Flatten,
        Dense<256, 120, ReLU>,
        Dense<120, 10, Softmax>,
    }
}

fn main() {
    let net = LeNet::boxed(&mut nn::rng(0));
    let y: [f32; 10] = net.predict(&[0.0; 784]);
    println!("{y:?} {}", LeNet::PARAMS);
}
