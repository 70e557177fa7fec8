nn::network! {
    pub struct Net { BatchNorm, Dense<4, 2> }
}

fn main() {}
