//! The portable scalar kernels: the specification that faster kernels are
//! tested against, and what runs on microcontrollers.
//!
//! Summation order (fixed, so results are reproducible bit for bit): a dot
//! product of length `n` accumulates into 8 partial sums, lane `i % 8` taking
//! element `i` in increasing order; the lanes are then added pairwise
//! `((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7))`, then the tail elements `n − n % 8 ..`
//! in order.

/// `Σ a_i b_i` in the fixed order documented in the [module docs](self).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut s = [0.0f32; 8];
    let chunks = n / 8;
    for (ca, cb) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for l in 0..8 {
            s[l] += ca[l] * cb[l];
        }
    }
    let mut total = ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
    for i in chunks * 8..n {
        total += a[i] * b[i];
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
