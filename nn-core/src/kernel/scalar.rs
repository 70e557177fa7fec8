//! The portable scalar kernels: the specification that faster kernels are
//! tested against, and what runs on microcontrollers.
//!
//! Summation order (fixed, so results are reproducible bit for bit): a dot
//! product of length `n` accumulates into 8 partial sums, lane `i % 8` taking
//! element `i` in increasing order; the lanes are then added pairwise
//! `((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7))`, then the tail elements `n − n % 8 ..`
//! in order.

use super::Epilogue;

/// `Σ a_i b_i` in the fixed order documented in the [module docs](self).
///
/// [`dot_unrolled`], or [`dot_rolled`] when the crate is built with
/// `opt-level = "s"` or `"z"` (`cfg(nn_opt_size)`, set by the build script):
/// the same operations in the same order, so the same bits either way.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(nn_opt_size)]
    {
        dot_rolled(a, b)
    }
    #[cfg(not(nn_opt_size))]
    {
        dot_unrolled(a, b)
    }
}

/// [`dot`] for speed: the eight partial sums are separate locals (not an
/// array), so that they stay in registers and the lane loop is unrolled.
#[inline]
pub fn dot_unrolled(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (mut s0, mut s1, mut s2, mut s3, mut s4, mut s5, mut s6, mut s7) = (0.0f32, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut ca, mut cb) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut ca).zip(&mut cb) {
        s0 += x[0] * y[0];
        s1 += x[1] * y[1];
        s2 += x[2] * y[2];
        s3 += x[3] * y[3];
        s4 += x[4] * y[4];
        s5 += x[5] * y[5];
        s6 += x[6] * y[6];
        s7 += x[7] * y[7];
    }
    let mut total = ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        total += x * y;
    }
    total
}

/// [`dot`] for size (microcontroller flash): one loop over the elements,
/// element `i < n − n % 8` going to lane `i % 8` of an array of partial sums;
/// at `i = n − n % 8` the lanes are summed pairwise into lane 0, as in
/// [`dot_unrolled`], and the tail elements then go to lane 0 in order.
#[inline]
pub fn dot_rolled(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let full = n - n % 8;
    let mut s = [0.0f32; 8];
    let mut lanes = 7;
    let mut i = 0;
    loop {
        if i == full {
            sum_lanes(&mut s);
            lanes = 0;
        }
        if i == n {
            break;
        }
        s[i & lanes & 7] += a[i] * b[i];
        i += 1;
    }
    s[0]
}

/// `s[0] = ((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7))`.
#[inline]
fn sum_lanes(s: &mut [f32; 8]) {
    s[0] = ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

/// `y += α·x`.
#[inline]
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// Forward pass of a dense layer: `z[s][o] = b[o] + Σ_i w[o][i] x[s][i]`
/// for `batch` rows of `x` (`n_in` wide) and `n_out` rows of `w`.
pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], z: &mut [f32], n_in: usize, n_out: usize) {
    if n_in == 0 {
        for z in z.chunks_exact_mut(n_out) {
            z.copy_from_slice(b);
        }
        return;
    }
    for (x, z) in x.chunks_exact(n_in).zip(z.chunks_exact_mut(n_out)) {
        for ((z, w), &b) in z.iter_mut().zip(w.chunks_exact(n_in)).zip(b) {
            *z = b + dot(x, w);
        }
    }
}

/// [`dense_forward`] of one sample, with the activation `f` applied to each
/// output as it is stored: `y[o] = f(b[o] + Σ_i w[o][i] x[i])`, `x.len()`
/// inputs, `y.len()` outputs. (Never inlined when built for size: one copy
/// serves every layer.)
#[cfg_attr(nn_opt_size, inline(never))]
pub fn dense_forward_one(x: &[f32], w: &[f32], b: &[f32], y: &mut [f32], f: Epilogue) {
    let n_in = x.len();
    if n_in == 0 {
        for (y, &b) in y.iter_mut().zip(b) {
            *y = f.apply(b);
        }
        return;
    }
    for ((y, w), &b) in y.iter_mut().zip(w.chunks_exact(n_in)).zip(b) {
        *y = f.apply(b + dot(x, w));
    }
}

/// Parameter gradients of a dense layer, accumulated:
/// `dw[o][i] += Σ_s dz[s][o] x[s][i]` and `db[o] += Σ_s dz[s][o]`.
pub fn dense_backward_params(x: &[f32], dz: &[f32], dw: &mut [f32], db: &mut [f32], n_in: usize, n_out: usize) {
    if n_in == 0 {
        for dz in dz.chunks_exact(n_out) {
            axpy(1.0, dz, db);
        }
        return;
    }
    for (x, dz) in x.chunks_exact(n_in).zip(dz.chunks_exact(n_out)) {
        for ((dw, db), &g) in dw.chunks_exact_mut(n_in).zip(db.iter_mut()).zip(dz) {
            *db += g;
            if g != 0.0 {
                axpy(g, x, dw);
            }
        }
    }
}

/// Gradient with respect to the input of a dense layer:
/// `dx[s][i] = Σ_o dz[s][o] w[o][i]` (overwrites `dx`).
pub fn dense_backward_input(dz: &[f32], w: &[f32], dx: &mut [f32], n_in: usize, n_out: usize) {
    if n_in == 0 {
        return;
    }
    for (dz, dx) in dz.chunks_exact(n_out).zip(dx.chunks_exact_mut(n_in)) {
        dx.fill(0.0);
        for (w, &g) in w.chunks_exact(n_in).zip(dz) {
            if g != 0.0 {
                axpy(g, w, dx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values with mixed signs and magnitudes, signed zeros, and (when
    /// `special`) infinities and NaN.
    fn data(n: usize, seed: u32, special: bool) -> [f32; 300] {
        let mut out = [0.0f32; 300];
        let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
        for v in out.iter_mut().take(n) {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            *v = match s % 23 {
                0 => 0.0,
                1 => -0.0,
                2 if special => f32::INFINITY,
                3 if special => f32::NAN,
                _ => ((s >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * [1e-3, 1.0, 1e3][(s % 3) as usize],
            };
        }
        out
    }

    #[test]
    fn rolled_dot_is_the_unrolled_dot_bit_for_bit() {
        for n in (0..=40).chain([63, 64, 65, 127, 128, 129, 255, 300]) {
            for seed in 0..20 {
                let special = seed % 5 == 4;
                let (a, b) = (data(n, seed, special), data(n, seed + 100, special));
                let (a, b) = (&a[..n], &b[..n]);
                let (r, u) = (dot_rolled(a, b), dot_unrolled(a, b));
                assert!(
                    r.to_bits() == u.to_bits() || (r.is_nan() && u.is_nan()),
                    "n = {n}, seed {seed}: {r:e} vs {u:e}"
                );
            }
        }
        // Unequal lengths: the shorter one counts.
        let (a, b) = (data(20, 1, false), data(17, 2, false));
        assert_eq!(dot_rolled(&a[..20], &b[..17]).to_bits(), dot_unrolled(&a[..20], &b[..17]).to_bits());
        // Only signed zeros: lane sums of +0 and -0 keep their IEEE signs.
        let (z, m) = ([0.0f32; 9], [-0.0f32; 9]);
        for n in [0, 1, 8, 9] {
            assert_eq!(dot_rolled(&m[..n], &z[..n]).to_bits(), dot_unrolled(&m[..n], &z[..n]).to_bits(), "n = {n}");
        }
    }

    #[test]
    fn the_fused_single_sample_kernel_is_the_two_steps_bit_for_bit() {
        let mut negatives = 0;
        for (n_in, n_out) in [(1, 1), (1, 16), (3, 5), (8, 4), (17, 3), (16, 16), (129, 2)] {
            let x = data(n_in, 1, false);
            let w = data(n_in * n_out, 2, false);
            let b = data(n_out, 3, false);
            let (x, w, b) = (&x[..n_in], &w[..n_in * n_out], &b[..n_out]);
            let mut z = [0.0f32; 16];
            dense_forward(x, w, b, &mut z[..n_out], n_in, n_out);
            for f in [Epilogue::Identity, Epilogue::ReLU] {
                let mut y = [f32::NAN; 16];
                dense_forward_one(x, w, b, &mut y[..n_out], f);
                for o in 0..n_out {
                    let want = if f == Epilogue::ReLU && z[o] <= 0.0 { 0.0 } else { z[o] };
                    assert_eq!(y[o].to_bits(), want.to_bits(), "{n_in}x{n_out} {f:?} output {o}");
                }
            }
            negatives += z[..n_out].iter().filter(|&&z| z < 0.0).count();
        }
        assert!(negatives > 10, "the cases must exercise the ReLU ({negatives} negative outputs)");
        // No inputs: the bias, through the activation.
        let mut y = [1.0f32; 2];
        dense_forward_one(&[], &[], &[-1.0, 2.0], &mut y, Epilogue::ReLU);
        assert_eq!(y, [0.0, 2.0]);
    }

    #[test]
    fn epilogue_relu_is_the_relu_activation() {
        for z in [-1.0f32, -0.0, 0.0, 1e-30, 3.5, f32::NAN, f32::NEG_INFINITY] {
            let mut a = [0.0f32];
            crate::Activation::forward(&crate::ReLU, &[z], &mut a, 1);
            let e = Epilogue::ReLU.apply(z);
            assert!(e.to_bits() == a[0].to_bits() || (e.is_nan() && a[0].is_nan()), "{z}");
            assert_eq!(Epilogue::Identity.apply(z).to_bits(), z.to_bits());
        }
    }
}
