//! safetensors with PyTorch, both directions, against the files of
//! `tests/reference/safetensors_interop.py` (see that script and the README
//! there). `NN_REGENERATE_REFERENCE=1 cargo test --test safetensors_interop`
//! rewrites the files written by nn, which the script then loads in torch.

use std::collections::HashMap;
use std::path::PathBuf;

use nn::io::LoadOptions;
use nn::prelude::*;
use nn::safetensors::{self, Keys};
use serde_json::Value;

type Seq =
    nn::network![Dense<4, 8, ReLU>, Dropout<0.25>, Dense<8, 6, PReLU>, ELU, Dense<6, 5>, Tanh, Dense<5, 3, Softmax>];

nn::network! {
    pub struct Named {
        hidden: Dense<4, 8, PReLU>,
        drop: Dropout<0.25>,
        act: LeakyReLU<0.2>,
        mid: Dense<8, 6, Tanh>,
        slope: PReLU,
        out: Dense<6, 2, Sigmoid>,
    }
}

fn reference(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference").join(file)
}

fn json(file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(reference(file)).unwrap()).unwrap()
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()).collect()
}

fn inputs() -> Vec<[f32; 4]> {
    matrix(&json("safetensors_interop.json")["inputs"])
        .iter()
        .map(|r| [r[0] as f32, r[1] as f32, r[2] as f32, r[3] as f32])
        .collect()
}

fn outputs<N: Network<Input = [f32; 4]>>(net: &N) -> Vec<Vec<f64>> {
    inputs().iter().map(|x| net.predict(x).as_ref().iter().map(|&y| y as f64).collect()).collect()
}

fn max_error(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs())).fold(0.0, f64::max)
}

#[test]
fn keys_are_those_of_the_torch_modules() {
    let names = |keys| -> Vec<(String, Vec<usize>)> {
        safetensors::tensors::<Seq>(keys).unwrap().into_iter().map(|t| (t.name, t.shape)).collect()
    };
    let expected = json("safetensors_interop.json");
    for (specs, entry) in [
        (names(Keys::Sequential), &expected["sequential"]),
        (
            safetensors::tensors::<Named>(Keys::LayerNames).unwrap().into_iter().map(|t| (t.name, t.shape)).collect(),
            &expected["named"],
        ),
    ] {
        let torch: HashMap<String, Vec<usize>> = entry["keys"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect()))
            .collect();
        assert_eq!(specs.len(), torch.len());
        for (name, shape) in specs {
            assert_eq!(torch.get(&name), Some(&shape), "{name}");
        }
    }
    let seq: Vec<String> = names(Keys::Sequential).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        seq,
        ["0.weight", "0.bias", "3.weight", "3.bias", "4.weight", "6.weight", "6.bias", "8.weight", "8.bias"]
    );
    let e = safetensors::tensors::<Seq>(Keys::LayerNames).unwrap_err().to_string();
    assert!(e.contains("no layer names"), "{e}");
}

#[test]
fn torch_to_nn_outputs_match() {
    let expected = json("safetensors_interop.json");
    let seq: Box<Seq> =
        safetensors::load(reference("safetensors_torch_sequential.safetensors"), Keys::Sequential).unwrap();
    let err = max_error(&outputs(&*seq), &matrix(&expected["sequential"]["outputs"]));
    println!("torch -> nn, Sequential keys: max |nn - torch| = {err:.3e}");
    assert!(err <= 1e-5, "{err}");
    assert_eq!(seq.params()[8 * 4 + 8 + 6 * 8 + 6], 0.1, "the PReLU slope is `4.weight`");

    let named: Box<Named> =
        safetensors::load(reference("safetensors_torch_named.safetensors"), Keys::LayerNames).unwrap();
    let err = max_error(&outputs(&*named), &matrix(&expected["named"]["outputs"]));
    println!("torch -> nn, layer-name keys: max |nn - torch| = {err:.3e}");
    assert!(err <= 1e-5, "{err}");
    assert_eq!((named.hidden.activation.alpha, named.slope.activation.alpha), (-0.3, 0.6));

    // The other naming does not fit: a clear error, not a silent mix-up.
    let Err(e) = safetensors::load::<Named>(reference("safetensors_torch_sequential.safetensors"), Keys::Sequential)
    else {
        panic!("loaded a file of another network")
    };
    assert!(e.to_string().contains("missing tensor `1.weight` (expected F32 of shape [1])"), "{e}");
}

/// The networks nn writes for torch: seeded, with PReLU slopes that are not the default.
fn rust_networks() -> (Box<Seq>, Box<Named>) {
    let mut seq = Seq::boxed(&mut nn::rng(11));
    seq.rest.rest.first.activation.alpha = -0.2;
    let mut named = Named::boxed(&mut nn::rng(12));
    named.hidden.activation.alpha = 0.05;
    named.slope.activation.alpha = 0.4;
    (seq, named)
}

#[test]
fn nn_to_torch_files_are_current() {
    let (seq, named) = rust_networks();
    if std::env::var_os("NN_REGENERATE_REFERENCE").is_some() {
        safetensors::save(&*seq, reference("safetensors_rust_sequential.safetensors"), Keys::Sequential).unwrap();
        safetensors::save(&*named, reference("safetensors_rust_named.safetensors"), Keys::LayerNames).unwrap();
        let record = serde_json::json!({
            "inputs": inputs().iter().map(|x| x.iter().map(|&v| v as f64).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "sequential": { "file": "safetensors_rust_sequential.safetensors", "outputs": outputs(&*seq) },
            "named": { "file": "safetensors_rust_named.safetensors", "outputs": outputs(&*named) },
        });
        let text = serde_json::to_string_pretty(&record).unwrap() + "\n";
        std::fs::write(reference("safetensors_rust_outputs.json"), text).unwrap();
    }
    // The committed files hold exactly these networks, and the recorded
    // outputs are what nn computes (torch checks its own against them).
    let recorded = json("safetensors_rust_outputs.json");
    let s: Box<Seq> =
        safetensors::load(reference("safetensors_rust_sequential.safetensors"), Keys::Sequential).unwrap();
    assert_eq!(s.params(), seq.params());
    assert!(max_error(&outputs(&*seq), &matrix(&recorded["sequential"]["outputs"])) < 1e-12);
    let n: Box<Named> = safetensors::load(reference("safetensors_rust_named.safetensors"), Keys::LayerNames).unwrap();
    assert_eq!(n.params(), named.params());
    assert!(max_error(&outputs(&*named), &matrix(&recorded["named"]["outputs"])) < 1e-12);
}

#[test]
fn round_trip_both_namings() {
    let (seq, named) = rust_networks();
    let bytes = safetensors::to_bytes(&*seq, Keys::Sequential).unwrap();
    assert_eq!(safetensors::from_bytes::<Seq>(&bytes, Keys::Sequential).unwrap().params(), seq.params());
    let bytes = safetensors::to_bytes(&*named, Keys::LayerNames).unwrap();
    assert_eq!(safetensors::from_bytes::<Named>(&bytes, Keys::LayerNames).unwrap().params(), named.params());
    // Item form with Sequential keys works too (same torch Sequential).
    let bytes = safetensors::to_bytes(&*named, Keys::Sequential).unwrap();
    assert_eq!(safetensors::from_bytes::<Named>(&bytes, Keys::Sequential).unwrap().params(), named.params());
}

/// A safetensors file made by hand: (name, dtype, shape, bytes).
fn file(tensors: &[(&str, &str, &[usize], Vec<u8>)]) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for (name, dtype, shape, bytes) in tensors {
        let start = data.len();
        data.extend_from_slice(bytes);
        header.insert(
            name.to_string(),
            serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [start, data.len()]}),
        );
    }
    let header = serde_json::to_string(&header).unwrap();
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&data);
    out
}

fn f32s(n: usize, v: f32) -> Vec<u8> {
    (0..n).flat_map(|_| v.to_le_bytes()).collect()
}

type Small = nn::network![Dense<3, 2, Tanh>];

fn small_error(bytes: &[u8]) -> String {
    safetensors::from_bytes::<Small>(bytes, Keys::Sequential).unwrap_err().to_string()
}

#[test]
fn bad_files_are_clear_errors() {
    let good = file(&[("0.weight", "F32", &[2, 3], f32s(6, 0.5)), ("0.bias", "F32", &[2], f32s(2, 0.1))]);
    let net = safetensors::from_bytes::<Small>(&good, Keys::Sequential).unwrap();
    assert_eq!(net.params(), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.1, 0.1]);

    let e = small_error(&file(&[("0.weight", "F32", &[3, 2], f32s(6, 0.5)), ("0.bias", "F32", &[2], f32s(2, 0.1))]));
    assert_eq!(e, "safetensors: tensor `0.weight` has shape [3, 2], expected [2, 3]");
    let e = small_error(&file(&[("0.weight", "F64", &[2, 3], vec![0; 48]), ("0.bias", "F32", &[2], f32s(2, 0.1))]));
    assert_eq!(e, "safetensors: tensor `0.weight` has dtype F64 and shape [2, 3], expected F32 of shape [2, 3]");
    let e = small_error(&file(&[("0.weight", "F32", &[2, 3], f32s(6, 0.5))]));
    assert_eq!(e, "safetensors: missing tensor `0.bias` (expected F32 of shape [2]); the file holds tensor `0.weight`");
    let e = small_error(&file(&[
        ("0.weight", "F32", &[2, 3], f32s(6, 0.5)),
        ("0.bias", "F32", &[2], f32s(2, 0.1)),
        ("1.weight", "F32", &[1], f32s(1, 0.1)),
    ]));
    assert!(e.contains("unexpected tensor `1.weight`") && e.contains("Dense<3, 2, Tanh>"), "{e}");
    let e =
        small_error(&file(&[("0.weight", "F32", &[2, 3], f32s(6, f32::NAN)), ("0.bias", "F32", &[2], f32s(2, 0.1))]));
    assert!(e.contains("tensor `0.weight` holds a value that is not finite"), "{e}");
    let nan = file(&[("0.weight", "F32", &[2, 3], f32s(6, f32::NAN)), ("0.bias", "F32", &[2], f32s(2, 0.1))]);
    let allowed =
        safetensors::from_bytes_with::<Small>(&nan, Keys::Sequential, LoadOptions::new().allow_non_finite(true));
    assert!(allowed.unwrap().params()[0].is_nan());
    assert!(small_error(b"not safetensors").contains("not a valid safetensors file"));
    assert!(small_error(&good[..good.len() - 1]).contains("not a valid safetensors file"));
    // An nn weight file is not a safetensors file, and the reverse.
    assert!(small_error(&Small::boxed(&mut nn::rng(1)).to_bytes()).contains("not a valid safetensors file"));
    assert!(Small::from_bytes(&good).unwrap_err().to_string().contains("wrong magic"));

    // A failed read changes nothing.
    let mut target = Small::boxed(&mut nn::rng(3));
    let before = target.params().to_vec();
    assert!(safetensors::read_into(&mut *target, &nan, Keys::Sequential, "x", LoadOptions::new()).is_err());
    assert_eq!(target.params(), &before[..]);
}
