//! Files through the facade and `network!`: compile-time fingerprints of
//! both macro forms, and safetensors with layer names as key prefixes.

use nn::arch::fnv1a64;
use nn::prelude::*;

const HIDDEN: usize = 16;

nn::network! {
    pub struct Mnist { Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax> }
}

nn::network! { pub struct Named { hidden: Dense<2, HIDDEN, LeakyReLU<0.1>>, act: PReLU, out: Dense<HIDDEN, 1> } }

type TypeForm = nn::network![Dense<2, HIDDEN, LeakyReLU<0.1>>, PReLU, Dense<HIDDEN, 1>];

/// Evaluated by the compiler: a wrong fingerprint would not build.
const MNIST_FINGERPRINT: u64 = Mnist::FINGERPRINT;
const _: () = assert!(MNIST_FINGERPRINT == fnv1a64(b"Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>"));

#[test]
fn network_macro_fingerprints_are_compile_time_constants() {
    for (text, fingerprint) in [
        (nn::io::architecture::<Mnist>(), Mnist::FINGERPRINT),
        (nn::io::architecture::<Named>(), Named::FINGERPRINT),
        (nn::io::architecture::<TypeForm>(), TypeForm::FINGERPRINT),
    ] {
        assert_eq!(fnv1a64(text.as_bytes()), fingerprint, "{text}");
    }
    assert_eq!(nn::io::architecture::<Named>(), "Dense<2, 16, LeakyReLU<0.1>>, PReLU, Dense<16, 1, Identity>");
    // Same layers, same fingerprint: the names are not part of the architecture.
    assert_eq!(Named::FINGERPRINT, TypeForm::FINGERPRINT);
    assert_eq!(format!("{}", Mnist::STRUCTURE), nn::io::architecture::<Mnist>());
    // A file written by the item form loads into the type form.
    let named = Named::boxed(&mut nn::rng(1));
    let typed = TypeForm::from_bytes(&named.to_bytes()).unwrap();
    assert_eq!(named.params(), typed.params());
}
