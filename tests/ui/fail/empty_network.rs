use nn::prelude::*;

nn::network! {
    pub struct Nothing {}
}

fn main() {
    let net = Nothing::boxed(&mut nn::rng(0));
    println!("{}", Nothing::PARAMS);
    let _ = net;
}
