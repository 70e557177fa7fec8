use nn::prelude::*;

// LeNet-5 in the item form, and a small convolutional net in the type form
// with stride, padding and average pooling.
nn::network! {
    pub struct LeNet {
        Input<1, 28, 28>,
        conv1: Conv2d<1, 6, 5, ReLU, padding = 2>,
        MaxPool2d<2>,
        conv2: Conv2d<6, 16, 5, ReLU>,
        MaxPool2d<2>,
        Flatten,
        Dense<400, 120, ReLU>,
        Dense<120, 84, ReLU>,
        Dense<84, 10, Softmax>,
    }
}

type Small = nn::network![
    Input<3, 9, 9>,
    Conv2d<3, 4, 3, Tanh, stride = 2, padding = 1>,
    ReLU,
    AvgPool2d<5>,
    Dropout<0.1>,
    Conv2d<4, 2, 1>,
    Flatten,
    Dense<2, 1, Sigmoid>
];

/// The flattened width may be a `const` (checked by `cargo build`).
const FLAT: usize = 4 * 4 * 4;
type ConstFlat = nn::network![Input<1, 6, 6>, Conv2d<1, 4, 3>, Flatten, Dense<FLAT, 2>];

fn main() -> Result<(), nn::Error> {
    assert_eq!(<ConstFlat as Network>::PARAMS, 4 * 9 + 4 + FLAT * 2 + 2);
    assert_eq!(LeNet::PARAMS, 61_706);
    assert_eq!(<LeNet as Network>::INPUT, 784);
    let mut rng = nn::rng(1);
    let mut net = LeNet::boxed(&mut rng);
    assert_eq!(net.conv1.weights.len(), 6);
    assert_eq!(net.conv2.weights[0].len(), 6);
    let xs = vec![[0.5f32; 784]; 3];
    let ys = vec![[0.1f32; 10]; 3];
    let y: [f32; 10] = net.predict(&xs[0]);
    assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    let loss = net.train_step(&xs, &ys, &CrossEntropy, &mut Adam::new(1e-3), &mut rng)?;
    assert!(loss.is_finite());

    // 3×9×9 → stride 2, padding 1: 4×5×5 → pool 5: 4×1×1 → 1×1 conv: 2×1×1.
    assert_eq!(<Small as Network>::PARAMS, 4 * 3 * 3 * 3 + 4 + 2 * 4 + 2 + 2 + 1);
    let small = Small::boxed(&mut rng);
    let p: [f32; 1] = small.predict(&[0.25; 243]);
    assert!(p[0] > 0.0 && p[0] < 1.0);
    Ok(())
}
