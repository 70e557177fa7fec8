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
/// `BatchNorm<N>` (bare `BatchNorm`: the width of the layer before it),
/// and the activations `Identity`, `Step`, `Sigmoid`, `Tanh`, `ReLU`,
/// `LeakyReLU<A>` (bare: 0.01), `PReLU`, `ELU<A>` (bare: 1.0), `Softplus`,
/// `Softmax`, inside `Dense` or as width-preserving layers of their own.
/// Sizes are integer literals or names of `const` items.
///
/// Convolutional networks declare their image shape first, `Input<C, H, W>`
/// (channels, height, width; CHW row-major as in torch); the macro follows
/// the shape through `Conv2d<C_IN, C_OUT, K, Act, stride = S, padding = P>`
/// (activation, `stride` and `padding` optional, defaults `Identity`, 1, 0),
/// `MaxPool2d<K>` and `AvgPool2d<K>` (windows of `K × K`, stride `K`, `K`
/// must divide the height and width) up to `Flatten`, after which a `Dense`
/// must take exactly `C·H·W` inputs. Image sizes are integer literals (the
/// `Dense` after `Flatten` may take a `const`, checked by `cargo build`).
///
/// ```
/// nn::network! {
///     pub struct LeNet {
///         Input<1, 28, 28>,
///         Conv2d<1, 6, 5, ReLU, padding = 2>, // [6, 28, 28]
///         MaxPool2d<2>,                       // [6, 14, 14]
///         Conv2d<6, 16, 5, ReLU>,             // [16, 10, 10]
///         MaxPool2d<2>,                       // [16, 5, 5]
///         Flatten,                            // [400]
///         Dense<400, 120, ReLU>,
///         Dense<120, 84, ReLU>,
///         Dense<84, 10, Softmax>,
///     }
/// }
/// assert_eq!(<LeNet as nn::Network>::PARAMS, 61_706);
/// ```
pub use nn_macros::network;

/// Everything a program that trains or runs a network needs.
pub mod prelude {
    pub use nn_core::{
        ActivationLayer, BatchNorm, BinaryCrossEntropy, Chain, CrossEntropy, Dense, Dropout, EpsilonInsensitive, Hinge,
        Huber, Identity, LeakyReLU, LogCosh, Loss, Mae, Mode, Mse, MultiClassHinge, Network, Optimizer, PReLU,
        Quantile, ReLU, Sgd, Sigmoid, Softmax, Softplus, Step, SumSquaredError, Tanh, ELU,
    };
    pub use nn_core::{Adagrad, Adam, AdamW, BoldDriver, NAdam, RmsProp, Verdict};
    pub use nn_core::{AvgPool2d, Conv2d, Flatten, ImageInput, MaxPool2d};
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
