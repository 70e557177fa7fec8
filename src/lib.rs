//! # nn: typed neural networks
//!
//! Declare a network in source; the compiler checks its shapes and the
//! `network!` macro turns it into plain fixed-size-array code that runs (and
//! trains) anywhere, down to a microcontroller without an allocator.
//!
//! ```
//! use nn::prelude::*;
//!
//! nn::network! {
//!     /// XOR with one hidden layer.
//!     pub struct Xor { hidden: Dense<2, 4, Tanh>, out: Dense<4, 1, Sigmoid> }
//! }
//!
//! let mut rng = nn::rng(1);
//! let mut net = Xor::boxed(&mut rng);
//! let xs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let ys = [[0.0], [1.0], [1.0], [0.0]];
//! let mut opt = Sgd::new(0.5).momentum(0.9);
//! for _ in 0..500 {
//!     net.train_step(&xs, &ys, &Mse, &mut opt, &mut rng)?;
//! }
//! assert!(net.predict(&[1.0, 0.0])[0] > 0.5);
//! assert_eq!(Xor::PARAMS, 2 * 4 + 4 + 4 + 1);
//! # Ok::<(), nn::Error>(())
//! ```
//!
//! See the README for the layer table and the compile errors.
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

pub use nn_core::*;

/// Declares a network whose layer widths are checked at compile time.
///
/// Item form (a named type; layers may be named, names become fields):
///
/// ```
/// nn::network! { pub struct Tiny { hidden: Dense<2, 3, Tanh>, out: Dense<3, 1, Sigmoid> } }
/// ```
///
/// Type form (an anonymous network type):
///
/// ```
/// type Tiny = nn::network![Dense<2, 3, Tanh>, Dense<3, 1, Sigmoid>];
/// ```
///
/// Layers: `Dense<IN, OUT, Act>` (`Act` defaults to `Identity`), `Dropout<P>`,
/// and the activations `Identity`, `Step`, `Sigmoid`, `Tanh`, `ReLU`,
/// `LeakyReLU<A>` (bare: 0.01), `PReLU`, `ELU<A>` (bare: 1.0), `Softplus`,
/// `Softmax`, inside `Dense` or as width-preserving layers of their own.
/// Sizes are integer literals or names of `const` items.
pub use nn_macros::network;

/// Everything a program that trains or runs a network needs.
pub mod prelude {
    pub use nn_core::{
        ActivationLayer, BinaryCrossEntropy, Chain, CrossEntropy, Dense, Dropout, EpsilonInsensitive, Hinge, Huber,
        Identity, LeakyReLU, LogCosh, Loss, Mae, Mode, Mse, MultiClassHinge, Network, Optimizer, PReLU, Quantile, ReLU,
        Sgd, Sigmoid, Softmax, Softplus, Step, SumSquaredError, Tanh, ELU,
    };
    pub use nn_core::{Adagrad, Adam, AdamW, BoldDriver, NAdam, RmsProp, Verdict};
    pub use nn_core::{ChannelPReLU, DropConnect, Maxout, Residual};
    pub use nn_core::{
        CosineAnnealingLr, ExponentialLr, InverseTimeLr, PlateauMode, ReduceLrOnPlateau, Schedule, StepLr,
        ThresholdMode,
    };
    pub use nn_core::{Init, Layer, Penalty, Rng};
}

#[doc(hidden)]
pub mod __private {
    //! What `network!` expansions refer to; not a public API.
    pub use bytemuck;
    pub use core;

    use core::fmt;
    use nn_core::layer::LayerInfo;
    use nn_core::{Layer, Mode, Rng};

    /// Stand-in type emitted after a `network!` error so that one mistake gives
    /// one error: it has the widths the declaration intended, and no code.
    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Stub<const IN: usize, const OUT: usize>;

    unsafe impl<const IN: usize, const OUT: usize> bytemuck::Zeroable for Stub<IN, OUT> {}
    unsafe impl<const IN: usize, const OUT: usize> bytemuck::Pod for Stub<IN, OUT> {}

    // SAFETY: zero-sized.
    unsafe impl<const IN: usize, const OUT: usize> Layer for Stub<IN, OUT> {
        const IN: usize = IN;
        const OUT: usize = OUT;
        const CACHE: usize = 0;
        type Input = [f32; IN];
        type Output = [f32; OUT];
        fn visit(_: &mut dyn FnMut(LayerInfo)) {
            unreachable!("network! reported an error")
        }
        fn init(&mut self, _: &mut Rng) {
            unreachable!("network! reported an error")
        }
        fn forward_one(&self, _: &[f32], _: &mut [f32]) {
            unreachable!("network! reported an error")
        }
        fn forward(&self, _: &[f32], _: &mut [f32], _: &mut [f32], _: usize, _: &mut Mode<'_>) {
            unreachable!("network! reported an error")
        }
        fn backward(
            &self,
            _: &[f32],
            _: &[f32],
            _: &mut [f32],
            _: &mut [f32],
            _: Option<&mut [f32]>,
            _: &mut Self,
            _: usize,
            _: bool,
        ) {
            unreachable!("network! reported an error")
        }
    }

    /// The stub of a network none of whose widths is known: `E` is an
    /// erroneous constant (the `network!` errors), which the compiler accepts
    /// silently wherever a width is expected.
    pub type Unknown<const E: usize> = Stub<E, E>;

    /// `<X as Is<T>>::Type` is `T`: lets a type-form expansion carry
    /// compile-time checks (in `X`) and still be the network type `T`.
    pub trait Is<T: ?Sized> {
        /// Always `T`.
        type Type: ?Sized;
    }
    impl<X: ?Sized, T: ?Sized> Is<T> for X {
        type Type = T;
    }

    impl<const IN: usize, const OUT: usize> fmt::Debug for Stub<IN, OUT> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Stub")
        }
    }
}
