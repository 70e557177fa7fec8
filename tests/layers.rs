//! Maxout, DropConnect, Residual (with stochastic depth) and per-unit PReLU
//! through `network!`: architecture texts and compile-time fingerprints,
//! weight files, safetensors keys, and training.

use nn::arch::fnv1a64;
use nn::prelude::*;

const H: usize = 6;

nn::network! {
    pub struct Net {
        input: Dense<3, H, PReLU<H>>,
        block: Residual<StochasticDepth<0.2>, Dense<H, H, ReLU>, Dropout<0.1>, Dense<H, H>>,
        maxout: Maxout<H, 4, 3>,
        out: DropConnect<Dense<4, 2, Softmax>, 0.5>,
    }
}

type TypeForm = nn::network![
    Dense<3, H, PReLU<H>>,
    Residual<StochasticDepth<0.2>, Dense<H, H, ReLU>, Dropout<0.1>, Dense<H, H>>,
    Maxout<H, 4, 3>,
    DropConnect<Dense<4, 2, Softmax>, 0.5>,
];

const TEXT: &str = "Dense<3, 6, PReLU<6>>, Residual<StochasticDepth<0.2>, Dense<6, 6, ReLU>, Dropout<0.1>, \
                    Dense<6, 6, Identity>>, Maxout<6, 4, 3>, DropConnect<Dense<4, 2, Softmax>, 0.5>";

/// Evaluated by the compiler.
const _: () = assert!(Net::FINGERPRINT == fnv1a64(TEXT.as_bytes()));

#[test]
fn architecture_text_and_fingerprint_agree_at_compile_and_run_time() {
    assert_eq!(nn::io::architecture::<Net>(), TEXT);
    assert_eq!(format!("{}", Net::STRUCTURE), TEXT);
    assert_eq!(<Net as Layer>::ARCHITECTURE.as_str(), TEXT);
    assert_eq!(Net::FINGERPRINT, TypeForm::FINGERPRINT);
    assert_eq!(Net::PARAMS, (3 * 6 + 6 + 6) + 2 * (6 * 6 + 6) + 12 * (6 + 1) + (4 * 2 + 2));
    // Without stochastic depth the text has no `StochasticDepth`.
    type Plain = nn::network![Dense<2, 2>, Residual<Dense<2, 2, Tanh>>];
    assert_eq!(nn::io::architecture::<Plain>(), "Dense<2, 2, Identity>, Residual<Dense<2, 2, Tanh>>");
    assert_eq!(format!("{}", Plain::STRUCTURE), nn::io::architecture::<Plain>());
}

#[test]
fn weight_files_round_trip_and_refuse_another_stochastic_depth() {
    let net = Net::boxed(&mut nn::rng(1));
    let bytes = net.to_bytes();
    let back = TypeForm::from_bytes(&bytes).unwrap();
    assert_eq!(back.params(), net.params());
    type Other = nn::network![
        Dense<3, H, PReLU<H>>,
        Residual<StochasticDepth<0.3>, Dense<H, H, ReLU>, Dropout<0.1>, Dense<H, H>>,
        Maxout<H, 4, 3>,
        DropConnect<Dense<4, 2, Softmax>, 0.5>,
    ];
    assert_eq!(Other::PARAMS, Net::PARAMS);
    let Err(err) = Other::from_bytes(&bytes) else { panic!("loaded into a different architecture") };
    let err = err.to_string();
    assert!(err.contains("StochasticDepth<0.2>"), "{err}");
}

#[test]
fn safetensors_keys() {
    type NoResidual = nn::network![Dense<3, 6, PReLU<6>>, Maxout<6, 4, 3>, DropConnect<Dense<4, 2, PReLU<2>>, 0.5>];
    let specs = nn::safetensors::tensors::<NoResidual>(nn::safetensors::Keys::Sequential).unwrap();
    let keys: Vec<(String, Vec<usize>)> = specs.into_iter().map(|s| (s.name, s.shape)).collect();
    let expected = [
        ("0.weight", vec![6, 3]),
        ("0.bias", vec![6]),
        ("1.weight", vec![6]),
        ("2.linear.weight", vec![12, 6]),
        ("2.linear.bias", vec![12]),
        ("3.weight", vec![2, 4]),
        ("3.bias", vec![2]),
        ("4.weight", vec![2]),
    ];
    assert_eq!(keys, expected.map(|(k, s)| (k.to_string(), s)));
    // A residual block is the `Residual` module of tests/reference/layers.py:
    // its branch an `nn.Sequential` named `branch` (ReLU at index 1, Dropout at 2).
    let specs = nn::safetensors::tensors::<Net>(nn::safetensors::Keys::LayerNames).unwrap();
    let keys: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        keys,
        [
            "input.weight",
            "input.bias",
            "input.activation.weight",
            "block.branch.0.weight",
            "block.branch.0.bias",
            "block.branch.3.weight",
            "block.branch.3.bias",
            "maxout.linear.weight",
            "maxout.linear.bias",
            "out.weight",
            "out.bias",
        ]
    );
    type Nested = nn::network![Dense<2, 3>, Residual<Residual<Dense<3, 3, PReLU<3>>>, Maxout<3, 3, 2>, PReLU>];
    let specs = nn::safetensors::tensors::<Nested>(nn::safetensors::Keys::Sequential).unwrap();
    let keys: Vec<(&str, &[usize])> = specs.iter().map(|s| (s.name.as_str(), s.shape.as_slice())).collect();
    assert_eq!(
        keys,
        [
            ("0.weight", &[3, 2][..]),
            ("0.bias", &[3]),
            ("1.branch.0.branch.0.weight", &[3, 3]),
            ("1.branch.0.branch.0.bias", &[3]),
            ("1.branch.0.branch.1.weight", &[3]),
            ("1.branch.1.linear.weight", &[6, 3]),
            ("1.branch.1.linear.bias", &[6]),
            ("1.branch.2.weight", &[1]),
        ]
    );
    // The file round-trips.
    let net = Net::boxed(&mut nn::rng(4));
    let bytes = nn::safetensors::to_bytes(&*net, nn::safetensors::Keys::LayerNames).unwrap();
    let back: Box<Net> = nn::safetensors::from_bytes(&bytes, nn::safetensors::Keys::LayerNames).unwrap();
    assert_eq!(back.params(), net.params());
}

#[test]
fn summary_lists_each_block_as_one_layer() {
    let net = Net::boxed(&mut nn::rng(2));
    let summary = net.summary().to_string();
    let row = |name: &str| summary.lines().find(|l| l.starts_with(name)).unwrap_or_default().to_string();
    assert!(
        row("block").contains("Residual<StochasticDepth<0.2>, Dense<6, 6, ReLU>, Dropout<0.1>, Dense<6, 6, Identity>>")
    );
    assert!(row("block").ends_with(" 84"), "{summary}");
    assert!(row("maxout").contains("Maxout<6, 4, 3>") && row("maxout").ends_with(" 84"), "{summary}");
}

#[test]
fn trains_on_a_small_problem() {
    // Two Gaussian blobs: the network learns them in training mode
    // (stochastic depth, dropout and DropConnect active).
    let mut rng = nn::rng(3);
    let mut net = Net::boxed(&mut rng);
    let xs: Vec<[f32; 3]> = (0..64)
        .map(|i| {
            let c = if i % 2 == 0 { 1.0 } else { -1.0 };
            [c + 0.3 * rng.normal(), c + 0.3 * rng.normal(), 0.3 * rng.normal()]
        })
        .collect();
    let ys: Vec<[f32; 2]> = (0..64).map(|i| if i % 2 == 0 { [1.0, 0.0] } else { [0.0, 1.0] }).collect();
    let mut opt = Adam::new(1e-2);
    let first = net.train_step(&xs, &ys, &CrossEntropy, &mut opt, &mut rng).unwrap();
    let mut last = first;
    for _ in 0..200 {
        last = net.train_step(&xs, &ys, &CrossEntropy, &mut opt, &mut rng).unwrap();
    }
    let correct = xs.iter().zip(&ys).filter(|(x, y)| (net.predict(x)[0] > 0.5) == (y[0] > 0.5)).count();
    assert!(last < first / 2.0, "loss {first} -> {last}");
    assert!(correct >= 60, "{correct}/64");
}
