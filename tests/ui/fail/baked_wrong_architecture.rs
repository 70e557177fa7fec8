// A weight file for `Dense<2, 4, Tanh>, Dense<4, 1, Sigmoid>` (xor_tanh.nnw,
// 17 parameters) baked into a network with ReLU instead of Tanh: the same
// parameter count, another architecture, so a compile error.
nn::network! {
    pub struct Xor { hidden: Dense<2, 4, ReLU>, out: Dense<4, 1, Sigmoid> }
}

static NET: Xor = nn::include_network!(Xor, "xor_tanh.nnw");

fn main() {
    let _ = &NET;
}
