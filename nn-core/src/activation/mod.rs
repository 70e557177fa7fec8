//! Activation functions, usable inside [`Dense`](crate::Dense) and as their own
//! width-preserving layers ([`ActivationLayer`](crate::ActivationLayer)).
//!
//! Every activation matches PyTorch's definition (the `torch.nn` module of the
//! same name, default arguments) including the derivative chosen at kinks.
//! An activation works on whole batches laid out row-major, `width` values per
//! sample: most are element-wise, [`Softmax`] is row-wise.

use core::fmt;

mod elu;
mod identity;
mod prelu;
mod relu;
mod sigmoid;
pub(crate) mod softmax;
mod softplus;
mod step;
mod tanh;

pub use elu::ELU;
pub use identity::Identity;
pub use prelu::{ChannelPReLU, PReLU};
pub use relu::{LeakyReLU, ReLU};
pub use sigmoid::Sigmoid;
pub use softmax::Softmax;
pub use softplus::Softplus;
pub use step::Step;
pub use tanh::Tanh;

use crate::arch::Part;
use crate::baked::ConstText;
use crate::init::Init;

/// An activation function `a = f(z)`.
///
/// # Safety
/// Implementors must be `#[repr(C)]` (or `#[repr(transparent)]`) structs made
/// only of `f32` fields (or zero-sized): a layer holding an activation is then
/// one contiguous block of `f32`, which [`Network::params`](crate::Network::params)
/// relies on. Learned parameters of the activation (for example the slope of
/// [`PReLU`]) are those `f32` fields.
pub unsafe trait Activation: bytemuck::Pod + fmt::Debug {
    /// `true` only for [`Softmax`]: the loss may then fuse its gradient with it.
    const IS_SOFTMAX: bool = false;

    /// The same function as a kernel epilogue, if there is one: then
    /// [`Dense`](crate::Dense) applies it as the kernel stores each output of
    /// a single-sample [`predict`](crate::Network::predict), with no
    /// intermediate buffer (less code and stack on a microcontroller).
    /// `forward` must give the same bits.
    const EPILOGUE: Option<crate::kernel::Epilogue> = None;

    /// The initializer [`Dense`](crate::Dense) uses for weights in front of
    /// this activation: He (Kaiming) for the ReLU family, Xavier (Glorot) otherwise.
    const DEFAULT_INIT: Init = Init::XavierUniform;

    /// The name as [`describe`](Activation::describe) writes it, at compile
    /// time (for [`Layer::ARCHITECTURE`](crate::Layer::ARCHITECTURE));
    /// [`ConstText::UNKNOWN`] unless overridden.
    const NAME: ConstText = ConstText::UNKNOWN;
    /// The name as it is written in `network!`, as compile-time pieces
    /// (see [`arch`](crate::arch)); must spell what [`describe`](Activation::describe)
    /// writes. The default, [`Part::Unknown`], leaves networks using the
    /// activation without a compile-time fingerprint.
    const DESCRIPTION: &'static [Part] = &[Part::Unknown];

    /// Writes the name as it is written in `network!`, e.g. `LeakyReLU<0.1>`.
    fn describe(f: &mut dyn fmt::Write) -> fmt::Result;

    /// Sets learned parameters to their initial values (no-op for most).
    fn init(&mut self) {}

    /// `a = f(z)` for a batch of rows of `width` values.
    fn forward(&self, z: &[f32], a: &mut [f32], width: usize);

    /// Replaces `d = ∂C/∂a` with `∂C/∂z` in place, given the `z` and `a` of
    /// the forward pass, and adds the gradients of the activation's own
    /// parameters (if any) to `grad`.
    fn backward(&self, z: &[f32], a: &[f32], d: &mut [f32], width: usize, grad: &mut Self);
}

/// Applies `f` element-wise: `a[i] = f(z[i])`.
#[inline]
pub(crate) fn map(z: &[f32], a: &mut [f32], f: impl Fn(f32) -> f32) {
    for (a, &z) in a.iter_mut().zip(z) {
        *a = f(z);
    }
}

/// Multiplies `d` element-wise by the derivative `df(z, a)`.
#[inline]
pub(crate) fn scale_by_derivative(z: &[f32], a: &[f32], d: &mut [f32], df: impl Fn(f32, f32) -> f32) {
    for ((d, &z), &a) in d.iter_mut().zip(z).zip(a) {
        *d *= df(z, a);
    }
}

/// Writes an `f32` generic argument the way it is written in source (`0.01`, `1.0`).
pub(crate) fn write_float(f: &mut dyn fmt::Write, x: f32) -> fmt::Result {
    if x == libm::truncf(x) && x.abs() < 1e7 {
        write!(f, "{x:.1}")
    } else {
        write!(f, "{x}")
    }
}
