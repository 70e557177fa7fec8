use nn::prelude::*;

const INPUTS: usize = 4;
const HIDDEN: usize = 8;

type Regressor =
    nn::network![Dense<INPUTS, HIDDEN, ReLU>, Dense<HIDDEN, { HIDDEN / 2 }, Tanh>, Dense<{ HIDDEN / 2 }, 1>];

fn main() {
    assert_eq!(Regressor::PARAMS, (4 * 8 + 8) + (8 * 4 + 4) + (4 + 1));
    let net = Regressor::boxed(&mut nn::rng(4));
    let y: [f32; 1] = net.predict(&[0.25; INPUTS]);
    assert!(y[0].is_finite());
}
