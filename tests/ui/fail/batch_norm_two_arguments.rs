nn::network! {
    pub struct Net { Dense<4, 16>, BatchNorm<16, 0.1>, Dense<16, 2> }
}

fn main() {}
