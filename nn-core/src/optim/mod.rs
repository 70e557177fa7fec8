//! Optimizers: update rules `θ ← θ − η·(…)` over the flat parameter slice,
//! with torch.optim's argument names and semantics.
//!
//! An optimizer's per-parameter state (momentum buffers, moment estimates)
//! is a flat `f32` slice of [`Optimizer::state_len`] values. With the `alloc`
//! feature the optimizer owns it ([`Optimizer::step`]); without, the caller
//! passes a buffer to [`Optimizer::update`] (bare-metal training).
//!
//! | optimizer | torch | state per parameter |
//! |---|---|---|
//! | [`Sgd`] | `SGD` | 1 with momentum, else 0 |
//! | [`Adagrad`] | `Adagrad` | 1 |
//! | [`RmsProp`] | `RMSprop` | 1, +1 centered, +1 with momentum |
//! | [`Adam`] | `Adam` | 2, +1 with amsgrad |
//! | [`AdamW`] | `AdamW` | 2, +1 with amsgrad |
//! | [`NAdam`] | `NAdam` | 2 |
//!
//! [`BoldDriver`] wraps any of them with the bold-driver learning rate.
//! Scalar bookkeeping (the step count, NAdam's momentum product) lives in
//! the optimizer value, so a fresh state buffer goes with a fresh optimizer.

mod adagrad;
mod adam;
mod adamw;
mod bold_driver;
mod nadam;
mod rmsprop;
mod sgd;

pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamw::AdamW;
pub use bold_driver::{BoldDriver, SnapshotBuffer, Verdict};
pub use nadam::NAdam;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;

/// A scalar of an optimizer's state (see [`Optimizer::scalars`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// An `f32` (learning rate, β, ε, …).
    F32(f32),
    /// An `f64` (NAdam's momentum product).
    F64(f64),
    /// A counter (the step count).
    U64(u64),
    /// A switch (nesterov, amsgrad, …).
    Bool(bool),
}

/// Implements [`Optimizer::scalars`] and [`Optimizer::set_scalar`] over fields.
macro_rules! scalar_fields {
    ($($field:ident: $kind:ident),* $(,)?) => {
        fn scalars(&self, f: &mut dyn FnMut(&'static str, super::Scalar)) -> bool {
            $( f(stringify!($field), super::Scalar::$kind(self.$field)); )*
            true
        }
        fn set_scalar(&mut self, name: &str, value: super::Scalar) -> bool {
            match value {
                $( super::Scalar::$kind(v) if name == stringify!($field) => {
                    self.$field = v;
                    true
                } )*
                _ => false,
            }
        }
    };
}
pub(crate) use scalar_fields;

/// An update rule for a flat slice of parameters.
pub trait Optimizer {
    /// The optimizer's type (`nn_core::optim::adam::Adam`), which a
    /// checkpoint records and its errors name; kept right behind a
    /// `&mut dyn Optimizer`, which is how `fit` drives every optimizer.
    fn type_name(&self) -> &'static str {
        core::any::type_name::<Self>()
    }

    /// Number of state values the optimizer needs for `params` parameters.
    fn state_len(&self, params: usize) -> usize;

    /// One update of `params` with gradient `grads`, using and updating
    /// `state` (`state_len(params.len())` values, all zero before the first step).
    fn update(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]);

    /// The current learning rate η.
    fn learning_rate(&self) -> f32;

    /// Sets the learning rate (for schedules).
    fn set_learning_rate(&mut self, lr: f32);

    /// The momentum coefficient μ, for optimizers whose momentum can follow
    /// a schedule ([`Sgd`]: `v ← μ·v + (1 − τ)·g`); `None` for the others.
    fn momentum_coefficient(&self) -> Option<f32> {
        None
    }

    /// Sets the momentum coefficient μ (for momentum schedules); returns
    /// whether the optimizer has one (when not, nothing changes).
    fn set_momentum(&mut self, momentum: f32) -> bool {
        let _ = momentum;
        false
    }

    /// Calls `f` with every scalar the optimizer keeps (hyperparameters and
    /// counters such as the step count, by field name) and returns `true`;
    /// with [`owned_state`](Optimizer::owned_state) this is all a checkpoint
    /// needs to resume it exactly. The default returns `false`: an optimizer
    /// that does not implement it cannot be checkpointed.
    fn scalars(&self, f: &mut dyn FnMut(&'static str, Scalar)) -> bool {
        let _ = f;
        false
    }

    /// Sets one scalar that [`scalars`](Optimizer::scalars) reported;
    /// `false` (changing nothing) for an unknown name or another type.
    fn set_scalar(&mut self, name: &str, value: Scalar) -> bool {
        let _ = (name, value);
        false
    }

    /// The state the optimizer owns, for [`step`](Optimizer::step).
    #[cfg(feature = "alloc")]
    fn owned_state(&mut self) -> &mut alloc::vec::Vec<f32>;

    /// One update using the optimizer's own state (created, zeroed, on the
    /// first call or when the number of parameters changes).
    #[cfg(feature = "alloc")]
    fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        let n = self.state_len(params.len());
        let mut state = core::mem::take(self.owned_state());
        if state.len() != n {
            state.clear();
            state.resize(n, 0.0);
        }
        self.update(params, grads, &mut state);
        *self.owned_state() = state;
    }
}

/// A boxed optimizer is one too, so that the optimizer can be picked at run
/// time (from a command line, say) and handed to `fit` or `train_step` as a
/// `Box<dyn Optimizer>`. Every method forwards to the boxed value,
/// [`type_name`](Optimizer::type_name) included, so a checkpoint names the
/// optimizer inside (`Adam`), not the box.
///
/// ```
/// use nn_core::{Adam, Optimizer, Sgd};
///
/// let adam = true; // e.g. from the command line
/// let mut opt: Box<dyn Optimizer> = if adam { Box::new(Adam::new(1e-3)) } else { Box::new(Sgd::new(0.1)) };
/// let (mut params, grads) = ([1.0f32, -1.0], [0.5f32, 0.5]);
/// opt.step(&mut params, &grads);
/// assert_eq!(params, [1.0 - 1e-3, -1.0 - 1e-3]); // Adam's first step is lr·sign(g)
/// assert!(opt.type_name().ends_with("Adam"));
/// ```
#[cfg(feature = "alloc")]
impl<O: Optimizer + ?Sized> Optimizer for alloc::boxed::Box<O> {
    fn type_name(&self) -> &'static str {
        (**self).type_name()
    }
    fn state_len(&self, params: usize) -> usize {
        (**self).state_len(params)
    }
    fn update(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32]) {
        (**self).update(params, grads, state)
    }
    fn learning_rate(&self) -> f32 {
        (**self).learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f32) {
        (**self).set_learning_rate(lr)
    }
    fn momentum_coefficient(&self) -> Option<f32> {
        (**self).momentum_coefficient()
    }
    fn set_momentum(&mut self, momentum: f32) -> bool {
        (**self).set_momentum(momentum)
    }
    fn scalars(&self, f: &mut dyn FnMut(&'static str, Scalar)) -> bool {
        (**self).scalars(f)
    }
    fn set_scalar(&mut self, name: &str, value: Scalar) -> bool {
        (**self).set_scalar(name, value)
    }
    fn owned_state(&mut self) -> &mut alloc::vec::Vec<f32> {
        (**self).owned_state()
    }
    fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        (**self).step(params, grads)
    }
}
