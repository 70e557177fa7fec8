//! Activations against PyTorch in float64: `tests/reference/activations.json`,
//! written by `tests/reference/losses.py` (see `tests/reference/README.md`).
//!
//! For every activation: the values `f(z)` and the vector-Jacobian product
//! `∂C/∂z` for a fixed upstream gradient `∂C/∂a` (what `backward` computes),
//! at and near 0, at kinks and thresholds (Softplus at 20), and at ±30, ±100
//! and ±1000; for PReLU also `∂C/∂α`. Every number must satisfy
//! `|ours − torch| ≤ 1e-5 · max(1, |torch|)`.

mod common;

use common::{flat_f32, load, num, rows, Report};
use nn_core::{f32_bits, Activation, Identity, LeakyReLU, PReLU, ReLU, Sigmoid, Softmax, Softplus, Tanh, ELU};
use serde_json::Value;

/// Forward and backward of `act` on one entry of activations.json.
fn check<A: Activation>(act: A, entry: &Value, report: &mut Report) -> A {
    let what = entry["torch"].as_str().expect("torch description").to_string();
    let width = entry["width"].as_u64().expect("width") as usize;
    let z = flat_f32(&entry["z"]);
    let torch_a: Vec<f64> = rows(&entry["a"]).into_iter().flatten().collect();
    let torch_vjp: Vec<f64> = rows(&entry["vjp"]).into_iter().flatten().collect();

    let mut a = vec![f32::NAN; z.len()];
    act.forward(&z, &mut a, width);
    report.check_all(&format!("{what}: f(z)"), &a, &torch_a);

    let mut d = flat_f32(&entry["upstream"]);
    let mut grad: A = bytemuck::Zeroable::zeroed();
    act.backward(&z, &a, &mut d, width, &mut grad);
    report.check_all(&format!("{what}: vjp"), &d, &torch_vjp);
    for (i, (&z, (&a, &d))) in z.iter().zip(a.iter().zip(&d)).enumerate() {
        assert!(a.is_finite() && d.is_finite(), "{what}: z[{i}] = {z}: f = {a}, vjp = {d}");
    }
    grad
}

#[test]
fn activations_match_torch() {
    let json = load("activations.json");
    let mut report = Report::default();
    let mut seen = Vec::new();
    for entry in json["activations"].as_array().expect("activations") {
        let name = entry["name"].as_str().expect("name");
        let alpha = entry["params"].get("alpha").map(num);
        match (name, alpha) {
            ("Identity", None) => {
                check(Identity, entry, &mut report);
            }
            ("Sigmoid", None) => {
                check(Sigmoid, entry, &mut report);
            }
            ("Tanh", None) => {
                check(Tanh, entry, &mut report);
            }
            ("ReLU", None) => {
                check(ReLU, entry, &mut report);
            }
            ("LeakyReLU", Some(0.01)) => {
                // bare LeakyReLU is torch's default slope
                assert_eq!(LeakyReLU::<{ f32_bits(0.01) }>::ALPHA, <LeakyReLU>::ALPHA);
                check::<LeakyReLU>(LeakyReLU, entry, &mut report);
            }
            ("LeakyReLU", Some(0.2)) => {
                check(LeakyReLU::<{ f32_bits(0.2) }>, entry, &mut report);
            }
            ("PReLU", Some(alpha)) => {
                let grad = check(PReLU { alpha: alpha as f32 }, entry, &mut report);
                report.check(|| "nn.PReLU(): d/d weight".into(), grad.alpha, num(&entry["alpha_grad"]));
            }
            ("ELU", Some(1.0)) => {
                assert_eq!(<ELU>::ALPHA, 1.0);
                check::<ELU>(ELU, entry, &mut report);
            }
            ("ELU", Some(0.5)) => {
                check(ELU::<{ f32_bits(0.5) }>, entry, &mut report);
            }
            ("Softplus", None) => {
                check(Softplus, entry, &mut report);
            }
            ("Softmax", None) => {
                check(Softmax, entry, &mut report);
            }
            other => panic!("no Rust activation for {other:?} in activations.json"),
        }
        seen.push(entry["torch"].as_str().unwrap().to_string());
    }
    assert_eq!(seen.len(), 11, "activations covered: {seen:?}");
    report.finish("activations");
}

/// PReLU initializes its slope to torch's 0.25.
#[test]
fn prelu_starts_at_torch_default() {
    let mut p = PReLU::default();
    p.init();
    assert_eq!(p.alpha, 0.25);
}
