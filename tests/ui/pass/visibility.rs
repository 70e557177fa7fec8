mod models {
    use nn::prelude::*;

    nn::network! {
        struct Private {
            Dense<2, 3, ReLU>,
            Dense<3, 1>,
        }
    }

    nn::network! {
        pub(crate) struct CrateVisible {
            hidden: Dense<2, 3, ReLU>,
            Dense<3, 1, Sigmoid>,
        }
    }

    pub(crate) fn private_params() -> usize {
        let net = Private::boxed(&mut nn::rng(7));
        assert_eq!(net.predict(&[0.0, 0.0]).len(), 1);
        Private::PARAMS
    }
}

use nn::prelude::*;

fn main() {
    assert_eq!(models::private_params(), 2 * 3 + 3 + 3 + 1);
    let net = models::CrateVisible::boxed(&mut nn::rng(7));
    // Fields have the struct's visibility.
    assert_eq!(net.hidden.bias, [0.0; 3]);
    assert_eq!(net.layer1.weights.len(), 1);
    let y: [f32; 1] = net.predict(&[1.0, -1.0]);
    assert!(y[0] > 0.0 && y[0] < 1.0);
}
