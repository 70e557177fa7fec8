use nn::prelude::*;

nn::network! {
    pub struct Classifier {
        Dense<8, 16, ReLU>,
        Dropout<0.25>,
        features: Dense<16, 4, Tanh>,
        Dense<4, 3, Softmax>,
    }
}

fn main() {
    assert_eq!(Classifier::LAYER_NAMES, ["layer0", "layer1", "features", "layer3"]);
    let net = Classifier::boxed(&mut nn::rng(2));
    assert_eq!(net.layer0.weights.len(), 16);
    assert_eq!(net.features.weights[0].len(), 16);
    assert_eq!(net.layer3.bias.len(), 3);
    let y: [f32; 3] = net.predict(&[0.5; 8]);
    assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-5);
}
