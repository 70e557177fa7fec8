nn::network! {
    pub struct Net { Dense<4, 16, ReLU>, BatchNorm<15>, Dense<16, 2> }
}

fn main() {}
