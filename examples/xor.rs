//! A 2-4-1 multilayer perceptron learns XOR, which no single neuron can.
//!
//! Run: `cargo run --release --example xor`

use nn::prelude::*;

nn::network! {
    /// XOR: two inputs, four tanh hidden units, one sigmoid output.
    pub struct Xor { hidden: Dense<2, 4, Tanh>, out: Dense<4, 1, Sigmoid> }
}

fn main() -> nn::Result<()> {
    let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let ys = [[0.0], [1.0], [1.0], [0.0]];

    let mut rng = nn::rng(42);
    let mut net = Xor::boxed(&mut rng);
    let mut opt = Sgd::new(0.5).momentum(0.9);
    println!("training {} parameters on the XOR truth table (full batch, SGD with momentum)", Xor::PARAMS);
    for epoch in 0..=1000 {
        let loss = net.train_step(&xs, &ys, &Mse, &mut opt, &mut rng)?;
        if epoch % 100 == 0 {
            println!("epoch {epoch:>4}  loss {loss:.6}");
        }
    }

    println!("\n x1 x2 | target | output");
    let mut right = 0;
    for (x, y) in xs.iter().zip(&ys) {
        let out = net.predict(x)[0];
        right += usize::from((out > 0.5) == (y[0] > 0.5));
        println!("  {}  {} |   {}    | {out:.4}", x[0], x[1], y[0]);
    }
    println!("\n{right} of 4 right: {}", if right == 4 { "XOR learned" } else { "not learned" });
    if right != 4 {
        std::process::exit(1);
    }
    Ok(())
}
