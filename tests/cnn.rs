//! Convolutional networks through the public API: the summary's image
//! shapes, the compile-time fingerprint, weight files, safetensors keys in
//! torch order, training on a toy task, and `Chain` skipping the input
//! gradient behind `Input<C, H, W>`.

use nn::prelude::*;

nn::network! {
    /// LeNet-5 of `examples/cnn.rs`.
    pub struct LeNet {
        input: Input<1, 28, 28>,
        conv1: Conv2d<1, 6, 5, ReLU, padding = 2>,
        pool1: MaxPool2d<2>,
        conv2: Conv2d<6, 16, 5, ReLU>,
        pool2: MaxPool2d<2>,
        flatten: Flatten,
        fc1: Dense<400, 120, ReLU>,
        fc2: Dense<120, 84, ReLU>,
        output: Dense<84, 10, Softmax>,
    }
}

#[test]
fn summary_shows_image_shapes() {
    let net = LeNet::zeroed_boxed();
    let text = net.summary().to_string();
    for row in [
        "input    Input<1, 28, 28>                    [1, 28, 28]",
        "conv1    Conv2d<1, 6, 5, ReLU, padding = 2>  [6, 28, 28]            156",
        "pool1    MaxPool2d<2>                        [6, 14, 14]",
        "conv2    Conv2d<6, 16, 5, ReLU>              [16, 10, 10]          2416",
        "pool2    MaxPool2d<2>                        [16, 5, 5]",
        "flatten  Flatten                             [400]",
        "fc1      Dense<400, 120, ReLU>               [120]",
    ] {
        assert!(text.contains(row), "no row `{row}` in\n{text}");
    }
}

#[test]
fn architecture_and_fingerprint() {
    let text = "Input<1, 28, 28>, Conv2d<1, 6, 5, ReLU, padding = 2>, MaxPool2d<2>, Conv2d<6, 16, 5, ReLU>, \
                MaxPool2d<2>, Flatten, Dense<400, 120, ReLU>, Dense<120, 84, ReLU>, Dense<84, 10, Softmax>";
    assert_eq!(nn::io::architecture::<LeNet>(), text);
    assert_eq!(<LeNet as Layer>::ARCHITECTURE.as_str(), text);
    assert_eq!(LeNet::FINGERPRINT, nn::arch::fnv1a64(text.as_bytes()));
    type Strided = nn::network![Input<3, 9, 9>, Conv2d<3, 4, 3, Tanh, stride = 2, padding = 1>, AvgPool2d<5>];
    let text = "Input<3, 9, 9>, Conv2d<3, 4, 3, Tanh, stride = 2, padding = 1>, AvgPool2d<5>";
    assert_eq!(nn::io::architecture::<Strided>(), text);
    assert_eq!(<Strided as Network>::FINGERPRINT, nn::arch::fnv1a64(text.as_bytes()));
}

#[test]
fn weight_file_round_trip() {
    let net = LeNet::boxed(&mut nn::rng(3));
    let dir = std::env::temp_dir().join(format!("nn-cnn-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lenet.nnw");
    net.save(&path).unwrap();
    let back = LeNet::load(&path).unwrap();
    assert_eq!(back.params(), net.params());
    type Other = nn::network![Input<1, 28, 28>, Conv2d<1, 6, 5, ReLU>, Flatten, Dense<3456, 10, Softmax>];
    let Err(err) = Other::load(&path) else { panic!("a file of another architecture loaded") };
    assert!(err.to_string().contains("Conv2d<1, 6, 5, ReLU, padding = 2>"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn safetensors_keys_follow_torch_sequential() {
    use nn::safetensors::{tensors, Keys};
    let keys: Vec<(String, Vec<usize>)> =
        tensors::<LeNet>(Keys::Sequential).unwrap().into_iter().map(|t| (t.name, t.shape)).collect();
    // Sequential(Conv2d, ReLU, MaxPool2d, Conv2d, ReLU, MaxPool2d, Flatten, Linear, ReLU, Linear, ReLU, Linear, Softmax)
    let want: Vec<(String, Vec<usize>)> = [
        ("0.weight", vec![6, 1, 5, 5]),
        ("0.bias", vec![6]),
        ("3.weight", vec![16, 6, 5, 5]),
        ("3.bias", vec![16]),
        ("7.weight", vec![120, 400]),
        ("7.bias", vec![120]),
        ("9.weight", vec![84, 120]),
        ("9.bias", vec![84]),
        ("11.weight", vec![10, 84]),
        ("11.bias", vec![10]),
    ]
    .into_iter()
    .map(|(k, s)| (k.to_string(), s))
    .collect();
    assert_eq!(keys, want);
    let named = tensors::<LeNet>(Keys::LayerNames).unwrap();
    assert_eq!(named[0].name, "conv1.weight");
    assert_eq!(named[2].name, "conv2.weight");
}

/// A toy task a convolution solves: is the bright bar of a 1×6×6 image
/// horizontal or vertical?
#[test]
fn learns_bar_orientation() {
    type Bars = nn::network![
        Input<1, 6, 6>,
        Conv2d<1, 4, 3, ReLU, padding = 1>,
        MaxPool2d<2>,
        Flatten,
        Dense<36, 2, Softmax>
    ];
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for line in 0..6 {
        for vertical in [false, true] {
            let mut x = [0.0f32; 36];
            for t in 0..6 {
                let (r, c) = if vertical { (t, line) } else { (line, t) };
                x[r * 6 + c] = 1.0;
            }
            xs.push(x);
            ys.push(if vertical { [0.0, 1.0] } else { [1.0, 0.0] });
        }
    }
    let mut rng = nn::rng(4);
    let mut net = Bars::boxed(&mut rng);
    let mut opt = Adam::new(1e-2);
    let mut loss = f32::INFINITY;
    for _ in 0..200 {
        loss = net.train_step(&xs, &ys, &CrossEntropy, &mut opt, &mut rng).unwrap();
    }
    assert!(loss < 0.05, "loss {loss}");
    for (x, y) in xs.iter().zip(&ys) {
        assert_eq!(nn::fit::argmax(&net.predict(x)), nn::fit::argmax(y));
    }
}

/// Default init: He uniform for a convolution with ReLU, with torch's fans
/// (`fan_in = C_IN·K·K`), biases 0; Xavier for other activations;
/// `init_with` chooses the scheme.
#[test]
fn convolution_init_uses_conv_fans() {
    let net = LeNet::boxed(&mut nn::rng(9));
    let w = net.conv2.weights.as_flattened().as_flattened().as_flattened();
    let bound = (6.0f32 / (6.0 * 25.0)).sqrt();
    let max = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(max <= bound && max > 0.9 * bound, "max |w| {max}, He bound {bound}");
    assert!(net.conv2.bias.iter().all(|&b| b == 0.0));
    type Tanh1 = nn::network![Input<2, 4, 4>, Conv2d<2, 3, 3, Tanh>];
    let net = Tanh1::boxed(&mut nn::rng(9));
    let bound = (6.0f32 / (2.0 * 9.0 + 3.0 * 9.0)).sqrt();
    let max = net.params()[..54].iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(max <= bound && max > 0.8 * bound, "max |w| {max}, Xavier bound {bound}");
    let mut net = LeNet::zeroed_boxed();
    net.init_with(Init::Zeros, &mut nn::rng(1));
    assert!(net.params().iter().all(|&p| p == 0.0));
    net.conv1.init_with(Init::HeNormal, &mut nn::rng(1));
    assert!(net.conv1.weights[0][0][0].iter().any(|&w| w != 0.0));
}
