use nn::prelude::*;

nn::network! {
    /// The MNIST classifier.
    pub struct Mnist {
        Dense<784, 128, ReLU>,
        Dropout<0.5>,
        Dense<128, 10, Softmax>,
    }
}

fn main() {
    assert_eq!(Mnist::PARAMS, 784 * 128 + 128 + 128 * 10 + 10);
    assert_eq!((Mnist::INPUT, Mnist::OUTPUT), (784, 10));
    assert_eq!(Mnist::LAYER_NAMES, ["layer0", "layer1", "layer2"]);
    let net = Mnist::boxed(&mut nn::rng(0));
    let y: [f32; 10] = net.predict(&[0.5; 784]);
    assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert_eq!(net.layer0.weights.len(), 128);
    assert_eq!(net.layer2.bias.len(), 10);
}
