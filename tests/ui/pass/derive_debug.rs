use nn::prelude::*;

// `network!` derives `Clone` and `Copy` itself; other derives pass through.
nn::network! {
    #[derive(Debug)]
    pub struct Xor {
        hidden: Dense<2, 4, Tanh>,
        out: Dense<4, 1, Sigmoid>,
    }
}

fn main() {
    let net = Xor::new(&mut nn::rng(0));
    let copy = net;
    assert_eq!(copy.hidden.weights, net.hidden.weights);
    let text = format!("{net:?}");
    assert!(text.starts_with("Xor { hidden: "), "{text}");
}
