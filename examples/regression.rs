//! A noisy 1-D function fitted with Mse, Mae and Huber, on clean data and on
//! the same data with 5% gross outliers, to show what the robust losses buy.
//!
//! Data: `y = sin(3x) + ε`, `ε ~ N(0, 0.1²)`, 200 points on [−1, 1]; the
//! outlier set moves 10 of them up by 5. Each fit starts from the same
//! 1-32-32-1 tanh network (Adam, 400 epochs, batch 32) and is scored by its
//! error against the true `sin(3x)` on a grid — what a fit should recover.
//! Writes the fits over the data to `target/examples/regression.svg`.
//!
//! Run: `cargo run --release --example regression`

use nn::fit::{plot_xy_svg, XySeries};
use nn::prelude::*;

nn::network! {
    /// One input, two tanh hidden layers, one linear output.
    pub struct Curve { h1: Dense<1, 32, Tanh>, h2: Dense<32, 32, Tanh>, out: Dense<32, 1> }
}

fn truth(x: f32) -> f32 {
    (3.0 * x).sin()
}

/// Trains a copy of `start` with `loss`; returns the fitted network.
fn fit<L: Loss>(start: &Curve, xs: &[[f32; 1]], ys: &[[f32; 1]], loss: L) -> nn::Result<Box<Curve>> {
    let mut net = Box::new(*start);
    net.fit(xs, ys).loss(loss).optimizer(Adam::new(0.01)).epochs(400).batch_size(32).seed(1).quiet().run()?;
    Ok(net)
}

/// RMSE against the true function and the mean signed error (the pull of the outliers).
fn score(net: &Curve) -> (f32, f32) {
    let grid: Vec<f32> = (0..=200).map(|i| -1.0 + i as f32 / 100.0).collect();
    let errors: Vec<f32> = grid.iter().map(|&x| net.predict(&[x])[0] - truth(x)).collect();
    let n = errors.len() as f32;
    ((errors.iter().map(|e| e * e).sum::<f32>() / n).sqrt(), errors.iter().sum::<f32>() / n)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = nn::rng(5);
    let xs: Vec<[f32; 1]> = (0..200).map(|i| [-1.0 + 2.0 * i as f32 / 199.0]).collect();
    let clean: Vec<[f32; 1]> = xs.iter().map(|x| [truth(x[0]) + 0.1 * rng.normal()]).collect();
    let mut dirty = clean.clone();
    for i in (7..200).step_by(20) {
        dirty[i][0] += 5.0;
    }
    let start = Curve::boxed(&mut nn::rng(2));

    println!("y = sin(3x) + N(0, 0.1²), 200 points; outliers: 10 points moved up by 5\n");
    println!("{:<12} {:>12} {:>14} {:>12} {:>14}", "", "clean data", "", "5% outliers", "");
    println!("{:<12} {:>12} {:>14} {:>12} {:>14}", "loss", "RMSE vs f", "mean error", "RMSE vs f", "mean error");
    println!("{:─<68}", "");
    let mut fits = Vec::new();
    let mut shifts = Vec::new();
    macro_rules! row {
        ($name:expr, $loss:expr) => {{
            let a = fit(&start, &xs, &clean, $loss)?;
            let b = fit(&start, &xs, &dirty, $loss)?;
            let ((ra, ma), (rb, mb)) = (score(&a), score(&b));
            println!("{:<12} {ra:>12.4} {ma:>+14.4} {rb:>12.4} {mb:>+14.4}", $name);
            fits.push(($name, b));
            shifts.push(mb - ma);
        }};
    }
    row!("Mse", Mse);
    row!("Mae", Mae);
    row!("Huber(0.5)", Huber::new(0.5));
    println!(
        "\nThe outliers add 10·5/200 = 0.25 to the mean of y. They move the fit (mean error, with minus without) by\n\
         {:+.3} with Mse (the conditional mean follows them), {:+.3} with Mae (the conditional median\n\
         hardly moves) and {:+.3} with Huber (quadratic near the fit, linear beyond δ = 0.5).",
        shifts[0], shifts[1], shifts[2]
    );

    std::fs::create_dir_all("target/examples")?;
    let data: Vec<(f32, f32)> = xs.iter().zip(&dirty).map(|(x, y)| (x[0], y[0])).collect();
    let grid: Vec<f32> = (0..=200).map(|i| -1.0 + i as f32 / 100.0).collect();
    let truth_line: Vec<(f32, f32)> = grid.iter().map(|&x| (x, truth(x))).collect();
    let lines: Vec<(String, Vec<(f32, f32)>)> = fits
        .iter()
        .map(|(name, net)| (format!("{name} fit"), grid.iter().map(|&x| (x, net.predict(&[x])[0])).collect()))
        .collect();
    let mut series = vec![
        XySeries { label: "data with outliers", points: &data, dots: true },
        XySeries { label: "sin(3x)", points: &truth_line, dots: false },
    ];
    series.extend(lines.iter().map(|(l, p)| XySeries { label: l, points: p, dots: false }));
    plot_xy_svg("target/examples/regression.svg", "Fits on data with 5% outliers", "x", "y", &series, false)?;
    println!("wrote target/examples/regression.svg");
    if !(shifts[0] > 3.0 * shifts[1].abs() && shifts[0] > 3.0 * shifts[2].abs()) {
        eprintln!("the robust losses did not show their difference: check the setup");
        std::process::exit(1);
    }
    Ok(())
}
