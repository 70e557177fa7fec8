use nn::prelude::*;

nn::network! { pub struct WithComma { Dense<2, 3, ReLU>, Dense<3, 1>, } }
nn::network! { pub struct WithoutComma { Dense<2, 3, ReLU>, Dense<3, 1> } }
type TypeWithComma = nn::network![Dense<2, 3, ReLU>, Dense<3, 1>,];
type TypeWithoutComma = nn::network![Dense<2, 3, ReLU>, Dense<3, 1>];

fn main() {
    assert_eq!(WithComma::PARAMS, WithoutComma::PARAMS);
    assert_eq!(TypeWithComma::PARAMS, TypeWithoutComma::PARAMS);
    assert_eq!(WithComma::PARAMS, 2 * 3 + 3 + 3 + 1);
    let mut rng = nn::rng(9);
    let a: [f32; 1] = WithComma::boxed(&mut rng).predict(&[1.0, 2.0]);
    let b: [f32; 1] = TypeWithComma::boxed(&mut rng).predict(&[1.0, 2.0]);
    assert!(a[0].is_finite() && b[0].is_finite());
}
