//! Weight initialization schemes, over flat `f32` slices.
//!
//! `fan_in` is the number of inputs of a unit (`IN` of a `Dense<IN, OUT, _>`),
//! `fan_out` the number of units (`OUT`). Definitions as `torch.nn.init`
//! with its default gain of 1:
//!
//! | scheme | distribution |
//! |---|---|
//! | [`Init::Zeros`] | 0 |
//! | [`Init::Normal`]`(σ)` | N(0, σ²) (textbook default σ = 0.01) |
//! | [`Init::Uniform`]`(a)` | U(−a, a) |
//! | [`Init::XavierUniform`] | U(−a, a), a = √(6 / (fan_in + fan_out)) |
//! | [`Init::XavierNormal`] | N(0, 2 / (fan_in + fan_out)) |
//! | [`Init::HeUniform`] | U(−a, a), a = √(6 / fan_in) |
//! | [`Init::HeNormal`] | N(0, 2 / fan_in) |
//!
//! The default of a [`Dense`](crate::Dense) layer follows its activation
//! ([`Activation::DEFAULT_INIT`](crate::Activation::DEFAULT_INIT)): He for
//! ReLU, LeakyReLU, PReLU and ELU; Xavier for the others. Biases start at 0.
//!
//! To choose the scheme yourself, call [`Layer::init_with`](crate::Layer::init_with):
//! on a network it fills every `Dense` weight matrix (biases 0), on one layer
//! (a field of a `network!` struct) that layer only:
//!
//! ```
//! use nn_core::{init::Init, Chain, Dense, Identity, Layer, Network, ReLU};
//! type Net = Chain<Dense<3, 8, ReLU>, Dense<8, 1, Identity>>;
//! let mut rng = nn_core::rng(0);
//! let mut net = Net::new(&mut rng);         // He for the ReLU layer, Xavier for the other
//! net.init_with(Init::HeNormal, &mut rng);  // He normal for both
//! net.rest.init_with(Init::Zeros, &mut rng); // and the output layer starts at zero
//! assert!(net.rest.weights[0].iter().all(|&w| w == 0.0));
//! ```

use crate::Rng;

/// An initialization scheme; see the [module docs](self) for the formulas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// All zeros.
    Zeros,
    /// Normal with mean 0 and the given standard deviation.
    Normal(f32),
    /// Uniform on `[-a, a)`.
    Uniform(f32),
    /// Glorot & Bengio (2010), uniform.
    XavierUniform,
    /// Glorot & Bengio (2010), normal.
    XavierNormal,
    /// He et al. (2015), uniform.
    HeUniform,
    /// He et al. (2015), normal.
    HeNormal,
}

impl Init {
    /// Fills `w` for a layer with the given fans.
    pub fn fill(self, w: &mut [f32], fan_in: usize, fan_out: usize, rng: &mut Rng) {
        let (fi, fo) = (fan_in.max(1) as f32, fan_out.max(1) as f32);
        match self {
            Init::Zeros => w.fill(0.0),
            Init::Normal(std) => fill_normal(w, std, rng),
            Init::Uniform(a) => fill_uniform(w, a, rng),
            Init::XavierUniform => fill_uniform(w, libm::sqrtf(6.0 / (fi + fo)), rng),
            Init::XavierNormal => fill_normal(w, libm::sqrtf(2.0 / (fi + fo)), rng),
            Init::HeUniform => fill_uniform(w, libm::sqrtf(6.0 / fi), rng),
            Init::HeNormal => fill_normal(w, libm::sqrtf(2.0 / fi), rng),
        }
    }
}

fn fill_uniform(w: &mut [f32], a: f32, rng: &mut Rng) {
    for w in w {
        *w = (2.0 * rng.uniform() - 1.0) * a;
    }
}

fn fill_normal(w: &mut [f32], std: f32, rng: &mut Rng) {
    for w in w {
        *w = rng.normal() * std;
    }
}
