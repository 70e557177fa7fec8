nn::network! {
    pub struct Net {
        Input<1, 8, 8>,
        Conv2d<1, 4, 3, ReLU>,
        BatchNorm,
        Flatten,
        BatchNorm<100>,
        Dense<144, 2>,
    }
}

fn main() {}
