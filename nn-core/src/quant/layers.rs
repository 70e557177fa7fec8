use core::fmt;
use core::marker::PhantomData;

use super::{QLayer, QParams, Quantize, Range};
use crate::activation::{Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Softplus, Step, Tanh, ELU};
use crate::{ActivationLayer, Chain, Dropout, Layer, Result};

/// How an activation runs in int8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantKind {
    /// Nothing to do: the requantized sum is the output.
    Identity,
    /// `max(q, zero point)` on the requantized sum.
    ReLU,
    /// In `f32` on the dequantized pre-activation, then quantized again.
    Float,
}

/// An activation with an int8 form: every built-in activation without
/// learned parameters (not [`PReLU`](crate::PReLU)).
///
/// # Safety
/// `Self` must be zero-sized (the quantized layers store no activation data).
#[diagnostic::on_unimplemented(
    message = "the activation `{Self}` has no int8 form",
    note = "int8 quantization takes activations without learned parameters: every built-in one but PReLU"
)]
pub unsafe trait QuantActivation: Activation + 'static {
    /// How it runs in int8.
    const KIND: QuantKind;
}

macro_rules! float_kind {
    ($($t:ty),*) => {$(
        // SAFETY: zero-sized.
        unsafe impl QuantActivation for $t {
            const KIND: QuantKind = QuantKind::Float;
        }
    )*};
}

// SAFETY: zero-sized.
unsafe impl QuantActivation for Identity {
    const KIND: QuantKind = QuantKind::Identity;
}
// SAFETY: zero-sized.
unsafe impl QuantActivation for ReLU {
    const KIND: QuantKind = QuantKind::ReLU;
}
float_kind!(Sigmoid, Tanh, Softmax, Softplus, Step);
// SAFETY: zero-sized.
unsafe impl<const ALPHA: u32> QuantActivation for LeakyReLU<ALPHA> {
    const KIND: QuantKind = QuantKind::Float;
}
// SAFETY: zero-sized.
unsafe impl<const ALPHA: u32> QuantActivation for ELU<ALPHA> {
    const KIND: QuantKind = QuantKind::Float;
}

/// Runs the `f32` activation `A` on dequantized values.
fn dequantized<const N: usize, A: QuantActivation>(x: &[i8], input: QParams) -> [f32; N] {
    let mut z = [0.0f32; N];
    for (z, &x) in z.iter_mut().zip(x) {
        *z = input.dequantize(x);
    }
    let mut a = [0.0f32; N];
    <A as bytemuck::Zeroable>::zeroed().forward(&z, &mut a, N);
    a
}

/// The int8 form of [`ActivationLayer<N, A>`](crate::ActivationLayer): `ReLU`
/// clamps at the input's zero point and `Identity` copies (both keep the
/// input's quantization); other activations run in `f32` and are quantized
/// again with the calibrated `output`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct QActivation<const N: usize, A> {
    /// The quantization of the output (used by [`QuantKind::Float`] only).
    pub output: QParams,
    activation: PhantomData<A>,
}

// SAFETY: repr(C) of QParams (alignment 1) and a ZST.
unsafe impl<const N: usize, A: QuantActivation> bytemuck::Zeroable for QActivation<N, A> {}
unsafe impl<const N: usize, A: QuantActivation> bytemuck::Pod for QActivation<N, A> {}

impl<const N: usize, A: QuantActivation> fmt::Debug for QActivation<N, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        A::describe(f)?;
        write!(f, " int8, output {:?}", self.output)
    }
}

// SAFETY: see the Pod impl.
unsafe impl<const N: usize, A: QuantActivation> QLayer for QActivation<N, A> {
    const IN: usize = N;
    const OUT: usize = N;
    type QInput = [i8; N];
    type QOutput = [i8; N];

    fn output_params(&self, input: QParams) -> QParams {
        match A::KIND {
            QuantKind::Float => self.output,
            _ => input,
        }
    }

    fn forward_q(&self, x: &[i8], input: QParams, y: &mut [i8]) -> QParams {
        let (x, y) = (&x[..N], &mut y[..N]);
        match A::KIND {
            QuantKind::Identity => y.copy_from_slice(x),
            QuantKind::ReLU => {
                for (y, &x) in y.iter_mut().zip(x) {
                    *y = x.max(input.zero());
                }
            }
            QuantKind::Float => {
                let a = dequantized::<N, A>(x, input);
                for (y, &a) in y.iter_mut().zip(&a) {
                    *y = self.output.quantize(a);
                }
            }
        }
        self.output_params(input)
    }

    fn forward_f(&self, x: &[i8], input: QParams, y: &mut [f32]) {
        y[..N].copy_from_slice(&dequantized::<N, A>(x, input));
    }

    fn validate(&self, input: QParams, layer: usize) -> core::result::Result<QParams, (usize, &'static str)> {
        let output = self.output_params(input);
        if output.is_valid() {
            Ok(output)
        } else {
            Err((layer, "output scale"))
        }
    }
}

impl<const N: usize, A: QuantActivation> Quantize for ActivationLayer<N, A> {
    type Quantized = QActivation<N, A>;

    fn observe(&self, x: &[f32], y: &mut [f32], ranges: &mut [Range]) {
        self.forward_one(x, y);
        ranges[0].observe(&y[..N]);
    }

    fn quantize_into(
        &self,
        input: QParams,
        ranges: &[Range],
        _layer: usize,
        out: &mut Self::Quantized,
    ) -> Result<QParams> {
        out.output = match A::KIND {
            QuantKind::Float => ranges[0].params(),
            _ => input,
        };
        Ok(out.output_params(input))
    }
}

/// The int8 form of [`Dropout`](crate::Dropout): nothing (dropout is the
/// identity in inference), zero bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct QDropout<const N: usize>;

// SAFETY: zero-sized.
unsafe impl<const N: usize> bytemuck::Zeroable for QDropout<N> {}
unsafe impl<const N: usize> bytemuck::Pod for QDropout<N> {}

// SAFETY: zero-sized.
unsafe impl<const N: usize> QLayer for QDropout<N> {
    const IN: usize = N;
    const OUT: usize = N;
    type QInput = [i8; N];
    type QOutput = [i8; N];

    fn output_params(&self, input: QParams) -> QParams {
        input
    }

    fn forward_q(&self, x: &[i8], input: QParams, y: &mut [i8]) -> QParams {
        y[..N].copy_from_slice(&x[..N]);
        input
    }

    fn forward_f(&self, x: &[i8], input: QParams, y: &mut [f32]) {
        for (y, &x) in y[..N].iter_mut().zip(&x[..N]) {
            *y = input.dequantize(x);
        }
    }

    fn validate(&self, input: QParams, _layer: usize) -> core::result::Result<QParams, (usize, &'static str)> {
        Ok(input)
    }
}

impl<const N: usize, const P: u32> Quantize for Dropout<N, P> {
    type Quantized = QDropout<N>;

    fn observe(&self, x: &[f32], y: &mut [f32], ranges: &mut [Range]) {
        y[..N].copy_from_slice(&x[..N]);
        ranges[0].observe(&y[..N]);
    }

    fn quantize_into(
        &self,
        input: QParams,
        _ranges: &[Range],
        _layer: usize,
        _out: &mut QDropout<N>,
    ) -> Result<QParams> {
        Ok(input)
    }
}

/// The int8 form of [`Chain<A, B>`](crate::Chain).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct QChain<A, B> {
    /// The first layer.
    pub first: A,
    /// The layers after it.
    pub rest: B,
}

// SAFETY: repr(C) of two quantized layers (alignment 1): no padding.
unsafe impl<A: QLayer, B: QLayer> bytemuck::Zeroable for QChain<A, B> {}
unsafe impl<A: QLayer, B: QLayer> bytemuck::Pod for QChain<A, B> {}

// SAFETY: see the Pod impl.
unsafe impl<A: QLayer, B: QLayer> QLayer for QChain<A, B> {
    const IN: usize = A::IN;
    const OUT: usize = B::OUT;
    const DEPTH: usize = A::DEPTH + B::DEPTH;
    type QInput = A::QInput;
    type QOutput = B::QOutput;

    fn output_params(&self, input: QParams) -> QParams {
        self.rest.output_params(self.first.output_params(input))
    }

    #[inline]
    fn forward_q(&self, x: &[i8], input: QParams, y: &mut [i8]) -> QParams {
        let mut mid: A::QOutput = bytemuck::Zeroable::zeroed();
        let p = self.first.forward_q(x, input, mid.as_mut());
        self.rest.forward_q(mid.as_ref(), p, y)
    }

    #[inline]
    fn forward_f(&self, x: &[i8], input: QParams, y: &mut [f32]) {
        let mut mid: A::QOutput = bytemuck::Zeroable::zeroed();
        let p = self.first.forward_q(x, input, mid.as_mut());
        self.rest.forward_f(mid.as_ref(), p, y)
    }

    fn validate(&self, input: QParams, layer: usize) -> core::result::Result<QParams, (usize, &'static str)> {
        let p = self.first.validate(input, layer)?;
        self.rest.validate(p, layer + A::DEPTH)
    }
}

impl<A: Quantize, B: Quantize> Quantize for Chain<A, B> {
    type Quantized = QChain<A::Quantized, B::Quantized>;

    fn observe(&self, x: &[f32], y: &mut [f32], ranges: &mut [Range]) {
        let mut mid: A::Output = bytemuck::Zeroable::zeroed();
        let (ra, rb) = ranges.split_at_mut(A::DEPTH);
        self.first.observe(x, mid.as_mut(), ra);
        self.rest.observe(mid.as_ref(), y, rb);
    }

    fn quantize_into(
        &self,
        input: QParams,
        ranges: &[Range],
        layer: usize,
        out: &mut Self::Quantized,
    ) -> Result<QParams> {
        let (ra, rb) = ranges.split_at(A::DEPTH);
        let p = self.first.quantize_into(input, ra, layer, &mut out.first)?;
        self.rest.quantize_into(p, rb, layer + A::DEPTH, &mut out.rest)
    }
}
