use nn::prelude::*;

const HIDDEN: usize = 8;

type Net = nn::network![Dense<2, { 2 * HIDDEN }, ReLU>, Dense<{ 3 * HIDDEN }, 1>];

fn main() {
    let net = Net::boxed(&mut nn::rng(0));
    let y: [f32; 1] = net.predict(&[0.0; 2]);
    println!("{y:?}");
}
