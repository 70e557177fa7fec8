//! Preprocessing fitted on training data and applied to any data, labels,
//! and splits.

use alloc::vec::Vec;

use crate::{Error, Result, Rng};

/// One-hot rows from class indices: `one_hot::<10>(&[3])` is a row with a 1 at index 3.
/// A label ≥ `N` is an error naming it.
pub fn one_hot<const N: usize>(labels: &[impl Copy + Into<usize>]) -> Result<Vec<[f32; N]>> {
    labels
        .iter()
        .enumerate()
        .map(|(i, &label)| {
            let label: usize = label.into();
            if label >= N {
                return Err(Error::data(
                    alloc::format!("label {i}"),
                    alloc::format!("class {label} does not fit in {N} outputs (classes 0..{N})"),
                ));
            }
            let mut row = [0.0; N];
            row[label] = 1.0;
            Ok(row)
        })
        .collect()
}

/// Z-score standardization per feature: `x' = (x − μ) / σ`, with μ and σ
/// (population standard deviation) from the training data; a constant
/// feature (σ = 0) is only centred.
#[derive(Clone, Debug, PartialEq)]
pub struct ZScore<const N: usize> {
    /// Per-feature means.
    pub mean: [f32; N],
    /// Per-feature standard deviations.
    pub std: [f32; N],
}

impl<const N: usize> ZScore<N> {
    /// Fits on training rows (means and deviations computed in f64).
    pub fn fit(rows: &[[f32; N]]) -> Self {
        let n = rows.len().max(1) as f64;
        let mut mean = [0.0f64; N];
        for r in rows {
            for (m, &x) in mean.iter_mut().zip(r) {
                *m += x as f64;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = [0.0f64; N];
        for r in rows {
            for ((v, &x), m) in var.iter_mut().zip(r).zip(&mean) {
                *v += (x as f64 - m) * (x as f64 - m);
            }
        }
        ZScore { mean: mean.map(|m| m as f32), std: var.map(|v| libm::sqrt(v / n) as f32) }
    }

    /// Standardizes rows in place.
    pub fn apply(&self, rows: &mut [[f32; N]]) {
        for r in rows {
            for ((x, m), s) in r.iter_mut().zip(&self.mean).zip(&self.std) {
                *x = if *s > 0.0 { (*x - m) / s } else { *x - m };
            }
        }
    }
}

/// Z-score standardization per channel of image-like rows: `x' = (x − μ_c) / σ_c`,
/// with one mean μ_c and one (population) standard deviation σ_c per channel
/// `c`, computed over every value of that channel in every training row.
///
/// Rows are channel-major (torch's `C × H × W` flattened): channel `c` is
/// values `c·(N/C) .. (c+1)·(N/C)` of a row of `N`. `N` must be a multiple of `C`.
///
/// ```
/// use nn_core::data::ChannelZScore;
/// // two 2-value channels: channel 0 holds 1 and 3, channel 1 holds 10 and 10
/// let z = ChannelZScore::<2>::fit(&[[1.0, 3.0, 10.0, 10.0]])?;
/// assert_eq!((z.mean, z.std), ([2.0, 10.0], [1.0, 0.0]));
/// let mut rows = [[2.0, 4.0, 11.0, 9.0]];
/// z.apply(&mut rows)?;
/// assert_eq!(rows, [[0.0, 2.0, 1.0, -1.0]]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelZScore<const C: usize> {
    /// Per-channel means μ_c.
    pub mean: [f32; C],
    /// Per-channel standard deviations σ_c (a constant channel is only centred).
    pub std: [f32; C],
}

impl<const C: usize> ChannelZScore<C> {
    fn check<const N: usize>() -> Result<usize> {
        if C == 0 || !N.is_multiple_of(C) {
            return Err(Error::data(
                "ChannelZScore",
                alloc::format!("rows of {N} values do not split into {C} channels of equal size"),
            ));
        }
        Ok(N / C)
    }

    /// Fits on training rows of `N = C × (values per channel)` (sums in f64).
    pub fn fit<const N: usize>(rows: &[[f32; N]]) -> Result<Self> {
        let per = Self::check::<N>()?;
        let n = (rows.len() * per).max(1) as f64;
        let mut sum = [0.0f64; C];
        let mut sq = [0.0f64; C];
        for r in rows {
            for (c, chunk) in r.chunks_exact(per).enumerate() {
                for &x in chunk {
                    sum[c] += x as f64;
                }
            }
        }
        let mean = sum.map(|s| s / n);
        for r in rows {
            for (c, chunk) in r.chunks_exact(per).enumerate() {
                for &x in chunk {
                    sq[c] += (x as f64 - mean[c]) * (x as f64 - mean[c]);
                }
            }
        }
        Ok(ChannelZScore { mean: mean.map(|m| m as f32), std: sq.map(|v| libm::sqrt(v / n) as f32) })
    }

    /// Standardizes rows in place, channel by channel.
    pub fn apply<const N: usize>(&self, rows: &mut [[f32; N]]) -> Result<()> {
        let per = Self::check::<N>()?;
        for r in rows {
            for (c, chunk) in r.chunks_exact_mut(per).enumerate() {
                let (m, s) = (self.mean[c], self.std[c]);
                for x in chunk {
                    *x = if s > 0.0 { (*x - m) / s } else { *x - m };
                }
            }
        }
        Ok(())
    }
}

/// Min-max scaling per feature to [0, 1]: `x' = (x − min) / (max − min)`,
/// with min and max from the training data (a constant feature maps to 0).
#[derive(Clone, Debug, PartialEq)]
pub struct MinMax<const N: usize> {
    /// Per-feature minimum.
    pub min: [f32; N],
    /// Per-feature maximum.
    pub max: [f32; N],
}

impl<const N: usize> MinMax<N> {
    /// Fits on training rows.
    pub fn fit(rows: &[[f32; N]]) -> Self {
        let mut min = [f32::INFINITY; N];
        let mut max = [f32::NEG_INFINITY; N];
        for r in rows {
            for ((lo, hi), &x) in min.iter_mut().zip(max.iter_mut()).zip(r) {
                *lo = lo.min(x);
                *hi = hi.max(x);
            }
        }
        MinMax { min, max }
    }

    /// Scales rows in place (test data may fall outside [0, 1]).
    pub fn apply(&self, rows: &mut [[f32; N]]) {
        for r in rows {
            for ((x, lo), hi) in r.iter_mut().zip(&self.min).zip(&self.max) {
                let range = hi - lo;
                *x = if range > 0.0 { (*x - lo) / range } else { 0.0 };
            }
        }
    }
}

/// Scales every row to unit Euclidean length (zero rows stay zero).
pub fn l2_normalize<const N: usize>(rows: &mut [[f32; N]]) {
    for r in rows {
        let norm = libm::sqrtf(r.iter().map(|x| x * x).sum());
        if norm > 0.0 {
            r.iter_mut().for_each(|x| *x /= norm);
        }
    }
}

/// A seeded shuffle of `xs`/`ys` split into `(train_x, train_y, test_x, test_y)`
/// with `test_fraction` of the samples in the second part.
#[allow(clippy::type_complexity)]
pub fn split<X: Copy, Y: Copy>(
    xs: &[X],
    ys: &[Y],
    test_fraction: f32,
    rng: &mut Rng,
) -> Result<(Vec<X>, Vec<Y>, Vec<X>, Vec<Y>)> {
    crate::error::check_len("targets (ys)", xs.len(), ys.len())?;
    if !(0.0..=1.0).contains(&test_fraction) {
        return Err(Error::data("test_fraction", alloc::format!("must be in [0, 1], found {test_fraction}")));
    }
    let mut order: Vec<usize> = (0..xs.len()).collect();
    rng.shuffle(&mut order);
    let n_test = libm::round(xs.len() as f64 * test_fraction as f64) as usize;
    let (test, train) = order.split_at(n_test);
    Ok((
        train.iter().map(|&i| xs[i]).collect(),
        train.iter().map(|&i| ys[i]).collect(),
        test.iter().map(|&i| xs[i]).collect(),
        test.iter().map(|&i| ys[i]).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn one_hot_rows_and_errors() {
        assert_eq!(one_hot::<3>(&[2u8, 0]).unwrap(), [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
        let e = one_hot::<3>(&[1u8, 3]).unwrap_err();
        assert_eq!(e.to_string(), "label 1: class 3 does not fit in 3 outputs (classes 0..3)");
    }

    #[test]
    fn zscore_fitted_on_train_applied_to_test() {
        let train = [[1.0, 5.0], [3.0, 5.0]];
        let z = ZScore::fit(&train);
        assert_eq!(z.mean, [2.0, 5.0]);
        assert_eq!(z.std, [1.0, 0.0]);
        let mut test = [[4.0, 6.0]];
        z.apply(&mut test);
        assert_eq!(test, [[2.0, 1.0]]);
    }

    #[test]
    fn channel_zscore_matches_per_channel_stats() {
        let rows = [[0.0, 2.0, 1.0, 1.0, 5.0, 7.0], [4.0, 6.0, 3.0, 3.0, 5.0, 7.0]];
        let z = ChannelZScore::<3>::fit(&rows).unwrap();
        assert_eq!(z.mean, [3.0, 2.0, 6.0]);
        assert_eq!(z.std, [5.0f32.sqrt(), 1.0, 1.0]);
        let mut t = rows;
        z.apply(&mut t).unwrap();
        let col: f32 = t.iter().flat_map(|r| r[2..4].iter()).sum();
        assert_eq!(col, 0.0);
        let e = ChannelZScore::<4>::fit(&rows).unwrap_err().to_string();
        assert_eq!(e, "ChannelZScore: rows of 6 values do not split into 4 channels of equal size");
    }

    #[test]
    fn minmax_and_l2() {
        let m = MinMax::fit(&[[0.0, 2.0], [10.0, 2.0]]);
        let mut rows = [[5.0, 2.0], [20.0, 3.0]];
        m.apply(&mut rows);
        assert_eq!(rows, [[0.5, 0.0], [2.0, 0.0]]);
        let mut rows = [[3.0, 4.0], [0.0, 0.0]];
        l2_normalize(&mut rows);
        assert_eq!(rows, [[0.6, 0.8], [0.0, 0.0]]);
    }

    #[test]
    fn split_is_seeded_and_complete() {
        let xs: Vec<u32> = (0..10).collect();
        let (a, b, c, d) = split(&xs, &xs, 0.3, &mut crate::rng(1)).unwrap();
        assert_eq!((a.len(), c.len()), (7, 3));
        assert_eq!(a, b);
        assert_eq!(c, d);
        let mut all: Vec<u32> = a.iter().chain(&c).copied().collect();
        all.sort();
        assert_eq!(all, xs);
        assert_eq!(split(&xs, &xs, 0.3, &mut crate::rng(1)).unwrap().0, a);
        assert!(split(&xs, &xs[..3], 0.3, &mut crate::rng(1)).is_err());
    }
}
