use nn::prelude::*;

// Every activation inside `Dense`.
nn::network! {
    pub struct Inside {
        Dense<4, 4, Identity>,
        Dense<4, 4, Step>,
        Dense<4, 4, Sigmoid>,
        Dense<4, 4, Tanh>,
        Dense<4, 4, ReLU>,
        Dense<4, 4, LeakyReLU>,
        Dense<4, 4, LeakyReLU<0.2>>,
        Dense<4, 4, PReLU>,
        Dense<4, 4, ELU>,
        Dense<4, 4, ELU<0.5>>,
        Dense<4, 4, Softplus>,
        Dense<4, 3, Softmax>,
    }
}

// Every activation as a width-preserving layer of its own.
nn::network! {
    pub struct Standalone {
        Dense<4, 5>,
        Identity,
        Step,
        Sigmoid,
        Tanh,
        ReLU,
        LeakyReLU,
        LeakyReLU<0.2>,
        PReLU,
        ELU,
        ELU<0.5>,
        Softplus,
        Softmax,
    }
}

fn main() {
    // 11 layers 4 -> 4, one 4 -> 3, and the slope of `PReLU`.
    assert_eq!(Inside::PARAMS, 11 * (4 * 4 + 4) + (4 * 3 + 3) + 1);
    assert_eq!(Standalone::PARAMS, 4 * 5 + 5 + 1);
    let mut rng = nn::rng(5);
    let inside = Inside::boxed(&mut rng);
    let y: [f32; 3] = inside.predict(&[0.5, -0.5, 1.0, -1.0]);
    assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{y:?}");
    let standalone = Standalone::boxed(&mut rng);
    let y: [f32; 5] = standalone.predict(&[0.5, -0.5, 1.0, -1.0]);
    assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{y:?}");
}
