use nn::prelude::*;

type Tiny = nn::network![Dense<2, 3, Tanh>, Dense<3, 1, Sigmoid>];
type WithDropout = nn::network![Dense<4, 8, ReLU>, Dropout<0.5>, ReLU, Dense<8, 2, Softmax>];

fn predict_any<N: Network>(net: &N, x: &N::Input) -> N::Output {
    net.predict(x)
}

fn main() -> Result<(), nn::Error> {
    assert_eq!((Tiny::INPUT, Tiny::OUTPUT, Tiny::PARAMS), (2, 1, 2 * 3 + 3 + 3 + 1));
    assert_eq!((WithDropout::INPUT, WithDropout::OUTPUT, WithDropout::PARAMS), (4, 2, 4 * 8 + 8 + 8 * 2 + 2));
    let mut rng = nn::rng(10);
    let tiny = Tiny::boxed(&mut rng);
    let y: [f32; 1] = predict_any(&*tiny, &[0.5, 0.5]);
    assert!(y[0] > 0.0 && y[0] < 1.0);

    let mut net = WithDropout::boxed(&mut rng);
    let xs = [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]];
    let ys = [[1.0, 0.0], [0.0, 1.0]];
    let mut opt = Sgd::new(0.1);
    let loss = net.train_step(&xs, &ys, &CrossEntropy, &mut opt, &mut rng)?;
    assert!(loss.is_finite() && loss > 0.0);
    let mut outputs = [[0.0; 2]; 2];
    net.predict_batch(&xs, &mut outputs)?;
    assert!(outputs.iter().all(|y| (y[0] + y[1] - 1.0).abs() < 1e-5));
    Ok(())
}
