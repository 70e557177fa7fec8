//! Initializers: sample mean, variance and shape of the distribution on
//! large layers, against the formulas of `torch.nn.init` (gain 1, He with
//! fan-in). Tolerances are 5 standard errors of the statistic for the
//! layer's number of weights n: `σ/√n` for the mean, `√((μ₄ − σ⁴)/n)` for the
//! variance (μ₄ = 3σ⁴ for a normal, 9σ⁴/5 for a uniform). The shape is
//! checked by the kurtosis μ₄/σ⁴ (3 normal, 1.8 uniform) within ±0.05, about
//! 5·√(24/n) for n = 262,144, and by the range: |w| ≤ a (and close to a) for
//! U(−a, a), values beyond 4σ for a normal.

use nn_core::init::Init;
use nn_core::{Chain, Dense, Dropout, Identity, Layer, Network, PReLU, ReLU, Tanh};

#[derive(Debug)]
struct Stats {
    n: f64,
    mean: f64,
    var: f64,
    kurtosis: f64,
    max_abs: f64,
}

fn stats(w: &[f32]) -> Stats {
    let n = w.len() as f64;
    let mean = w.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let m2 = w.iter().map(|&x| (f64::from(x) - mean).powi(2)).sum::<f64>() / n;
    let m4 = w.iter().map(|&x| (f64::from(x) - mean).powi(4)).sum::<f64>() / n;
    let max_abs = w.iter().fold(0.0f64, |m, &x| m.max(f64::from(x).abs()));
    Stats { n, mean, var: m2, kurtosis: m4 / (m2 * m2), max_abs }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    Normal,
    /// Uniform on [−a, a].
    Uniform(f64),
    Zero,
}

/// The distribution `torch.nn.init` gives for each scheme: (variance, shape).
fn expected(init: Init, fan_in: usize, fan_out: usize) -> (f64, Shape) {
    let (fi, fo) = (fan_in as f64, fan_out as f64);
    let uniform = |a: f64| (a * a / 3.0, Shape::Uniform(a));
    match init {
        Init::Zeros => (0.0, Shape::Zero),
        Init::Normal(std) => (f64::from(std).powi(2), Shape::Normal),
        Init::Uniform(a) => uniform(f64::from(a)),
        Init::XavierUniform => uniform((6.0 / (fi + fo)).sqrt()),
        Init::XavierNormal => (2.0 / (fi + fo), Shape::Normal),
        Init::HeUniform => uniform((6.0 / fi).sqrt()),
        Init::HeNormal => (2.0 / fi, Shape::Normal),
    }
}

fn check(what: &str, w: &[f32], var: f64, shape: Shape) {
    let s = stats(w);
    if shape == Shape::Zero {
        assert!(w.iter().all(|&x| x == 0.0), "{what}: not all zero");
        return;
    }
    let mu4 = match shape {
        Shape::Normal => 3.0 * var * var,
        _ => 1.8 * var * var,
    };
    let mean_tol = 5.0 * (var / s.n).sqrt();
    let var_tol = 5.0 * ((mu4 - var * var) / s.n).sqrt();
    assert!(s.mean.abs() <= mean_tol, "{what}: mean {} beyond ±{mean_tol:e} ({s:?})", s.mean);
    assert!((s.var - var).abs() <= var_tol, "{what}: variance {} vs {var} ± {var_tol:e} ({s:?})", s.var);
    match shape {
        Shape::Uniform(a) => {
            assert!(s.max_abs <= a * (1.0 + 1e-6), "{what}: |w| up to {} beyond a = {a}", s.max_abs);
            assert!(s.max_abs >= a * 0.999, "{what}: |w| only up to {} (a = {a})", s.max_abs);
            assert!((s.kurtosis - 1.8).abs() < 0.05, "{what}: kurtosis {} is not a uniform's 1.8", s.kurtosis);
        }
        Shape::Normal => {
            assert!((s.kurtosis - 3.0).abs() < 0.05, "{what}: kurtosis {} is not a normal's 3", s.kurtosis);
            assert!(s.max_abs > 4.0 * var.sqrt(), "{what}: no tail beyond 4σ ({s:?})");
        }
        Shape::Zero => unreachable!(),
    }
}

const SCHEMES: [Init; 7] = [
    Init::Zeros,
    Init::Normal(0.05),
    Init::Uniform(0.1),
    Init::XavierUniform,
    Init::XavierNormal,
    Init::HeUniform,
    Init::HeNormal,
];

#[test]
fn every_scheme_on_a_square_layer() {
    let mut rng = nn_core::rng(1);
    let mut layer = Dense::<512, 512, Identity>::zeroed_boxed();
    for init in SCHEMES {
        layer.bias.fill(1.0);
        layer.init_with(init, &mut rng);
        let (var, shape) = expected(init, 512, 512);
        check(&format!("{init:?} 512x512"), layer.weights.as_flattened(), var, shape);
        assert!(layer.bias.iter().all(|&b| b == 0.0), "{init:?}: biases start at 0");
    }
}

/// Fan-in and fan-out differ: He uses IN only, Xavier both.
#[test]
fn every_scheme_on_a_wide_layer() {
    let mut rng = nn_core::rng(2);
    let mut layer = Dense::<256, 1024, Identity>::zeroed_boxed();
    for init in SCHEMES {
        layer.init_with(init, &mut rng);
        let (var, shape) = expected(init, 256, 1024);
        check(&format!("{init:?} 256->1024"), layer.weights.as_flattened(), var, shape);
    }
    // Init::fill on a bare slice, with the fans given explicitly.
    let mut w = vec![0.0f32; 300_000];
    Init::HeNormal.fill(&mut w, 1000, 10, &mut rng);
    check("HeNormal fill fan_in 1000", &w, 2.0 / 1000.0, Shape::Normal);
}

/// `init` uses the activation's default: He uniform for ReLU, Xavier uniform for Tanh.
#[test]
fn default_init_follows_the_activation() {
    let mut rng = nn_core::rng(3);
    let relu = Dense::<512, 256, ReLU>::boxed(&mut rng);
    let (var, shape) = expected(Init::HeUniform, 512, 256);
    check("Dense<512, 256, ReLU>", relu.weights.as_flattened(), var, shape);
    let tanh = Dense::<512, 256, Tanh>::boxed(&mut rng);
    let (var, shape) = expected(Init::XavierUniform, 512, 256);
    check("Dense<512, 256, Tanh>", tanh.weights.as_flattened(), var, shape);
}

/// On a chain, `init_with` reaches every Dense with its own fans; other
/// layers and activation parameters get their defaults.
#[test]
fn init_with_on_a_network() {
    type Net = Chain<Dense<400, 300, PReLU>, Chain<Dropout<300, 0>, Dense<300, 500, Tanh>>>;
    let mut rng = nn_core::rng(4);
    let mut net = Net::zeroed_boxed();
    net.params_mut().fill(7.0);
    net.init_with(Init::HeNormal, &mut rng);
    let first = &net.first;
    let last = &net.rest.rest;
    check("layer 1", first.weights.as_flattened(), 2.0 / 400.0, Shape::Normal);
    check("layer 3", last.weights.as_flattened(), 2.0 / 300.0, Shape::Normal);
    assert!(first.bias.iter().chain(&last.bias).all(|&b| b == 0.0));
    assert_eq!(first.activation.alpha, 0.25, "the PReLU slope is reset to its initial value");

    // Per layer: only that layer changes.
    let before = net.rest.rest.weights;
    net.first.init_with(Init::Zeros, &mut rng);
    assert!(net.first.weights.as_flattened().iter().all(|&w| w == 0.0));
    assert_eq!(net.rest.rest.weights, before);
}

#[test]
fn same_seed_same_weights() {
    let mut a = Dense::<64, 32, Identity>::zeros();
    let mut b = Dense::<64, 32, Identity>::zeros();
    a.init_with(Init::XavierNormal, &mut nn_core::rng(9));
    b.init_with(Init::XavierNormal, &mut nn_core::rng(9));
    assert_eq!(a.params(), b.params());
}
