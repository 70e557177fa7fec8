use nn::prelude::*;

nn::network! {
    pub struct Net {
        r#type: Dense<2, 3, ReLU>,
        r#fn: Dense<3, 1>,
    }
}

fn main() {
    // Parameter-key prefixes are the names without `r#`.
    assert_eq!(Net::LAYER_NAMES, ["type", "fn"]);
    let net = Net::boxed(&mut nn::rng(0));
    assert_eq!(net.r#type.weights.len(), 3);
    assert_eq!(net.r#fn.bias, [0.0]);
}
