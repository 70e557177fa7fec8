//! The portable scalar kernels: the specification that faster kernels are
//! tested against, and what runs on microcontrollers.
//!
//! Summation order (fixed, so results are reproducible bit for bit): a dot
//! product of length `n` accumulates into 8 partial sums, lane `i % 8` taking
//! element `i` in increasing order; the lanes are then added pairwise
//! `((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7))`, then the tail elements `n − n % 8 ..`
//! in order.

/// `Σ a_i b_i` in the fixed order documented in the [module docs](self).
///
/// The eight partial sums are separate locals (not an array), so that even at
/// `opt-level = "s"`, where the lane loop would not be unrolled, they stay in
/// registers; the operations and their order are those of the specification.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
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
