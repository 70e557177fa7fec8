use nn::prelude::*;

type Tiny = nn::network![Dense<2, 3, Tanh>, Dense<4, 1, Sigmoid>];

fn main() {
    let net = Tiny::boxed(&mut nn::rng(0));
    let y: [f32; 1] = net.predict(&[1.0, 0.0]);
    println!("{y:?}");
}
