//! The image layers against PyTorch in float64: `tests/reference/conv.json`,
//! written by `tests/reference/conv.py` (the same `nn.Sequential`, the same
//! float32 parameters and inputs). Checks the outputs, the batch-mean
//! cross-entropy and every parameter gradient, through `network!` types, so
//! that the layout (CHW, torch's `Flatten` order) and the parameter order
//! (`state_dict`) are checked too.

use nn::prelude::*;
use serde_json::Value;

type LeNetLike = nn::network![
    Input<2, 8, 8>,
    Conv2d<2, 3, 3, ReLU, padding = 1>,
    MaxPool2d<2>,
    Conv2d<3, 4, 3, Tanh, stride = 2, padding = 1>,
    AvgPool2d<2>,
    Flatten,
    Dense<4, 3, Softmax>
];

type Strided = nn::network![
    Input<3, 7, 5>,
    Conv2d<3, 4, 3, Sigmoid, stride = 2>,
    Conv2d<4, 2, 1>,
    Flatten,
    Dense<12, 3, Softmax>
];

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number") as f32).collect()
}

fn rows<const W: usize>(v: &Value) -> Vec<[f32; W]> {
    v.as_array().expect("rows").iter().map(|r| floats(r).try_into().expect("row width")).collect()
}

fn close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol * scale.max(1e-3), "{what}[{i}]: nn {g} vs torch {w} (scale {scale})");
    }
}

fn check<N: Network<Input = [f32; I], Output = [f32; 3]>, const I: usize>(case: &Value) {
    let name = case["name"].as_str().expect("name");
    let mut net = N::zeroed_boxed();
    let params = floats(&case["params"]);
    assert_eq!(params.len(), N::PARAMS, "{name}: parameter count");
    net.params_mut().copy_from_slice(&params);
    let xs: Vec<[f32; I]> = rows(&case["inputs"]);
    let ys: Vec<[f32; 3]> = rows(&case["targets"]);
    let want: Vec<[f32; 3]> = rows(&case["outputs"]);
    let mut out = vec![[0.0; 3]; xs.len()];
    net.predict_batch(&xs, &mut out).expect("predict_batch");
    for (s, (x, o)) in xs.iter().zip(&out).enumerate() {
        close(&format!("{name} predict_batch[{s}]"), o, &want[s], 1e-5);
        close(&format!("{name} predict[{s}]"), &net.predict(x), &want[s], 1e-5);
    }
    let (loss, grad) = net.loss_and_grad(&xs, &ys, &CrossEntropy).expect("loss_and_grad");
    let want_loss = case["loss"].as_f64().expect("loss") as f32;
    assert!((loss - want_loss).abs() <= 1e-5 * want_loss.abs().max(1.0), "{name}: loss {loss} vs torch {want_loss}");
    close(&format!("{name} grad"), grad.as_slice(), &floats(&case["grad"]), 1e-4);
    println!("{name}: {} params, loss {loss} (torch {want_loss})", N::PARAMS);
}

#[test]
fn image_layers_match_pytorch() {
    let json: Value = serde_json::from_str(include_str!("reference/conv.json")).expect("conv.json");
    let cases = json["cases"].as_array().expect("cases");
    check::<LeNetLike, 128>(&cases[0]);
    check::<Strided, 105>(&cases[1]);
}
