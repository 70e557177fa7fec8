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

    /// `acc[o] = bias[o] + Σ_i weights[o][i] · x[i]`, for each unit. (The
    /// sums are written through iterators, never by index, so that no
    /// bounds check is left at any opt-level.)
    #[inline(always)]
    fn accumulate(&self, x: &[i8]) -> [i32; OUT] {
        let () = Self::FITS;
        let x = &x[..IN];
        let mut acc = [0i32; OUT];
        #[cfg(nn_arm_dsp)]
        {
            // Two rows at a time: each load of the input serves both.
            let pairs = self.weights.chunks_exact(2).zip(self.bias.chunks_exact(2));
            for ((rows, bias), acc) in pairs.zip(acc.chunks_exact_mut(2)) {
                let (a, b) = dot2_dsp(&rows[0], &rows[1], x, bias[0].get(), bias[1].get());
                acc[0] = a;
                acc[1] = b;
            }
            if let (Some(acc), Some(row), Some(bias)) = (acc.last_mut(), self.weights.last(), self.bias.last()) {
                if OUT % 2 == 1 {
                    *acc = dot(row, x, bias.get());
                }
            }
        }
        #[cfg(not(nn_arm_dsp))]
        for ((acc, row), bias) in acc.iter_mut().zip(&self.weights).zip(&self.bias) {
            *acc = dot(row, x, bias.get());
        }
        acc
    }

    /// The pre-activations in `f32`: `acc · (s_x · s_w[o])`.
    #[inline(always)]
    fn pre_activations(&self, x: &[i8], input: QParams) -> [f32; OUT] {
        let mut z = [0.0f32; OUT];
        let sx = input.scale();
        for ((z, &acc), s) in z.iter_mut().zip(&self.accumulate(x)).zip(&self.weight_scale) {
            *z = acc as f32 * (sx * s.get());
        }
        z
    }
}

/// `acc + Σ w[i] · x[i]` over `i8`: exact in `i32` for the lengths
/// [`QDense`] allows, so every summation order gives the same result.
#[inline(always)]
fn dot(w: &[i8], x: &[i8], acc: i32) -> i32 {
    #[cfg(nn_arm_dsp)]
    {
        dot_dsp(w, x, acc)
    }
    #[cfg(not(nn_arm_dsp))]
    {
        w.iter().zip(x).fold(acc, |acc, (&w, &x)| acc + i32::from(w) * i32::from(x))
    }
}

/// [`dot`] with the Armv7E-M DSP instructions: four bytes of each row per
/// load, `SXTB16` to widen bytes 0, 2 and 1, 3 to halfwords, `SMLAD` for two
/// multiply-adds at once.
#[cfg(nn_arm_dsp)]
#[inline(always)]
fn dot_dsp(w: &[i8], x: &[i8], mut acc: i32) -> i32 {
    let (w4, x4) = (w.chunks_exact(4), x.chunks_exact(4));
    let (wr, xr) = (w4.remainder(), x4.remainder());
    for (w, x) in w4.zip(x4) {
        let w = u32::from_le_bytes([w[0] as u8, w[1] as u8, w[2] as u8, w[3] as u8]);
        let x = u32::from_le_bytes([x[0] as u8, x[1] as u8, x[2] as u8, x[3] as u8]);
        // SAFETY: register-only instructions of every Armv7E-M core.
        unsafe {
            core::arch::asm!(
                "sxtb16 {we}, {w}",
                "sxtb16 {wo}, {w}, ror #8",
                "sxtb16 {xe}, {x}",
                "sxtb16 {xo}, {x}, ror #8",
                "smlad {acc}, {we}, {xe}, {acc}",
                "smlad {acc}, {wo}, {xo}, {acc}",
                w = in(reg) w,
                x = in(reg) x,
                we = out(reg) _,
                wo = out(reg) _,
                xe = out(reg) _,
                xo = out(reg) _,
                acc = inout(reg) acc,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
    }
    wr.iter().zip(xr).fold(acc, |acc, (&w, &x)| acc + i32::from(w) * i32::from(x))
}

/// [`dot_dsp`] of two rows with the same input.
#[cfg(nn_arm_dsp)]
#[inline(always)]
fn dot2_dsp(w0: &[i8], w1: &[i8], x: &[i8], mut a0: i32, mut a1: i32) -> (i32, i32) {
    let word = |b: &[i8]| u32::from_le_bytes([b[0] as u8, b[1] as u8, b[2] as u8, b[3] as u8]);
    let (c0, c1, cx) = (w0.chunks_exact(4), w1.chunks_exact(4), x.chunks_exact(4));
    let (r0, r1, rx) = (c0.remainder(), c1.remainder(), cx.remainder());
    for ((w0, w1), x) in c0.zip(c1).zip(cx) {
        let (w0, w1, x) = (word(w0), word(w1), word(x));
        // SAFETY: register-only instructions of every Armv7E-M core.
        unsafe {
            core::arch::asm!(
                "sxtb16 {xe}, {x}",
                "sxtb16 {xo}, {x}, ror #8",
                "sxtb16 {t}, {w0}",
                "smlad {a0}, {t}, {xe}, {a0}",
                "sxtb16 {t}, {w0}, ror #8",
                "smlad {a0}, {t}, {xo}, {a0}",
                "sxtb16 {t}, {w1}",
                "smlad {a1}, {t}, {xe}, {a1}",
                "sxtb16 {t}, {w1}, ror #8",
                "smlad {a1}, {t}, {xo}, {a1}",
                x = in(reg) x,
                w0 = in(reg) w0,
                w1 = in(reg) w1,
                xe = out(reg) _,
                xo = out(reg) _,
                t = out(reg) _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
    }
    for ((&w0, &w1), &x) in r0.iter().zip(r1).zip(rx) {
        a0 += i32::from(w0) * i32::from(x);
        a1 += i32::from(w1) * i32::from(x);
    }
    (a0, a1)
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
                let acc = self.accumulate(x);
                let units = y.iter_mut().zip(&acc).zip(&self.multiplier).zip(&self.shift);
                for (((y, &acc), m), &shift) in units {
                    let q = requantize(acc, m.get(), shift).saturating_add(zero);
                    *y = q.clamp(low, 127) as i8;
                }
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
            if bias.is_nan() || bias.abs() > (1u32 << 30) as f64 {
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
