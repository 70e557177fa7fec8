use nn::prelude::*;

const HIDDEN: usize = 16;

nn::network! {
    /// The MNIST classifier.
    pub struct Mnist { Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax> }
}

nn::network! { pub struct Xor { hidden: Dense<2, 4, Tanh>, out: Dense<4, 1, Sigmoid> } }

nn::network! { struct WithConsts { Dense<2, HIDDEN, LeakyReLU<0.1>>, ELU, Dense<HIDDEN, 1> } }

type Tiny = nn::network![Dense<2, 3, Tanh>, Dense<3, 1, Sigmoid>];
type TinyConst = nn::network![Dense<2, HIDDEN, Tanh>, Dense<HIDDEN, 1, Sigmoid>];

#[test]
fn smoke() {
    assert_eq!(Mnist::PARAMS, 101_770);
    let mut rng = nn::rng(42);
    let net = Mnist::boxed(&mut rng);
    let y = net.predict(&[0.0; 784]);
    assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    let x = Xor::boxed(&mut rng);
    assert_eq!(x.hidden.weights.len(), 4);
    assert_eq!(Xor::LAYER_NAMES, ["hidden", "out"]);
    let t = Tiny::boxed(&mut rng);
    let _ = t.predict(&[1.0, 2.0]);
    assert_eq!(TinyConst::PARAMS, 2 * 16 + 16 + 16 + 1);
    assert_eq!(WithConsts::PARAMS, 2 * 16 + 16 + 16 + 1);
}

#[test]
fn summary_prints_a_table() {
    let mut rng = nn::rng(1);
    let net = Mnist::boxed(&mut rng);
    let s = net.summary().to_string();
    println!("{s}");
    assert!(s.contains("Dense<784, 128, ReLU>"));
    assert!(s.contains("Dropout<0.5>"));
    assert!(s.contains("100480"));
    assert!(s.contains("Total params: 101770"));
    let x = Xor::boxed(&mut rng);
    let s = x.summary().to_string();
    println!("{s}");
    assert!(s.contains("hidden  Dense<2, 4, Tanh>"));
}
