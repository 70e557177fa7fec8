use core::fmt;
use core::marker::PhantomData;

use super::{
    fixed_point, requantize, LeF32, LeI32, QLayer, QParams, QuantActivation, QuantError, QuantKind, Quantize, Range,
};
use crate::{Dense, Result};

/// The int8 form of [`Dense<IN, OUT, A>`](crate::Dense): weights with one
/// scale per output unit, the bias in `i32` (input zero point folded in), and
/// the fixed-point requantization of each unit. See the [module docs](super)
/// for the formulas.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct QDense<const IN: usize, const OUT: usize, A> {
    /// `round(W[o][i] / weight_scale[o])`, in −127..=127.
    pub weights: [[i8; IN]; OUT],
    /// `round(b[o] / (s_x · weight_scale[o])) − z_x · Σ_i weights[o][i]`.
    pub bias: [LeI32; OUT],
    /// Mantissa `m` of the requantization multiplier `s_x · weight_scale[o] / s_y ≈ m · 2⁻ⁿ`.
    pub multiplier: [LeI32; OUT],
    /// Its right shift `n`.
    pub shift: [u8; OUT],
    /// The per-channel weight scale `s_w[o] = max_i |W[o][i]| / 127`.
    pub weight_scale: [LeF32; OUT],
    /// The quantization of the output (calibrated).
    pub output: QParams,
    activation: PhantomData<A>,
}

// SAFETY: repr(C) of fields of alignment 1 and a ZST: no padding, any bits valid.
unsafe impl<const IN: usize, const OUT: usize, A: QuantActivation> bytemuck::Zeroable for QDense<IN, OUT, A> {}
unsafe impl<const IN: usize, const OUT: usize, A: QuantActivation> bytemuck::Pod for QDense<IN, OUT, A> {}

impl<const IN: usize, const OUT: usize, A: QuantActivation> fmt::Debug for QDense<IN, OUT, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Dense::<IN, OUT, A>::describe(f)?;
        write!(f, " int8, output {:?}", self.output)
    }
}

impl<const IN: usize, const OUT: usize, A: QuantActivation> QDense<IN, OUT, A> {
    /// The `i32` sums are exact for up to 65,536 inputs (|Σ| ≤ 2¹⁶ · 127 · 128 < 2³⁰,
    /// plus a bias of at most 2³⁰).
    const FITS: () = assert!(IN <= 65_536, "int8 Dense layers take at most 65,536 inputs");

    /// `acc[o] = bias[o] + Σ_i weights[o][i] · x[i]`, for each unit.
    #[inline(always)]
    fn accumulate(&self, x: &[i8], mut f: impl FnMut(usize, i32)) {
        let () = Self::FITS;
        let x = &x[..IN];
        for (o, (row, bias)) in self.weights.iter().zip(&self.bias).enumerate() {
            let acc = row.iter().zip(x).fold(bias.get(), |acc, (&w, &x)| acc + i32::from(w) * i32::from(x));
            f(o, acc);
        }
    }

    /// The pre-activations in `f32`: `acc · (s_x · s_w[o])`.
    #[inline(always)]
    fn pre_activations(&self, x: &[i8], input: QParams) -> [f32; OUT] {
        let mut z = [0.0f32; OUT];
        let sx = input.scale();
        self.accumulate(x, |o, acc| z[o] = acc as f32 * (sx * self.weight_scale[o].get()));
        z
    }
}

// SAFETY: see the Pod impl.
unsafe impl<const IN: usize, const OUT: usize, A: QuantActivation> QLayer for QDense<IN, OUT, A> {
    const IN: usize = IN;
    const OUT: usize = OUT;
    type QInput = [i8; IN];
    type QOutput = [i8; OUT];

    fn output_params(&self, _input: QParams) -> QParams {
        self.output
    }

    fn forward_q(&self, x: &[i8], input: QParams, y: &mut [i8]) -> QParams {
        let y = &mut y[..OUT];
        match A::KIND {
            QuantKind::Identity | QuantKind::ReLU => {
                let zero = i32::from(self.output.zero());
                let low = if A::KIND == QuantKind::ReLU { zero.max(-128) } else { -128 };
                self.accumulate(x, |o, acc| {
                    let q = requantize(acc, self.multiplier[o].get(), self.shift[o]).saturating_add(zero);
                    y[o] = q.clamp(low, 127) as i8;
                });
            }
            QuantKind::Float => {
                let z = self.pre_activations(x, input);
                let mut a = [0.0f32; OUT];
                <A as bytemuck::Zeroable>::zeroed().forward(&z, &mut a, OUT);
                for (y, &a) in y.iter_mut().zip(&a) {
                    *y = self.output.quantize(a);
                }
            }
        }
        self.output
    }

    fn forward_f(&self, x: &[i8], input: QParams, y: &mut [f32]) {
        let z = self.pre_activations(x, input);
        <A as bytemuck::Zeroable>::zeroed().forward(&z, &mut y[..OUT], OUT);
    }

    fn validate(&self, _input: QParams, layer: usize) -> core::result::Result<QParams, (usize, &'static str)> {
        if !self.output.is_valid() {
            return Err((layer, "output scale"));
        }
        if self.weight_scale.iter().any(|s| !(s.get().is_finite() && s.get() > 0.0)) {
            return Err((layer, "weight scale"));
        }
        if self.shift.iter().any(|&n| !(1..=62).contains(&n)) {
            return Err((layer, "requantization shift"));
        }
        Ok(self.output)
    }
}

impl<const IN: usize, const OUT: usize, A: QuantActivation> Quantize for Dense<IN, OUT, A> {
    type Quantized = QDense<IN, OUT, A>;

    fn observe(&self, x: &[f32], y: &mut [f32], ranges: &mut [Range]) {
        crate::Layer::forward_one(self, x, y);
        ranges[0].observe(&y[..OUT]);
    }

    fn quantize_into(
        &self,
        input: QParams,
        ranges: &[Range],
        layer: usize,
        out: &mut Self::Quantized,
    ) -> Result<QParams> {
        let output = ranges[0].params();
        let (sx, zx) = (f64::from(input.scale()), i64::from(input.zero()));
        for o in 0..OUT {
            let row = &self.weights[o];
            let max = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
            let sw = if max > 0.0 { (f64::from(max) / 127.0) as f32 } else { 1.0 };
            let mut sum = 0i64;
            for (q, &w) in out.weights[o].iter_mut().zip(row) {
                *q = libm::round(f64::from(w) / f64::from(sw)).clamp(-127.0, 127.0) as i8;
                sum += i64::from(*q);
            }
            let acc_scale = sx * f64::from(sw);
            let bias = libm::round(f64::from(self.bias[o]) / acc_scale) - (zx * sum) as f64;
            if !(bias.abs() <= (1u32 << 30) as f64) {
                return Err(QuantError::OutOfRange { layer, what: "bias" }.into());
            }
            let (m, n) = match A::KIND {
                QuantKind::Float => (0, 1),
                _ => fixed_point(acc_scale / f64::from(output.scale()))
                    .ok_or(QuantError::OutOfRange { layer, what: "requantization multiplier" })?,
            };
            out.bias[o] = LeI32::new(bias as i32);
            out.multiplier[o] = LeI32::new(m);
            out.shift[o] = n;
            out.weight_scale[o] = LeF32::new(sw);
        }
        out.output = output;
        Ok(output)
    }
}
