const WIDTH: usize = 15;

nn::network! {
    pub struct Net { Dense<4, 16>, BatchNorm<WIDTH>, Dense<WIDTH, 2> }
}

fn main() {}
