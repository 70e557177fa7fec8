//! Helpers of the convolution layers: im2col, its adjoint col2im, and the
//! transposes between position-major and channel-major (CHW) layouts.
//!
//! A convolution of one sample becomes one matrix product: `im2col` writes
//! one row of `C_IN·K·K` values per output position (in the order of the
//! weights `[C_OUT][C_IN][K][K]`), so that `z[p][c] = b[c] + Σ_k w[c][k]
//! cols[p][k]` is exactly [`dense_forward`](super::dense_forward) on the rows
//! of `cols`, and the gradients are the dense layer's gradients. Plain loops,
//! the same on every target.

/// The geometry of a convolution or pooling window over a CHW image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Input channels.
    pub channels: usize,
    /// Input height.
    pub height: usize,
    /// Input width.
    pub width: usize,
    /// Kernel side.
    pub kernel: usize,
    /// Step between windows.
    pub stride: usize,
    /// Zeros added on every side.
    pub padding: usize,
}

impl Geometry {
    /// Output height `(H + 2P − K) / S + 1`.
    pub const fn out_height(&self) -> usize {
        (self.height + 2 * self.padding - self.kernel) / self.stride + 1
    }

    /// Output width `(W + 2P − K) / S + 1`.
    pub const fn out_width(&self) -> usize {
        (self.width + 2 * self.padding - self.kernel) / self.stride + 1
    }

    /// Values in one row of `cols`: `C·K·K`.
    pub const fn patch(&self) -> usize {
        self.channels * self.kernel * self.kernel
    }

    /// The input row of output row `o` and kernel row `k`, if inside the image.
    #[inline]
    fn source(o: usize, k: usize, stride: usize, padding: usize, size: usize) -> Option<usize> {
        (o * stride + k).checked_sub(padding).filter(|&i| i < size)
    }
}

/// Writes the patches of one CHW image `x` into `cols` (`HO·WO` rows of
/// `C·K·K`): `cols[(oh, ow)][(c, kh, kw)] = x[c][oh·S + kh − P][ow·S + kw − P]`,
/// 0 in the padding.
///
/// `K` is the kernel side (`g.kernel`), a constant so that the copies of
/// window rows are unrolled.
pub fn im2col<const K: usize>(x: &[f32], cols: &mut [f32], g: &Geometry) {
    assert_eq!(g.kernel, K, "im2col: K is the kernel side");
    let (ho, wo, k) = (g.out_height(), g.out_width(), K);
    let plane = g.height * g.width;
    let patch = g.patch();
    let cols = &mut cols[..ho * wo * patch];
    for oh in 0..ho {
        for ow in 0..wo {
            let row = &mut cols[(oh * wo + ow) * patch..][..patch];
            // The window's columns `ow·S − P ..`: all inside, or checked one by one.
            let left = (ow * g.stride).checked_sub(g.padding).filter(|&iw| iw + k <= g.width);
            for c in 0..g.channels {
                let xc = &x[c * plane..][..plane];
                for kh in 0..k {
                    let out = &mut row[(c * k + kh) * k..][..k];
                    match Geometry::source(oh, kh, g.stride, g.padding, g.height) {
                        None => out.fill(0.0),
                        Some(ih) => {
                            let xr = &xc[ih * g.width..][..g.width];
                            match left {
                                Some(iw) => {
                                    let src: &[f32; K] = xr[iw..iw + K].try_into().expect("K values");
                                    let out: &mut [f32; K] = out.try_into().expect("K values");
                                    *out = *src;
                                }
                                None => {
                                    for (kw, o) in out.iter_mut().enumerate() {
                                        *o = Geometry::source(ow, kw, g.stride, g.padding, g.width)
                                            .map_or(0.0, |iw| xr[iw]);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: adds every value of `cols` to the input pixel
/// it was copied from (padding positions are dropped). `dx` is not cleared.
///
/// `K` is the kernel side, as in [`im2col`].
pub fn col2im_add<const K: usize>(cols: &[f32], dx: &mut [f32], g: &Geometry) {
    assert_eq!(g.kernel, K, "col2im: K is the kernel side");
    let (ho, wo, k) = (g.out_height(), g.out_width(), K);
    let plane = g.height * g.width;
    let patch = g.patch();
    for oh in 0..ho {
        for ow in 0..wo {
            let row = &cols[(oh * wo + ow) * patch..][..patch];
            let left = (ow * g.stride).checked_sub(g.padding).filter(|&iw| iw + k <= g.width);
            for c in 0..g.channels {
                let dxc = &mut dx[c * plane..][..plane];
                for kh in 0..k {
                    let Some(ih) = Geometry::source(oh, kh, g.stride, g.padding, g.height) else { continue };
                    let src = &row[(c * k + kh) * k..][..k];
                    let dxr = &mut dxc[ih * g.width..][..g.width];
                    match left {
                        Some(iw) => {
                            let dst: &mut [f32; K] = (&mut dxr[iw..iw + K]).try_into().expect("K values");
                            let src: &[f32; K] = src.try_into().expect("K values");
                            for (d, &v) in dst.iter_mut().zip(src) {
                                *d += v;
                            }
                        }
                        None => {
                            for (kw, &v) in src.iter().enumerate() {
                                if let Some(iw) = Geometry::source(ow, kw, g.stride, g.padding, g.width) {
                                    dxr[iw] += v;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `dst[c][p] = src[p][c]` for one sample: `src` is `positions × channels`
/// (a matrix product's rows), `dst` is channel-major (CHW).
pub fn to_channel_major(src: &[f32], dst: &mut [f32], positions: usize, channels: usize) {
    for (p, row) in src.chunks_exact(channels).take(positions).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            dst[c * positions + p] = v;
        }
    }
}

/// `dst[p][c] = src[c][p]` for one sample: the inverse of [`to_channel_major`].
pub fn to_position_major(src: &[f32], dst: &mut [f32], positions: usize, channels: usize) {
    for (c, plane) in src.chunks_exact(positions).take(channels).enumerate() {
        for (p, &v) in plane.iter().enumerate() {
            dst[p * channels + c] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `<im2col(x), c> = <x, col2im(c)>` for every x and c: the adjoint.
    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        fn check<const K: usize>(g: Geometry) {
            let n_in = g.channels * g.height * g.width;
            let n_cols = g.out_height() * g.out_width() * g.patch();
            let x: [f32; 128] = core::array::from_fn(|i| ((i * 37 % 17) as f32) - 8.0);
            let c: [f32; 512] = core::array::from_fn(|i| ((i * 13 % 11) as f32) - 5.0);
            let mut cols = [0.0; 512];
            im2col::<K>(&x[..n_in], &mut cols, &g);
            let mut dx = [0.0; 128];
            col2im_add::<K>(&c[..n_cols], &mut dx, &g);
            let lhs: f32 = cols[..n_cols].iter().zip(&c[..n_cols]).map(|(a, b)| a * b).sum();
            let rhs: f32 = x[..n_in].iter().zip(&dx[..n_in]).map(|(a, b)| a * b).sum();
            assert_eq!(lhs, rhs, "{g:?}");
        }
        check::<3>(Geometry { channels: 2, height: 5, width: 4, kernel: 3, stride: 1, padding: 1 });
        check::<3>(Geometry { channels: 1, height: 7, width: 7, kernel: 3, stride: 2, padding: 0 });
        check::<2>(Geometry { channels: 3, height: 4, width: 6, kernel: 2, stride: 2, padding: 1 });
    }
}
