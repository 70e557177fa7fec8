use nn::prelude::*;

nn::network! {
    #[derive(Debug, Clone)]
    pub struct Xor {
        hidden: Dense<2, 4, Tanh>,
        out: Dense<4, 1, Sigmoid>,
    }
}

fn main() {
    let net = Xor::new(&mut nn::rng(0));
    let copy = net.clone();
    println!("{copy:?}");
}
