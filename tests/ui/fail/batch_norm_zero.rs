nn::network! {
    pub struct Net { BatchNorm<0>, Dense<4, 2> }
}

fn main() {}
