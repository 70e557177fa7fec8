//! The textbook worked example of one gradient-descent step on a single
//! sigmoid neuron: inputs x = (0.1, 0.3), weights (0.5, 0.2), bias 1.83,
//! target 0.03, loss E = ½(out − t)², learning rate 0.01.
//!
//! ```text
//! s   = 0.1·0.5 + 0.3·0.2 + 1.83 = 1.94
//! out = σ(1.94)                  = 0.874352…   (textbook: 0.874)
//! E   = ½(out − t)²              = 0.356465…
//! δ   = (out − t)·out·(1 − out)  = 0.092761…
//! w1' = 0.5  − 0.01·δ·0.1        = 0.499907…   (0.4999)
//! w2' = 0.2  − 0.01·δ·0.3        = 0.199722…   (0.1997)
//! b'  = 1.83 − 0.01·δ            = 1.829072…   (1.8291)
//! ```
//!
//! The exact values are recomputed in f64 below; the f32 network must match
//! them to 1e-6, and the rounded textbook values exactly after rounding.

use nn_core::{rng, Dense, Network, Sgd, Sigmoid, SumSquaredError};

const X: [f64; 2] = [0.1, 0.3];
const W: [f64; 2] = [0.5, 0.2];
const B: f64 = 1.83;
const T: f64 = 0.03;
const LR: f64 = 0.01;

/// The exact (f64) values of the worked example.
struct Exact {
    s: f64,
    out: f64,
    e: f64,
    delta: f64,
    w1: f64,
    w2: f64,
    b: f64,
}

fn exact() -> Exact {
    let s = X[0] * W[0] + X[1] * W[1] + B;
    let out = 1.0 / (1.0 + (-s).exp());
    let e = 0.5 * (out - T).powi(2);
    let delta = (out - T) * out * (1.0 - out);
    Exact { s, out, e, delta, w1: W[0] - LR * delta * X[0], w2: W[1] - LR * delta * X[1], b: B - LR * delta }
}

fn neuron() -> Dense<2, 1, Sigmoid> {
    let mut net: Dense<2, 1, Sigmoid> = Network::zeros();
    net.weights = [[W[0] as f32, W[1] as f32]];
    net.bias = [B as f32];
    net
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

fn assert_close(what: &str, got: f32, want: f64, tol: f64) {
    assert!((got as f64 - want).abs() <= tol, "{what}: got {got}, want {want} (±{tol})");
}

#[test]
fn exact_values_are_the_textbook_ones() {
    // the reference itself, against the textbook's rounded numbers
    let ex = exact();
    assert!((ex.s - 1.94).abs() < 1e-12);
    assert_eq!(round(ex.out, 3), 0.874);
    assert_eq!(round(ex.out, 6), 0.874352);
    assert_eq!(round(ex.e, 4), 0.3565);
    assert_eq!(round(ex.delta, 4), 0.0928);
    assert_eq!(round(ex.w1, 4), 0.4999);
    assert_eq!(round(ex.w2, 4), 0.1997);
    assert_eq!(round(ex.b, 4), 1.8291);
}

#[test]
fn forward_pass() {
    let ex = exact();
    let net = neuron();
    let [out] = net.predict(&[X[0] as f32, X[1] as f32]);
    assert_close("out", out, ex.out, 1e-6);
    assert_eq!(round(out as f64, 3), 0.874);
    assert_eq!(round(out as f64, 4), 0.8744);
}

#[test]
fn loss_and_gradient() {
    let ex = exact();
    let net = neuron();
    let (e, g) = net.loss_and_grad(&[[X[0] as f32, X[1] as f32]], &[[T as f32]], &SumSquaredError).unwrap();
    assert_close("E", e, ex.e, 1e-6);
    // ∂E/∂w_i = δ·x_i, ∂E/∂b = δ
    assert_close("dE/dw1", g.weights[0][0], ex.delta * X[0], 1e-6);
    assert_close("dE/dw2", g.weights[0][1], ex.delta * X[1], 1e-6);
    assert_close("dE/db", g.bias[0], ex.delta, 1e-6);
    assert_eq!(g.as_slice().len(), 3);
}

#[test]
fn one_sgd_step() {
    let ex = exact();
    let mut net = neuron();
    let mut opt = Sgd::new(LR as f32);
    let mut rng = rng(0);
    let x = [X[0] as f32, X[1] as f32];
    let e = net.train_step(&[x], &[[T as f32]], &SumSquaredError, &mut opt, &mut rng).unwrap();
    // the loss of the forward pass before the update
    assert_close("E", e, ex.e, 1e-6);
    let [w1, w2] = net.weights[0];
    let b = net.bias[0];
    assert_close("w1'", w1, ex.w1, 1e-6);
    assert_close("w2'", w2, ex.w2, 1e-6);
    assert_close("b'", b, ex.b, 1e-6);
    // the rounded textbook values
    assert_eq!(round(w1 as f64, 4), 0.4999);
    assert_eq!(round(w2 as f64, 4), 0.1997);
    assert_eq!(round(b as f64, 4), 1.8291);
    // params() order: w1, w2, b
    assert_eq!(net.params(), &[w1, w2, b]);
    // the step went downhill
    let [out] = net.predict(&x);
    let e_after = 0.5 * (out as f64 - T).powi(2);
    assert!(e_after < ex.e, "E after the step {e_after} is not below {}", ex.e);
    let s_after = ex.w1 * X[0] + ex.w2 * X[1] + ex.b;
    assert_close("out after", out, 1.0 / (1.0 + (-s_after).exp()), 1e-6);
}
