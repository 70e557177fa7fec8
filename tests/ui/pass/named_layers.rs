use nn::prelude::*;

nn::network! {
    /// XOR with one hidden layer.
    pub struct Xor {
        hidden: Dense<2, 4, Tanh>,
        out: Dense<4, 1, Sigmoid>,
    }
}

fn main() -> Result<(), nn::Error> {
    assert_eq!(Xor::LAYER_NAMES, ["hidden", "out"]);
    assert_eq!(Xor::PARAMS, 2 * 4 + 4 + 4 + 1);
    let mut rng = nn::rng(1);
    let mut net = Xor::boxed(&mut rng);
    let weights: [[f32; 2]; 4] = net.hidden.weights;
    let bias: [f32; 1] = net.out.bias;
    assert!(weights.iter().flatten().any(|w| *w != 0.0));
    assert_eq!(bias, [0.0]);

    let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let ys = [[0.0], [1.0], [1.0], [0.0]];
    let mut opt = Sgd::new(0.5).momentum(0.9);
    let first = net.train_step(&xs, &ys, &Mse, &mut opt, &mut rng)?;
    let mut last = first;
    for _ in 0..300 {
        last = net.train_step(&xs, &ys, &Mse, &mut opt, &mut rng)?;
    }
    assert!(last < first, "{last} >= {first}");
    let y: [f32; 1] = net.predict(&[1.0, 0.0]);
    assert!(y[0] > 0.0 && y[0] < 1.0);
    Ok(())
}
