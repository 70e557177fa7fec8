use nn::prelude::*;

// Every layer of issue 9's first part, in both forms, with their parameter counts.
nn::network! {
    pub struct Deep {
        Dense<4, 8, PReLU<8>>,
        Residual<Dense<8, 8, ReLU>, Dense<8, 8>>,
        block: Residual<StochasticDepth<0.25>, ReLU, Dense<8, 3, Tanh>, Dropout<0.1>, Dense<3, 8>>,
        Maxout<8, 5, 3>,
        PReLU<5>,
        DropConnect<Dense<5, 2, Softmax>, 0.5>,
    }
}

type Nested = nn::network![Residual<Residual<Dense<3, 3, ReLU>>, Dense<3, 3>>, Maxout<3, 1, 2>];

fn main() {
    assert_eq!(
        Deep::PARAMS,
        (4 * 8 + 8 + 8) + 2 * (8 * 8 + 8) + (8 * 3 + 3) + (3 * 8 + 8) + (8 * 15 + 15) + 5 + (5 * 2 + 2)
    );
    assert_eq!(Deep::LAYER_NAMES, ["layer0", "layer1", "block", "layer3", "layer4", "layer5"]);
    assert_eq!(Nested::PARAMS, 12 + 12 + 3 * 2 + 2);
    let mut rng = nn::rng(3);
    let mut net = Deep::boxed(&mut rng);
    // The slopes start at 0.25, as torch.
    assert_eq!(net.layer0.activation.alpha, [0.25; 8]);
    assert_eq!(net.layer4.activation.alpha, [0.25; 5]);
    let x = [0.5, -0.5, 1.0, -1.0];
    let y: [f32; 2] = net.predict(&x);
    assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{y:?}");
    // A residual block whose branch gives 0 is the identity.
    net.block.branch.rest.rest.rest.weights = [[0.0; 3]; 8];
    net.block.branch.rest.rest.rest.bias = [0.0; 8];
    let h = [0.3, -0.2, 0.1, 0.0, 1.0, -1.0, 2.0, 0.5];
    let mut out = [0.0; 8];
    net.block.forward_one(&h, &mut out);
    assert_eq!(out, h);
    // Training works through every layer.
    let xs = [x; 4];
    let ys = [[1.0, 0.0]; 4];
    let mut opt = Sgd::new(0.1);
    let first = net.train_step(&xs, &ys, &CrossEntropy, &mut opt, &mut rng).unwrap();
    assert!(first.is_finite());
    let summary = net.summary().to_string();
    assert!(summary.contains("Residual<StochasticDepth<0.25>, ReLU, Dense<8, 3, Tanh>, Dropout<0.1>, Dense<3, 8, Identity>>"), "{summary}");
    assert!(summary.contains("DropConnect<Dense<5, 2, Softmax>, 0.5>"), "{summary}");
    assert!(summary.contains("Maxout<8, 5, 3>") && summary.contains("PReLU<5>"), "{summary}");
    let mut nested = Nested::boxed(&mut rng);
    let _: [f32; 1] = nested.predict(&[1.0, 2.0, 3.0]);
    nested.params_mut().fill(0.0);
    assert_eq!(nested.predict(&[1.0, 2.0, 3.0]), [0.0]);
}
