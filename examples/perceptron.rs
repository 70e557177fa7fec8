//! The perceptron: one neuron learns AND and OR, and cannot learn XOR.
//!
//! A single `Dense<2, 1, Step>` trained one example at a time with the
//! perceptron rule `w ← w + η (t − y) x` (which is what gradient descent on
//! `SumSquaredError` does through `Step`'s straight-through derivative), and
//! the same neuron with a `Sigmoid`. XOR is not linearly separable, so no
//! single neuron can get all four rows right (Minsky & Papert, 1969).
//!
//! Run: `cargo run --release --example perceptron`

use nn::prelude::*;

nn::network! {
    /// Rosenblatt's perceptron: a threshold unit.
    struct Perceptron { Dense<2, 1, Step> }
}

nn::network! {
    /// A single logistic neuron.
    struct Logistic { Dense<2, 1, Sigmoid> }
}

const INPUTS: [[f32; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];

fn truth_table(f: impl Fn(bool, bool) -> bool) -> [[f32; 1]; 4] {
    INPUTS.map(|[a, b]| [f32::from(u8::from(f(a > 0.5, b > 0.5)))])
}

/// Trains one example at a time; returns the number of epochs until every row is right.
fn train<N: Network<Input = [f32; 2], Output = [f32; 1]>>(
    net: &mut N,
    targets: &[[f32; 1]; 4],
    lr: f32,
    epochs: usize,
    rng: &mut Rng,
) -> nn::Result<Option<usize>> {
    let mut opt = Sgd::new(lr);
    for epoch in 1..=epochs {
        for (x, t) in INPUTS.iter().zip(targets) {
            net.train_step(std::slice::from_ref(x), std::slice::from_ref(t), &SumSquaredError, &mut opt, rng)?;
        }
        if correct(net, targets) == 4 {
            return Ok(Some(epoch));
        }
    }
    Ok(None)
}

fn correct<N: Network<Input = [f32; 2], Output = [f32; 1]>>(net: &N, targets: &[[f32; 1]; 4]) -> usize {
    INPUTS.iter().zip(targets).filter(|(x, t)| (net.predict(x)[0] > 0.5) == (t[0] > 0.5)).count()
}

fn report<N: Network<Input = [f32; 2], Output = [f32; 1]>>(
    name: &str,
    net: &N,
    targets: &[[f32; 1]; 4],
    learned: Option<usize>,
) {
    println!("  {name}");
    println!("    x1 x2 | target | output");
    for (x, t) in INPUTS.iter().zip(targets) {
        let y = net.predict(x)[0];
        let mark = if (y > 0.5) == (t[0] > 0.5) { "" } else { "  <- wrong" };
        println!("     {}  {} |   {}    | {y:.3}{mark}", x[0], x[1], t[0]);
    }
    match learned {
        Some(epochs) => println!("    learned in {epochs} epochs\n"),
        None => println!("    NOT learned: {} of 4 rows right after training\n", correct(net, targets)),
    }
}

/// A named logic gate.
type Gate = (&'static str, fn(bool, bool) -> bool);

fn main() -> nn::Result<()> {
    let mut rng = nn::rng(7);
    let gates: [Gate; 3] = [("AND", |a, b| a && b), ("OR", |a, b| a || b), ("XOR", |a, b| a != b)];

    let mut summary = Vec::new();
    for (gate, f) in gates {
        let targets = truth_table(f);
        println!("{gate}");
        let mut step = Perceptron::new(&mut rng);
        let learned_step = train(&mut step, &targets, 0.1, 100, &mut rng)?;
        report("Dense<2, 1, Step> (perceptron rule)", &step, &targets, learned_step);

        let mut logistic = Logistic::new(&mut rng);
        let learned_sigmoid = train(&mut logistic, &targets, 1.0, 2000, &mut rng)?;
        report("Dense<2, 1, Sigmoid> (gradient descent)", &logistic, &targets, learned_sigmoid);
        summary.push((gate, learned_step.is_some(), learned_sigmoid.is_some()));
    }

    println!("gate | perceptron | sigmoid neuron");
    for (gate, step, sigmoid) in &summary {
        let word = |ok: &bool| if *ok { "learned" } else { "cannot" };
        println!("{gate:>4} | {:>10} | {:>14}", word(step), word(sigmoid));
    }
    println!("\nXOR is not linearly separable: one neuron draws one line. See `--example xor` for the fix.");
    Ok(())
}
