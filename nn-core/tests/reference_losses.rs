//! Losses against PyTorch in float64: `tests/reference/losses.json`, written
//! by `tests/reference/losses.py` (see `tests/reference/README.md`).
//!
//! Every number (per-sample loss, batch-mean loss, gradient of the batch mean
//! with respect to the prediction, the logits, or the parameters of a network)
//! must satisfy `|ours − torch| ≤ 1e-5 · max(1, |torch|)`.

mod common;

use common::{arrays, flat_f32, list, load, num, rows, Report};
use nn_core::{
    BinaryCrossEntropy, Chain, CrossEntropy, Dense, EpsilonInsensitive, Hinge, Huber, Identity, Layer, LogCosh, Loss,
    Mae, Mse, MultiClassHinge, Network, PReLU, Quantile, Sigmoid, Softmax, SumSquaredError, Tanh,
};
use serde_json::Value;

/// The loss a JSON spec such as `{"name": "Huber", "delta": 0.5}` names.
fn loss_from(spec: &Value) -> Box<dyn Loss> {
    let param = |key: &str| num(&spec[key]) as f32;
    match spec["name"].as_str().expect("loss name") {
        "Mse" => Box::new(Mse),
        "SumSquaredError" => Box::new(SumSquaredError),
        "Mae" => Box::new(Mae),
        "Huber" => Box::new(Huber::new(param("delta"))),
        "LogCosh" => Box::new(LogCosh),
        "Quantile" => Box::new(Quantile::new(param("q"))),
        "EpsilonInsensitive" => Box::new(EpsilonInsensitive::new(param("epsilon"))),
        "BinaryCrossEntropy" => Box::new(BinaryCrossEntropy),
        "CrossEntropy" => Box::new(CrossEntropy),
        "Hinge" => Box::new(Hinge),
        "MultiClassHinge" => Box::new(MultiClassHinge),
        other => panic!("unknown loss {other} in losses.json"),
    }
}

fn label(case: &Value) -> String {
    format!("{} {}", case["loss"], case["case"].as_str().unwrap_or(""))
}

/// Per-sample losses, batch mean and gradient of the batch mean, for every
/// loss on every case (regular values, kinks, probabilities of exactly 0 and 1,
/// predictions of ±30 and ±1000).
#[test]
fn losses_match_torch() {
    let json = load("losses.json");
    let mut report = Report::default();
    let mut names = std::collections::BTreeSet::new();
    for case in json["losses"].as_array().expect("losses") {
        let what = label(case);
        let loss = loss_from(&case["loss"]);
        names.insert(case["loss"]["name"].as_str().unwrap().to_string());
        let preds = rows(&case["pred"]);
        let targets = rows(&case["target"]);
        let per_sample = list(&case["per_sample"]);
        let torch_grad = rows(&case["grad"]);
        let batch = preds.len() as f32;
        let mut total = 0.0f32;
        for (i, (p, t)) in preds.iter().zip(&targets).enumerate() {
            let p: Vec<f32> = p.iter().map(|&x| x as f32).collect();
            let t: Vec<f32> = t.iter().map(|&x| x as f32).collect();
            let l = loss.loss(&p, &t);
            assert!(l.is_finite(), "{what}: loss of sample {i} is {l}");
            report.check(|| format!("{what}: loss of sample {i}"), l, per_sample[i]);
            total += l;
            let mut g = vec![f32::NAN; p.len()];
            loss.grad(&p, &t, &mut g);
            assert!(g.iter().all(|g| g.is_finite()), "{what}: gradient of sample {i} is {g:?}");
            let g: Vec<f32> = g.iter().map(|g| g / batch).collect();
            report.check_all(&format!("{what}: grad of sample {i}"), &g, &torch_grad[i]);
        }
        report.check(|| format!("{what}: batch mean"), total / batch, num(&case["value"]));
    }
    let expected = [
        "BinaryCrossEntropy",
        "CrossEntropy",
        "EpsilonInsensitive",
        "Hinge",
        "Huber",
        "LogCosh",
        "Mae",
        "Mse",
        "MultiClassHinge",
        "Quantile",
        "SumSquaredError",
    ];
    assert_eq!(names.iter().map(String::as_str).collect::<Vec<_>>(), expected, "losses covered by losses.json");
    report.finish("losses on predictions");
}

/// CrossEntropy after a Softmax, from the logits (`softmax_loss_and_grad`),
/// against torch `CrossEntropyLoss` on the logits with probability targets,
/// including logits of ±30 and ±1000.
#[test]
fn cross_entropy_on_logits_matches_torch() {
    let json = load("losses.json");
    let mut report = Report::default();
    for case in json["cross_entropy_logits"].as_array().expect("cross_entropy_logits") {
        let what = label(case);
        let logits = rows(&case["logits"]);
        let targets = rows(&case["target"]);
        let per_sample = list(&case["per_sample"]);
        let torch_grad = rows(&case["grad"]);
        let batch = logits.len() as f32;
        let mut total = 0.0f32;
        for (i, (z, t)) in logits.iter().zip(&targets).enumerate() {
            let z: Vec<f32> = z.iter().map(|&x| x as f32).collect();
            let t: Vec<f32> = t.iter().map(|&x| x as f32).collect();
            let mut p = vec![0.0; z.len()];
            nn_core::Activation::forward(&Softmax, &z, &mut p, z.len());
            let mut g = vec![f32::NAN; z.len()];
            let l = CrossEntropy.softmax_loss_and_grad(&z, &p, &t, &mut g);
            assert!(l.is_finite() && g.iter().all(|g| g.is_finite()), "{what}: sample {i}: loss {l}, grad {g:?}");
            report.check(|| format!("{what}: loss of sample {i}"), l, per_sample[i]);
            total += l;
            let g: Vec<f32> = g.iter().map(|g| g / batch).collect();
            report.check_all(&format!("{what}: grad of sample {i}"), &g, &torch_grad[i]);
        }
        report.check(|| format!("{what}: batch mean"), total / batch, num(&case["value"]));
    }
    report.finish("CrossEntropy on logits");
}

type TanhIdentity = Chain<Dense<3, 4, Tanh>, Dense<4, 3, Identity>>;
type PreluIdentity = Chain<Dense<3, 4, PReLU>, Dense<4, 3, Identity>>;
type TanhSigmoid = Chain<Dense<3, 4, Tanh>, Dense<4, 3, Sigmoid>>;
type TanhSoftmax = Chain<Dense<3, 4, Tanh>, Dense<4, 3, Softmax>>;

/// `loss_and_grad` of the network `N` on one case of losses.json: the batch
/// mean and the parameter gradient (state_dict order).
fn network_case<N>(case: &Value, report: &mut Report)
where
    N: Network + Layer<Input = [f32; 3], Output = [f32; 3]>,
{
    let what = format!(
        "{} {}{}",
        case["arch"].as_str().unwrap(),
        case["loss"],
        if case["extreme"] == true { " extreme" } else { "" }
    );
    let mut net = N::zeroed_boxed();
    let params: Vec<f32> = list(&case["params"]).iter().map(|&x| x as f32).collect();
    net.set_params(&params).expect("parameter count of the reference network");
    let xs = arrays::<3>(&case["xs"]);
    let ys = arrays::<3>(&case["ys"]);
    let loss = loss_from(&case["loss"]);
    let (value, grad) = net.loss_and_grad(&xs, &ys, &&*loss).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(grad.as_slice().iter().all(|g| g.is_finite()), "{what}: gradient {grad:?}");
    report.check(|| format!("{what}: batch mean loss"), value, num(&case["value"]));
    report.check_all(&format!("{what}: parameter grad"), grad.as_slice(), &list(&case["grad"]));
}

/// The batch mean through the Network API: `Chain<Dense<3, 4, H>, Dense<4, 3, O>>`
/// with the weights of a torch `nn.Sequential` (Linear, Tanh/PReLU, Linear,
/// Sigmoid/Softmax), every loss; after a Softmax, CrossEntropy takes the fused
/// logit path (torch: CrossEntropyLoss on the Linear output) and the other
/// losses the softmax Jacobian. Includes output biases of ±1000 (saturated
/// sigmoids, one-hot softmaxes).
#[test]
fn networks_match_torch() {
    let json = load("losses.json");
    let mut report = Report::default();
    let cases = json["networks"].as_array().expect("networks");
    for case in cases {
        match case["arch"].as_str().expect("arch") {
            "tanh_identity" => network_case::<TanhIdentity>(case, &mut report),
            "prelu_identity" => network_case::<PreluIdentity>(case, &mut report),
            "tanh_sigmoid" => network_case::<TanhSigmoid>(case, &mut report),
            "tanh_softmax" => network_case::<TanhSoftmax>(case, &mut report),
            other => panic!("unknown architecture {other} in losses.json"),
        }
    }
    report.finish(&format!("networks ({} cases)", cases.len()));
}

/// Every loss at the extremes, on inputs that are not in the JSON: finite loss
/// and gradient for probabilities 0, 1, subnormal and 1 − 2⁻²⁴ (the losses of
/// probabilities), and for predictions of 0, ±30, ±1000 and ±f32::MAX/4 (the others).
#[test]
fn extremes_give_finite_loss_and_gradient() {
    let probability: [&dyn Loss; 2] = [&BinaryCrossEntropy, &CrossEntropy];
    let real: [&dyn Loss; 11] = [
        &Mse,
        &SumSquaredError,
        &Mae,
        &Huber::new(1.0),
        &LogCosh,
        &Quantile::new(0.9),
        &EpsilonInsensitive::new(0.5),
        &Hinge,
        &MultiClassHinge,
        &BinaryCrossEntropy,
        &CrossEntropy,
    ];
    let probs = [0.0, 1.0, 1e-45, 1e-30, 1.0 - f32::EPSILON / 2.0, 0.5];
    let prob_targets = [0.0, 1.0, 0.5, 1e-45];
    for loss in probability {
        for &a in &probs {
            for &b in &probs {
                for &y in &prob_targets {
                    let (p, t) = ([a, b, 1.0 - a], [y, 1.0 - y, 0.0]);
                    let mut g = [f32::NAN; 3];
                    loss.grad(&p, &t, &mut g);
                    let l = loss.loss(&p, &t);
                    assert!(l.is_finite() && g.iter().all(|g| g.is_finite()), "{p:?} {t:?}: {l} {g:?}");
                }
            }
        }
    }
    let preds = [0.0, 30.0, -30.0, 1000.0, -1000.0, 1e-7];
    let targets = [0.0, 1.0, -1.0, 1000.0, -1000.0];
    for loss in &real[..9] {
        for &a in &preds {
            for &y in &targets {
                let (p, t) = ([a, -a, 0.5], [y, 1.0, -y]);
                let mut g = [f32::NAN; 3];
                loss.grad(&p, &t, &mut g);
                let l = loss.loss(&p, &t);
                assert!(l.is_finite() && g.iter().all(|g| g.is_finite()), "{p:?} {t:?}: {l} {g:?}");
            }
        }
        // Errors so large that squaring overflows are the only way to infinity.
        let big = f32::MAX / 4.0;
        let mut g = [f32::NAN; 2];
        loss.grad(&[big, -big], &[0.0, 1.0], &mut g);
        assert!(g.iter().all(|g| g.is_finite()), "{g:?}");
    }
    // Logits of ±1000 through CrossEntropy's fused path.
    for z in [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, 1000.0]] {
        for y in [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]] {
            let mut p = [0.0; 3];
            nn_core::Activation::forward(&Softmax, &z, &mut p, 3);
            let mut g = [f32::NAN; 3];
            let l = CrossEntropy.softmax_loss_and_grad(&z, &p, &y, &mut g);
            assert!(l.is_finite() && g.iter().all(|g| g.is_finite()), "{z:?} {y:?}: {l} {g:?}");
        }
    }
}

/// Through the network: output biases of ±1000 on an Identity, a Sigmoid and
/// a Softmax output, every loss that applies: `loss_and_grad` succeeds (a
/// non-finite loss would be an error) and every gradient is finite.
#[test]
fn saturated_networks_train_with_every_loss() {
    fn run<N: Network + Layer<Input = [f32; 3], Output = [f32; 3]>>(losses: &[&dyn Loss], name: &str) {
        let mut net = N::zeroed_boxed();
        let mut rng = nn_core::rng(3);
        net.init(&mut rng);
        let n = net.params().len();
        // the last three parameters are the output biases
        net.params_mut()[n - 3..].copy_from_slice(&[1000.0, -1000.0, 0.0]);
        let xs = [[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [-3.0, 1.0, 0.25]];
        let ys = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.25, 0.25, 0.5]];
        for loss in losses {
            let (l, g) = net.loss_and_grad(&xs, &ys, loss).unwrap_or_else(|e| panic!("{name} {loss:p}: {e}"));
            assert!(l.is_finite() && g.as_slice().iter().all(|g| g.is_finite()), "{name}: {l} {g:?}");
        }
    }
    let regression: [&dyn Loss; 9] = [
        &Mse,
        &SumSquaredError,
        &Mae,
        &Huber::new(1.0),
        &LogCosh,
        &Quantile::new(0.1),
        &EpsilonInsensitive::new(0.1),
        &Hinge,
        &MultiClassHinge,
    ];
    let all: Vec<&dyn Loss> =
        regression.iter().copied().chain([&BinaryCrossEntropy as &dyn Loss, &CrossEntropy]).collect();
    run::<TanhIdentity>(&regression, "identity");
    run::<TanhSigmoid>(&all, "sigmoid");
    run::<TanhSoftmax>(&all, "softmax");
}

/// The inputs in losses.json are float32 numbers (so the references are exact
/// for what the Rust side reads).
#[test]
fn reference_inputs_are_f32() {
    let json = load("losses.json");
    let mut n = 0;
    for case in json["losses"].as_array().unwrap() {
        for key in ["pred", "target"] {
            for x in rows(&case[key]).into_iter().flatten() {
                assert_eq!(f64::from(x as f32), x, "{key} of {}", label(case));
                n += 1;
            }
        }
    }
    for case in json["networks"].as_array().unwrap() {
        for x in list(&case["params"]).into_iter().chain(flat_f32(&case["xs"]).into_iter().map(f64::from)) {
            assert_eq!(f64::from(x as f32), x);
            n += 1;
        }
    }
    assert!(n > 100);
}
