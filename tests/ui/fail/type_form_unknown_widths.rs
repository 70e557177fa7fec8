use nn::prelude::*;

// Neither width of the network is known: every use of the type is still
// accepted, so that the macro's error is the only one.
type Broken = nn::network![Dense<2>];

fn main() -> Result<(), nn::Error> {
    let mut rng = nn::rng(0);
    let mut net = Broken::boxed(&mut rng);
    let y: [f32; 1] = net.predict(&[0.0, 1.0]);
    let mut opt = Sgd::new(0.1);
    net.train_step(&[[0.0, 1.0]], &[[1.0]], &Mse, &mut opt, &mut rng)?;
    println!("{y:?} {}", Broken::PARAMS);
    Ok(())
}
