use nn::prelude::*;

type Nothing = nn::network![];

fn main() {
    let net = Nothing::boxed(&mut nn::rng(0));
    println!("{}", Nothing::PARAMS);
    let _ = net;
}
