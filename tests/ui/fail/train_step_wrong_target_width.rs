use nn::prelude::*;

nn::network! {
    pub struct Xor {
        hidden: Dense<2, 4, Tanh>,
        out: Dense<4, 1, Sigmoid>,
    }
}

fn main() -> Result<(), nn::Error> {
    let mut rng = nn::rng(0);
    let mut net = Xor::boxed(&mut rng);
    let mut opt = Sgd::new(0.5);
    let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    // One-hot rows of two classes, but the network has one output.
    let ys = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]];
    let loss = net.train_step(&xs, &ys, &Mse, &mut opt, &mut rng)?;
    println!("{loss}");
    Ok(())
}
