//! Layers: the building blocks `network!` chains together.
//!
//! A layer maps rows of `IN` values to rows of `OUT` values. Batches are
//! row-major slices (`batch × IN`), so the same compiled code serves every
//! batch size; the widths are constants of the layer type.

use core::fmt;

mod activation;
mod batch_norm;
mod chain;
mod conv;
mod dense;
mod drop_connect;
mod dropout;
mod image;
mod mask;
mod maxout;
mod pool;
mod residual;

/// A pass over rows of two slices, given the index of its first row.
pub(crate) type RowPass<'a> = dyn Fn(usize, &mut [f32], &mut [f32]) + Sync + 'a;

/// `f(first, a, b)` on the `batch` rows (`width` values each) of `a` and
/// `b`, with `first` the index of the first row given: all at once, or
/// (feature `parallel`, in a training batch split by units, see
/// `parallel::units`) in pieces of rows, one per thread. For per-value
/// passes whose results do not depend on the split.
pub(crate) fn split_rows(width: usize, batch: usize, a: &mut [f32], b: &mut [f32], f: &RowPass<'_>) {
    #[cfg(feature = "parallel")]
    if crate::parallel::units::rows(width, batch, a, b, f) {
        return;
    }
    let _ = (width, batch);
    f(0, a, b)
}

/// [`split_rows`] for passes that write one slice (reading others whole,
/// from row `first` on).
pub(crate) fn split_rows_of(width: usize, batch: usize, a: &mut [f32], f: &(dyn Fn(usize, &mut [f32]) + Sync)) {
    #[cfg(feature = "parallel")]
    if crate::parallel::units::rows_of(width, batch, a, f) {
        return;
    }
    let _ = (width, batch);
    f(0, a)
}

/// A shared reference to plain data (a network, a layer, an activation) for
/// closures that may run on another thread ([`split_rows`]' and the
/// `parallel` feature's).
pub(crate) struct Plain<'a, T>(pub(crate) &'a T);

impl<T> Plain<'_, T> {
    /// The value (a method, so that closures capture the whole `Plain`).
    pub(crate) fn get(&self) -> &T {
        self.0
    }
}

// SAFETY: `Pod` types have no interior mutability (one of `Pod`'s
// requirements), so `&T` may be read from any thread.
unsafe impl<T: bytemuck::Pod> Sync for Plain<'_, T> {}

pub use activation::ActivationLayer;
pub use batch_norm::BatchNorm;
pub use chain::Chain;
pub use conv::Conv2d;
pub use dense::Dense;
pub use drop_connect::DropConnect;
pub use dropout::Dropout;
pub use image::{Flatten, ImageInput};
pub use maxout::Maxout;
pub use pool::{AvgPool2d, MaxPool2d};
pub use residual::Residual;

use crate::arch::Architecture;
use crate::baked::ConstText;
use crate::init::Init;
use crate::{Mode, Rng};

/// Facts about one layer, for summaries and file formats.
#[derive(Clone, Copy)]
pub struct LayerInfo {
    /// Writes the layer as it is written in `network!`, e.g. `Dense<784, 128, ReLU>`.
    pub describe: fn(&mut dyn fmt::Write) -> fmt::Result,
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// Number of trainable parameters.
    pub params: usize,
    /// Number of state values stored after them (see [`Layer::STATE`]): the
    /// layer's values in [`params`](crate::Network::params) are `params + state`.
    pub state: usize,
}

impl fmt::Display for LayerInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.describe)(f)
    }
}

impl fmt::Debug for LayerInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self} ({} -> {}, {} params)", self.inputs, self.outputs, self.params)
    }
}

/// A layer of a network, or a chain of layers.
///
/// The trait works on row-major batches. `forward` writes the output and
/// whatever the layer needs for the backward pass into a `cache` of
/// `batch × CACHE` values; `backward` reads them back.
///
/// # Safety
/// `Self` must be `#[repr(C)]` and consist only of `f32` values (arrays of
/// `f32`, or other layers), all of them trainable parameters, with no padding:
/// [`Network::params`](crate::Network::params) views it as `&[f32]`.
pub unsafe trait Layer: bytemuck::Pod {
    /// Input width.
    const IN: usize;
    /// Output width.
    const OUT: usize;
    /// `f32` values per sample kept from `forward` for `backward`.
    const CACHE: usize;
    /// Number of layers (a [`Chain`] counts its parts).
    const DEPTH: usize = 1;
    /// `f32` values of *state*: values that are stored with the parameters
    /// (in [`params`](crate::Network::params), in torch `state_dict` order)
    /// but not trained, such as the running statistics of a
    /// [`BatchNorm`]. [`visit_state`](Layer::visit_state) names where they
    /// are. After a backward pass, the state values of `grad` are not
    /// gradients but the state's next values, which the training step
    /// (`train_step`, `fit`) copies into the network after the optimizer's
    /// update; the optimizer, penalties and clipping never see them.
    const STATE: usize = 0;
    /// Whether a training batch that the `parallel` feature splits over two
    /// or more threads runs on the calling thread with its dense kernels split
    /// by units (see `nn_core::parallel::units`, built with that feature):
    /// layers whose work is dense kernels, or cheap per-value passes. The
    /// default, `false`, splits the batch by samples instead; a [`Chain`]
    /// splits by units only if all its layers do.
    const SPLIT_BY_UNITS: bool = false;
    /// The architecture text at compile time, the same as [`visit`](Layer::visit)
    /// describes at run time (`Dense<784, 128, ReLU>, Dropout<0.5>, ...`): what
    /// [`baked::decode`](crate::baked::decode) checks a weight file against.
    /// Layers that do not override it are [`ConstText::UNKNOWN`].
    const ARCHITECTURE: ConstText = ConstText::UNKNOWN;
    /// The layer as it is written in `network!`, as a compile-time value
    /// (see [`arch`](crate::arch)): every built-in layer spells itself from
    /// its generic arguments, and a [`Chain`] joins its parts. The default,
    /// [`Architecture::Unknown`], is for layer types that do not: their
    /// networks have no compile-time [`FINGERPRINT`](crate::Network::FINGERPRINT).
    const STRUCTURE: Architecture = Architecture::Unknown;
    /// One input row, `[f32; IN]`.
    type Input: bytemuck::Pod + AsRef<[f32]> + AsMut<[f32]> + fmt::Debug;
    /// One output row, `[f32; OUT]`.
    type Output: bytemuck::Pod + AsRef<[f32]> + AsMut<[f32]> + fmt::Debug;

    /// Calls `f` with the facts of every layer, in order.
    fn visit(f: &mut dyn FnMut(LayerInfo));

    /// Calls `f` with the output shape of every layer, in order, for
    /// [`summary`](crate::Network::summary): `Some([C, H, W])` for the image
    /// layers (`Input`, `Conv2d`, pooling), `None` for flat outputs (the
    /// default; the summary shows `[OUT]`). A [`Chain`] visits its parts.
    fn visit_shapes(f: &mut dyn FnMut(Option<[usize; 3]>)) {
        Self::visit(&mut |_| f(None))
    }

    /// The names of the layers (`network!` item form: the field names), or
    /// empty when the layers have no names.
    fn layer_names() -> &'static [&'static str] {
        &[]
    }

    /// Sets the parameters to their initial values (the default scheme of the layer).
    fn init(&mut self, rng: &mut Rng);

    /// Sets the parameters to initial values, filling every weight matrix
    /// with the scheme `weights` (with the layer's own fans) and everything
    /// else as [`init`](Layer::init) does (biases 0). On a network this
    /// chooses the scheme for all its `Dense` layers at once; on one layer
    /// (a field of a `network!` struct) for that layer alone.
    fn init_with(&mut self, weights: Init, rng: &mut Rng) {
        let _ = weights;
        self.init(rng);
    }

    /// Calls `f` with the range of every weight matrix in the flat
    /// parameters ([`Network::params`](crate::Network::params) order), each
    /// range shifted by `offset`: the parameters that weight penalties apply
    /// to (the `W` of a [`Dense`]), not biases or activation parameters.
    /// Layers without weights call nothing.
    fn visit_weights(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        let _ = (offset, f);
    }

    /// Calls `f` with the range of every block of state values (see
    /// [`STATE`](Layer::STATE)) in the flat parameters, shifted by `offset`.
    /// Layers without state call nothing.
    fn visit_state(offset: usize, f: &mut dyn FnMut(core::ops::Range<usize>)) {
        let _ = (offset, f);
    }

    /// After a [`forward`](Layer::forward) pass of `batch` samples, calls `f`
    /// with the output of every layer, in order, each `batch × OUT` values of
    /// that layer (the activations `a = f(z)`, for diagnostics): `y` is this
    /// layer's output and `cache` its cache, as `forward` left them.
    /// A single layer calls `f(y)`; a [`Chain`] finds the outputs of its inner
    /// layers in its cache. The backward pass leaves them in place, so this
    /// also works after `loss_and_grad_in`.
    fn visit_outputs(y: &[f32], cache: &[f32], batch: usize, f: &mut dyn FnMut(&[f32])) {
        let _ = cache;
        f(&y[..batch * Self::OUT])
    }

    /// Inference on one sample: `x` has `IN` values, `y` gets `OUT`. No cache.
    fn forward_one(&self, x: &[f32], y: &mut [f32]);

    /// Forward pass of a batch: `x` is `batch × IN`, `y` gets `batch × OUT`,
    /// `cache` (`batch × CACHE`) gets what `backward` needs.
    fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32], batch: usize, mode: &mut Mode<'_>);

    /// When the output of this layer is a softmax, the pre-softmax logits of
    /// the last forward pass (`batch × OUT`), found in `x` or `cache`.
    fn logits<'a>(&self, x: &'a [f32], cache: &'a [f32], batch: usize) -> Option<&'a [f32]> {
        let _ = (x, cache, batch);
        None
    }

    /// Backward pass of a batch. `dy` holds `∂C/∂y` (overwritten as scratch),
    /// or `∂C/∂logits` when `dy_is_logit_grad` (only passed to a layer whose
    /// [`logits`](Layer::logits) are `Some`). Adds the parameter gradients to
    /// `grad` and, when `dx` is given, writes `∂C/∂x` into it.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        x: &[f32],
        y: &[f32],
        cache: &mut [f32],
        dy: &mut [f32],
        dx: Option<&mut [f32]>,
        grad: &mut Self,
        batch: usize,
        dy_is_logit_grad: bool,
    );
}
