//! Batched dense kernels on `matrixmultiply::sgemm` (AVX-512 / AVX2+FMA /
//! SSE2 chosen at run time). Row-major `x` (`batch × n_in`), `w` (`n_out × n_in`).

/// `C (m×n) = α·A (m×k)·B (k×n) + β·C`, with strides (rows, columns) for each.
#[allow(clippy::too_many_arguments)]
#[inline]
fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    beta: f32,
    c: &mut [f32],
    (rsc, csc): (usize, usize),
) {
    if m == 0 || n == 0 {
        return;
    }
    // Every index the GEMM touches is inside its slice.
    assert!(k == 0 || ((m - 1) * rsa + (k - 1) * csa < a.len() && (k - 1) * rsb + (n - 1) * csb < b.len()));
    assert!((m - 1) * rsc + (n - 1) * csc < c.len());
    // SAFETY: the asserts above keep every access inside the slices, and `c`
    // does not alias `a` or `b` (it is a distinct `&mut`).
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            rsc as isize,
            csc as isize,
        )
    }
}

/// `Z = X·Wᵀ + b`.
pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], z: &mut [f32], n_in: usize, n_out: usize) {
    let batch = z.len() / n_out.max(1);
    for row in z.chunks_exact_mut(n_out) {
        row.copy_from_slice(b);
    }
    sgemm(batch, n_in, n_out, 1.0, x, (n_in, 1), w, (1, n_in), 1.0, z, (n_out, 1));
}

/// `dW += dZᵀ·X`, `db += Σ_s dZ[s]`.
pub fn dense_backward_params(x: &[f32], dz: &[f32], dw: &mut [f32], db: &mut [f32], n_in: usize, n_out: usize) {
    let batch = dz.len() / n_out.max(1);
    for row in dz.chunks_exact(n_out) {
        super::axpy(1.0, row, db);
    }
    sgemm(n_out, batch, n_in, 1.0, dz, (1, n_out), x, (n_in, 1), 1.0, dw, (n_in, 1));
}

/// `dX = dZ·W`.
pub fn dense_backward_input(dz: &[f32], w: &[f32], dx: &mut [f32], n_in: usize, n_out: usize) {
    let batch = dz.len() / n_out.max(1);
    sgemm(batch, n_out, n_in, 1.0, dz, (n_out, 1), w, (n_in, 1), 0.0, dx, (n_in, 1));
}

#[cfg(test)]
mod tests {
    use std::vec::Vec;

    use super::super::scalar;

    fn data(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2654435761).wrapping_add(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    fn close(a: &[f32], b: &[f32], what: &str) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{what}[{i}]: gemm {x} vs scalar {y}");
        }
    }

    /// The GEMM kernels agree with the scalar specification on awkward sizes.
    #[test]
    fn gemm_matches_scalar() {
        for &batch in &[1usize, 3, 4, 17, 64] {
            for &n_in in &[1usize, 3, 17, 129] {
                for &n_out in &[1usize, 2, 10, 33] {
                    let x = data(batch * n_in, 1);
                    let w = data(n_out * n_in, 2);
                    let b = data(n_out, 3);
                    let dz = data(batch * n_out, 4);
                    let (mut z1, mut z2) = (std::vec![0.0; batch * n_out], std::vec![0.0; batch * n_out]);
                    super::dense_forward(&x, &w, &b, &mut z1, n_in, n_out);
                    scalar::dense_forward(&x, &w, &b, &mut z2, n_in, n_out);
                    close(&z1, &z2, "z");
                    let (mut dw1, mut db1) = (data(n_out * n_in, 5), data(n_out, 6));
                    let (mut dw2, mut db2) = (dw1.clone(), db1.clone());
                    super::dense_backward_params(&x, &dz, &mut dw1, &mut db1, n_in, n_out);
                    scalar::dense_backward_params(&x, &dz, &mut dw2, &mut db2, n_in, n_out);
                    close(&dw1, &dw2, "dw");
                    close(&db1, &db2, "db");
                    let (mut dx1, mut dx2) = (data(batch * n_in, 7), std::vec![0.0; batch * n_in]);
                    super::dense_backward_input(&dz, &w, &mut dx1, n_in, n_out);
                    scalar::dense_backward_input(&dz, &w, &mut dx2, n_in, n_out);
                    close(&dx1, &dx2, "dx");
                }
            }
        }
    }
}
