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
