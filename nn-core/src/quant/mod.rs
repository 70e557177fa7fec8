//! Int8 post-training quantization of networks of [`Dense`](crate::Dense)
//! layers, for microcontrollers: a quarter of the flash of the `f32` weights,
//! integer arithmetic, and outputs that are the same bits on every target.
//!
//! ```
//! use nn_core::{quant, Chain, Dense, Network, ReLU, Softmax};
//! type Net = Chain<Dense<4, 8, ReLU>, Dense<8, 3, Softmax>>;
//! let net = Net::boxed(&mut nn_core::rng(1));
//! let calibration: Vec<[f32; 4]> = (0..64).map(|i| [i as f32 / 64.0, 0.5, -0.25, 1.0]).collect();
//! let q: Box<quant::Int8<Net>> = quant::quantize(&*net, &calibration)?;
//! let (y, y8) = (net.predict(&calibration[3]), q.predict(&calibration[3]));
//! assert!(y.iter().zip(&y8).all(|(a, b)| (a - b).abs() < 0.05));
//! // Bytes for a file, or for `include_quantized!` in a firmware:
//! let bytes = q.to_bytes();
//! assert_eq!(quant::Int8::<Net>::from_bytes(&bytes)?.to_bytes(), bytes);
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! The quantized network is a type derived from the `f32` one,
//! [`Int8<N>`], through the [`Quantize`] trait: `Dense<IN, OUT, A>` becomes
//! [`QDense<IN, OUT, A>`](QDense), a standalone activation
//! [`QActivation<N, A>`](QActivation), `Dropout` nothing at all
//! ([`QDropout`], zero-sized: it is the identity in inference), and
//! [`Chain<A, B>`](crate::Chain) `QChain<A::Quantized, B::Quantized>`; the
//! widths stay constants of the types, so `q.predict(&[0.0; 783])` on a
//! 784-input network is a compile error as it is in `f32`:
//!
//! ```compile_fail
//! # use nn_core::{quant, Chain, Dense, ReLU, Softmax};
//! type Net = Chain<Dense<4, 8, ReLU>, Dense<8, 3, Softmax>>;
//! fn run(q: &quant::Int8<Net>) -> [f32; 3] {
//!     q.predict(&[0.0; 5]) // the network takes 4 inputs
//! }
//! ```
//!
//! and so is quantizing a layer without an int8 form (`PReLU` learns its slope):
//!
//! ```compile_fail
//! # use nn_core::{quant, Dense, Network, PReLU};
//! let net = Dense::<2, 2, PReLU>::zeros();
//! let q = quant::quantize(&net, &[[0.0, 1.0]]);
//! ```
//!
//! Networks declared
//! with the item form of `network!` (named fields) get the trait from
//! [`quantize_as!`](crate::quantize_as), which checks at compile time that the
//! chain named there is the same architecture.
//!
//! # The arithmetic
//!
//! - **Weights**: int8, symmetric, one scale per output unit (per channel):
//!   `s_w[o] = max_i |W[o][i]| / 127` (1 for a row of zeros),
//!   `q = round(W / s_w)` in −127..=127.
//! - **Activations** (the network's input and the output of every layer):
//!   int8, asymmetric, one scale and zero point per tensor, calibrated by
//!   **min/max** over the calibration samples (the `f32` network run on them):
//!   the range `[min(lo, 0), max(hi, 0)]` (so that 0 is exact) is cut into 255
//!   steps, `s = (hi − lo) / 255`, `z = round(−128 − lo / s)`, and
//!   `q = clamp(round(x / s) + z, −128, 127)`.
//! - **Accumulation** in `i32`: `acc[o] = B[o] + Σ_i q_w[o][i] · q_x[i]`, where
//!   the bias is quantized with the accumulator's scale `s_x · s_w[o]` and the
//!   input's zero point is folded into it:
//!   `B[o] = round(b[o] / (s_x s_w[o])) − z_x Σ_i q_w[o][i]` (an error if it
//!   does not fit in ±2³⁰). Inputs are limited to 65,536 per unit, so the
//!   sum cannot overflow.
//! - **Requantization** to the next layer, in integers only:
//!   `M = s_x s_w[o] / s_y` is stored as a fixed-point multiplier
//!   `m ∈ [2³⁰, 2³¹)` and a right shift `n` (`M ≈ m · 2⁻ⁿ`, computed in `f64`
//!   when quantizing), and `q_y = clamp(z_y + requantize(acc, m, n), −128, 127)`
//!   where [`requantize`] rounds half up, in two steps as gemmlowp does when
//!   `n ≥ 32` (`M < ½`): the high word of the 64-bit product `acc · m`
//!   rounded, then a rounding shift by `n − 32`. `ReLU` is then `max(q_y, z_y)` and
//!   `Identity` nothing; every other activation (sigmoid, tanh, softmax, ...)
//!   runs in `f32` on the dequantized pre-activation `acc · (s_x · s_w[o])` and
//!   is quantized again with its own calibrated scale.
//! - **The last layer** is not requantized: its output is
//!   `f32` = `f(acc · (s_x · s_w[o]))` with the `f32` activation (softmax
//!   gives probabilities as in `f32`).
//!
//! Every step is integer arithmetic or a single IEEE `f32` operation in a
//! fixed order (no fused multiply-add, `libm` for `exp`): a host and a
//! Cortex-M compute the same bits, which the firmware in `embedded/` checks.
//! Rounding everywhere when quantizing is half away from zero
//! (`libm::round`), except the requantization shifts (half up).
//!
//! # Files
//!
//! [`Int8::to_bytes`] writes the library's weight-file layout with its own
//! magic (see [`file`](mod@file)); [`decode_int8`] reads it in a `const fn`, so that
//! [`include_quantized!`](crate::include_quantized) bakes a quantized
//! network into a `static` in flash, as [`baked`](crate::baked) does for `f32`.
//! The quantized types are made only of bytes (`i8`, and `i32`/`f32` stored
//! as little-endian byte arrays, [`LeI32`], [`LeF32`]): alignment 1, no
//! padding, the same image on every target.

use core::fmt;
use core::marker::PhantomData;

use crate::{Error, Layer, Network, Result};

mod dense;
pub mod file;
mod fixed;
mod layers;

pub use dense::QDense;
pub use file::{decode_int8, MAGIC, VERSION};
pub use fixed::{fixed_point, requantize};
pub use layers::{QActivation, QChain, QDropout, QuantActivation, QuantKind};

/// An `i32` stored as 4 little-endian bytes (alignment 1).
#[repr(transparent)]
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct LeI32(pub [u8; 4]);

impl LeI32 {
    /// Stores `v`.
    pub const fn new(v: i32) -> Self {
        LeI32(v.to_le_bytes())
    }
    /// The value.
    #[inline(always)]
    pub const fn get(self) -> i32 {
        i32::from_le_bytes(self.0)
    }
}

impl fmt::Debug for LeI32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

/// An `f32` stored as 4 little-endian bytes (alignment 1).
#[repr(transparent)]
#[derive(Clone, Copy, Default, PartialEq)]
pub struct LeF32(pub [u8; 4]);

impl LeF32 {
    /// Stores `v`.
    pub const fn new(v: f32) -> Self {
        LeF32(v.to_bits().to_le_bytes())
    }
    /// The value.
    #[inline(always)]
    pub const fn get(self) -> f32 {
        f32::from_bits(u32::from_le_bytes(self.0))
    }
}

impl fmt::Debug for LeF32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

// SAFETY: byte arrays.
unsafe impl bytemuck::Zeroable for LeI32 {}
unsafe impl bytemuck::Pod for LeI32 {}
unsafe impl bytemuck::Zeroable for LeF32 {}
unsafe impl bytemuck::Pod for LeF32 {}

/// The quantization of one tensor: `x ≈ (q − zero) · scale`, `q` an `i8`.
#[repr(C)]
#[derive(Clone, Copy, Default, PartialEq)]
pub struct QParams {
    scale: LeF32,
    zero: i8,
}

// SAFETY: repr(C) of byte-aligned fields, 5 bytes, no padding.
unsafe impl bytemuck::Zeroable for QParams {}
unsafe impl bytemuck::Pod for QParams {}

impl fmt::Debug for QParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QParams {{ scale: {}, zero: {} }}", self.scale(), self.zero())
    }
}

impl QParams {
    /// The parameters with `scale` (positive, finite) and zero point `zero`.
    pub const fn new(scale: f32, zero: i8) -> Self {
        QParams { scale: LeF32::new(scale), zero }
    }

    /// The step between two consecutive `i8` values.
    #[inline(always)]
    pub const fn scale(&self) -> f32 {
        self.scale.get()
    }

    /// The `i8` that stands for 0.0.
    #[inline(always)]
    pub const fn zero(&self) -> i8 {
        self.zero
    }

    /// Asymmetric int8 parameters covering `[lo, hi]` widened to hold 0:
    /// `scale = (hi − lo) / 255`, `zero = round(−128 − lo / scale)`. An empty
    /// range (`lo = hi = 0`) gets scale 1. `lo` and `hi` must be finite.
    pub fn from_range(lo: f32, hi: f32) -> Self {
        let (lo, hi) = (f64::from(lo.min(0.0)), f64::from(hi.max(0.0)));
        if hi - lo <= 0.0 {
            return QParams::new(1.0, -128);
        }
        let scale = ((hi - lo) / 255.0) as f32;
        let scale = if scale.is_finite() { scale.max(f32::MIN_POSITIVE) } else { f32::MAX };
        let zero = libm::round(-128.0 - lo / f64::from(scale)).clamp(-128.0, 127.0);
        QParams::new(scale, zero as i8)
    }

    /// `clamp(round(x / scale) + zero, −128, 127)`, rounding half away from
    /// zero; NaN gives 0.
    #[inline]
    pub fn quantize(&self, x: f32) -> i8 {
        let q = libm::roundf(x / self.scale()) + f32::from(self.zero);
        q.clamp(-128.0, 127.0) as i8
    }

    /// `(q − zero) · scale`.
    #[inline]
    pub fn dequantize(&self, q: i8) -> f32 {
        (i32::from(q) - i32::from(self.zero)) as f32 * self.scale()
    }

    /// Whether the scale is positive and finite.
    pub fn is_valid(&self) -> bool {
        let s = self.scale();
        s.is_finite() && s > 0.0
    }
}

/// The smallest and largest value seen in a tensor (calibration).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Smallest value (`+∞` before any).
    pub min: f32,
    /// Largest value (`−∞` before any).
    pub max: f32,
    /// Whether every value seen was finite.
    pub finite: bool,
}

impl Range {
    /// No value seen.
    pub const EMPTY: Range = Range { min: f32::INFINITY, max: f32::NEG_INFINITY, finite: true };

    /// Widens the range to hold `xs`.
    pub fn observe(&mut self, xs: &[f32]) {
        for &x in xs {
            if x.is_finite() {
                self.min = self.min.min(x);
                self.max = self.max.max(x);
            } else {
                self.finite = false;
            }
        }
    }

    /// The int8 parameters of the range ([`QParams::from_range`]).
    pub fn params(&self) -> QParams {
        if self.min > self.max {
            QParams::from_range(0.0, 0.0)
        } else {
            QParams::from_range(self.min, self.max)
        }
    }
}

/// What can make quantization fail (inside [`Error::Quantization`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QuantError {
    /// The calibration set has no sample.
    EmptyCalibration,
    /// A calibration sample holds NaN or an infinity.
    NonFiniteInput {
        /// The sample (0-based).
        sample: usize,
        /// The value in it.
        index: usize,
    },
    /// A parameter of the `f32` network is NaN or infinite.
    NonFiniteParameter {
        /// Its index in [`Network::params`].
        index: usize,
    },
    /// A layer gave NaN or infinite outputs on the calibration set.
    NonFiniteActivation {
        /// The layer (0-based, as in `network!`).
        layer: usize,
    },
    /// A value does not fit its integer type.
    OutOfRange {
        /// The layer (0-based).
        layer: usize,
        /// Which value (`"bias"`, `"requantization multiplier"`).
        what: &'static str,
    },
    /// The buffer of calibration ranges given to [`quantize_into`] is shorter
    /// than the network's number of layers.
    RangesTooShort {
        /// The number of layers.
        needed: usize,
        /// The length given.
        found: usize,
    },
}

impl fmt::Display for QuantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            QuantError::EmptyCalibration => {
                f.write_str("the calibration set is empty: quantization needs at least one sample")
            }
            QuantError::NonFiniteInput { sample, index } => {
                write!(f, "calibration sample {sample} holds a value that is not finite (at index {index})")
            }
            QuantError::NonFiniteParameter { index } => {
                write!(f, "parameter {index} of the network is not finite: it cannot be quantized")
            }
            QuantError::NonFiniteActivation { layer } => write!(
                f,
                "layer {layer} gives values that are not finite on the calibration set: they cannot be quantized"
            ),
            QuantError::OutOfRange { layer, what } => {
                write!(f, "layer {layer}: the {what} does not fit its integer type (the weights or scales are extreme)")
            }
            QuantError::RangesTooShort { needed, found } => {
                write!(f, "the calibration buffer holds {found} ranges, but this network has {needed} layers")
            }
        }
    }
}

impl From<QuantError> for Error {
    fn from(e: QuantError) -> Self {
        Error::Quantization(e)
    }
}

/// A quantized layer: int8 rows in, int8 (or `f32`, for the last layer) out.
///
/// # Safety
/// `Self` must be `#[repr(C)]` (or zero-sized) and made only of fields of
/// alignment 1 (`i8`, [`LeI32`], [`LeF32`], [`QParams`], other quantized
/// layers), so that it has no padding and its bytes are the file image.
pub unsafe trait QLayer: bytemuck::Pod {
    /// Input width.
    const IN: usize;
    /// Output width.
    const OUT: usize;
    /// One quantized input row, `[i8; IN]`.
    type QInput: bytemuck::Pod + AsRef<[i8]> + AsMut<[i8]> + fmt::Debug;
    /// One quantized output row, `[i8; OUT]`.
    type QOutput: bytemuck::Pod + AsRef<[i8]> + AsMut<[i8]> + fmt::Debug;

    /// The quantization of the output, given that of the input.
    fn output_params(&self, input: QParams) -> QParams;

    /// `x` (`IN` values quantized with `input`) to `y` (`OUT` values, quantized
    /// with the returned parameters, [`output_params`](QLayer::output_params)).
    fn forward_q(&self, x: &[i8], input: QParams, y: &mut [i8]) -> QParams;

    /// `x` (`IN` values quantized with `input`) to `OUT` `f32` values: the
    /// last layer of a network.
    fn forward_f(&self, x: &[i8], input: QParams, y: &mut [f32]);

    /// Checks the stored values of a layer read from bytes (finite positive
    /// scales, shifts in range), calling `err(layer, what)` on the first bad one.
    fn validate(&self, input: QParams, layer: usize) -> core::result::Result<QParams, (usize, &'static str)>;

    /// Number of layers (as [`Layer::DEPTH`]).
    const DEPTH: usize = 1;
}

/// A layer (or a network of layers) that has an int8 form.
///
/// Implemented for [`Dense`](crate::Dense) with the activations of
/// [`QuantActivation`] (all but `PReLU`), for those activations as layers of
/// their own, for [`Dropout`](crate::Dropout) and for [`Chain`](crate::Chain);
/// for an item-form `network!` through [`quantize_as!`](crate::quantize_as).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no int8 form",
    note = "int8 quantization covers Dense with any activation but PReLU, standalone activations, Dropout and chains of them; for a `network! {{ pub struct .. }}` write `nn::quantize_as!(Name, nn::network![..the same layers..]);`"
)]
pub trait Quantize: Layer {
    /// The int8 form of the layer.
    type Quantized: QLayer;

    /// Runs one sample `x` (`IN` values) through the `f32` layer, writing
    /// `y` (`OUT` values) and widening `ranges[k]` (`DEPTH` of them) with the
    /// outputs of layer `k` (calibration).
    fn observe(&self, x: &[f32], y: &mut [f32], ranges: &mut [Range]);

    /// Writes the int8 form of the layer into `out`, given the quantization
    /// of its input and the calibrated output ranges of its layers; `layer`
    /// is the index of its first layer in the network (for errors). Returns
    /// the quantization of its output.
    fn quantize_into(
        &self,
        input: QParams,
        ranges: &[Range],
        layer: usize,
        out: &mut Self::Quantized,
    ) -> Result<QParams>;
}

/// The int8 form of the network `N`: the quantization of the input, and
/// the quantized layers. Made of bytes only (see the [module docs](self)).
#[repr(C)]
pub struct Int8<N: Quantize> {
    input: QParams,
    layers: N::Quantized,
    net: PhantomData<N>,
}

impl<N: Quantize> Clone for Int8<N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<N: Quantize> Copy for Int8<N> {}

// SAFETY: repr(C) of fields of alignment 1 (QParams, a QLayer) and a ZST: no padding.
unsafe impl<N: Quantize> bytemuck::Zeroable for Int8<N> {}
unsafe impl<N: Quantize + 'static> bytemuck::Pod for Int8<N> {}

impl<N: Quantize> fmt::Debug for Int8<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Int8<")?;
        N::visit(&mut |info| {
            let _ = write!(f, "{info}; ");
        });
        write!(f, "input {:?}>", self.input)
    }
}

/// The int8 row a network `N` takes, `[i8; N::INPUT]`.
pub type QInput<N> = <<N as Quantize>::Quantized as QLayer>::QInput;

impl<N: Quantize> Int8<N> {
    /// Size of the quantized network in bytes (the flash it needs).
    pub const BYTES: usize = core::mem::size_of::<Self>();

    /// The quantization of the network's input.
    pub fn input_params(&self) -> QParams {
        self.input
    }

    /// The quantized layers.
    pub fn layers(&self) -> &N::Quantized {
        &self.layers
    }

    /// The input row quantized as the network expects it.
    pub fn quantize_input(&self, x: &N::Input) -> QInput<N> {
        let mut q: QInput<N> = bytemuck::Zeroable::zeroed();
        for (q, &x) in q.as_mut().iter_mut().zip(x.as_ref()) {
            *q = self.input.quantize(x);
        }
        q
    }

    /// The output for one `f32` input: the input is quantized, the layers
    /// run in int8, the last one gives `f32`. Cannot fail.
    pub fn predict(&self, x: &N::Input) -> N::Output {
        self.predict_q(&self.quantize_input(x))
    }

    /// The output for one input already quantized with
    /// [`input_params`](Int8::input_params).
    pub fn predict_q(&self, x: &QInput<N>) -> N::Output {
        let mut y: N::Output = bytemuck::Zeroable::zeroed();
        self.layers.forward_f(x.as_ref(), self.input, y.as_mut());
        y
    }

    /// The outputs for a batch; `outputs` must be as long as `xs`.
    pub fn predict_batch(&self, xs: &[N::Input], outputs: &mut [N::Output]) -> Result<()> {
        crate::error::check_len("outputs", xs.len(), outputs.len())?;
        for (x, y) in xs.iter().zip(outputs.iter_mut()) {
            *y = self.predict(x);
        }
        Ok(())
    }

    /// The bytes of the quantized network in the file format of [`file`](mod@file).
    #[cfg(feature = "alloc")]
    pub fn to_bytes(&self) -> alloc::vec::Vec<u8>
    where
        N: 'static,
    {
        file::to_bytes(self)
    }

    /// A quantized network read from bytes written by [`to_bytes`](Int8::to_bytes);
    /// a damaged file, another architecture or invalid values are errors.
    #[cfg(feature = "alloc")]
    pub fn from_bytes(bytes: &[u8]) -> Result<alloc::boxed::Box<Self>>
    where
        N: 'static,
    {
        file::from_bytes(bytes)
    }
}

/// Quantizes `net` to int8, calibrating the activation ranges on the samples
/// `xs` (min/max; a few hundred to a few thousand samples typical of the
/// data). Errors: an empty `xs`, a non-finite value in `xs` or in `net`, a
/// layer giving non-finite values, a bias or scale that does not fit.
#[cfg(feature = "alloc")]
pub fn quantize<N: Quantize + 'static>(net: &N, xs: &[N::Input]) -> Result<alloc::boxed::Box<Int8<N>>> {
    let mut ranges = alloc::vec![Range::EMPTY; N::DEPTH];
    let mut out = bytemuck::zeroed_box::<Int8<N>>();
    quantize_into(net, xs, &mut ranges, &mut out)?;
    Ok(out)
}

/// [`quantize`] without an allocator: `ranges` (at least `N::DEPTH` long)
/// holds the calibration, `out` gets the quantized network.
pub fn quantize_into<N: Quantize>(net: &N, xs: &[N::Input], ranges: &mut [Range], out: &mut Int8<N>) -> Result<()> {
    if ranges.len() < N::DEPTH {
        return Err(QuantError::RangesTooShort { needed: N::DEPTH, found: ranges.len() }.into());
    }
    let ranges = &mut ranges[..N::DEPTH];
    if xs.is_empty() {
        return Err(QuantError::EmptyCalibration.into());
    }
    if let Some(index) = net.params().iter().position(|p| !p.is_finite()) {
        return Err(QuantError::NonFiniteParameter { index }.into());
    }
    let mut input = Range::EMPTY;
    for (sample, x) in xs.iter().enumerate() {
        if let Some(index) = x.as_ref().iter().position(|v| !v.is_finite()) {
            return Err(QuantError::NonFiniteInput { sample, index }.into());
        }
        input.observe(x.as_ref());
    }
    ranges.fill(Range::EMPTY);
    for x in xs {
        let mut y: N::Output = bytemuck::Zeroable::zeroed();
        net.observe(x.as_ref(), y.as_mut(), ranges);
    }
    if let Some(layer) = ranges.iter().position(|r| !r.finite) {
        return Err(QuantError::NonFiniteActivation { layer }.into());
    }
    let params = input.params();
    net.quantize_into(params, ranges, 0, &mut out.layers)?;
    out.input = params;
    Ok(())
}

/// Implements [`Quantize`] for a network declared with the item form of
/// `network!` (named fields), through the equivalent type-form network:
///
/// ```ignore
/// nn::network! { pub struct Mnist { hidden: Dense<784, 128, ReLU>, dropout: Dropout<0.5>, output: Dense<128, 10, Softmax> } }
/// nn::quantize_as!(Mnist, nn::network![Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>]);
/// ```
///
/// Both have the same memory layout; a chain with other layers is a compile
/// error (the architectures are compared by the compiler).
#[macro_export]
macro_rules! quantize_as {
    ($net:ty, $chain:ty $(,)?) => {
        const _: () = ::core::assert!(
            $crate::quant::same_architecture::<$net, $chain>(),
            "quantize_as!: the chain does not have the layers of the network"
        );
        impl $crate::quant::Quantize for $net {
            type Quantized = <$chain as $crate::quant::Quantize>::Quantized;
            fn observe(&self, x: &[f32], y: &mut [f32], ranges: &mut [$crate::quant::Range]) {
                $crate::quant::Quantize::observe($crate::quant::__as_chain::<$net, $chain>(self), x, y, ranges)
            }
            fn quantize_into(
                &self,
                input: $crate::quant::QParams,
                ranges: &[$crate::quant::Range],
                layer: usize,
                out: &mut Self::Quantized,
            ) -> $crate::Result<$crate::quant::QParams> {
                $crate::quant::Quantize::quantize_into(
                    $crate::quant::__as_chain::<$net, $chain>(self),
                    input,
                    ranges,
                    layer,
                    out,
                )
            }
        }
    };
}

/// Whether `A` and `B` are the same layers (compile-time architecture text,
/// size and widths): what [`quantize_as!`](crate::quantize_as) checks.
pub const fn same_architecture<A: Layer, B: Layer>() -> bool {
    let (a, b) = (A::ARCHITECTURE, B::ARCHITECTURE);
    a.is_complete()
        && b.is_complete()
        && crate::baked::bytes_eq(a.as_bytes(), b.as_bytes())
        && core::mem::size_of::<A>() == core::mem::size_of::<B>()
        && A::IN == B::IN
        && A::OUT == B::OUT
}

#[doc(hidden)]
pub fn __as_chain<A: Layer, B: Layer>(a: &A) -> &B {
    bytemuck::cast_ref(a)
}

#[cfg(all(test, feature = "alloc"))]
mod tests;
