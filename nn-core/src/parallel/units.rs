//! A training batch on one thread, its dense kernels split by units over
//! the pool's threads (networks whose layers all allow it, see
//! [`Layer::SPLIT_BY_UNITS`]).
//!
//! While splitting is on for a thread (`Network::loss_and_grad_in` turns it
//! on for such a batch), the kernels and per-value passes that it calls with
//! enough work run in one piece per thread of rayon's pool (at most
//! [`MAX_PIECES`]), by recursive halving with [`join`]:
//!
//! - the forward pass `z = x Wᵀ + b` and the weight gradient `dW += δᵀ x`
//!   by units (rows of `W`), from [`SPLIT_MIN_WORK`] multiply-adds (but a
//!   layer's forward pass by samples from [`SPLIT_SAMPLES_MIN_BATCH`]
//!   samples, with the AVX-512 kernels): each
//!   thread reads and writes only its rows of `W` and `dW`, so those cache
//!   lines stay in one core's cache; Adam updates the flat parameters in
//!   halves, which for a network whose first layer holds most of them (as
//!   MNIST's 784 → 128) are about those same rows.
//!   Split by samples instead, both cores read all of `W`, and the
//!   optimizer's writes had to take each line back from the other core:
//!   Adam took about 70 µs of a 560 µs step on two threads of a Zen 4,
//!   15–19 µs on its own;
//! - the forward pass of a layer too narrow to split by units (a `Dense`
//!   layer's activation then runs on each piece's rows, in the same join),
//!   and the input gradient `δ W`, by samples, from [`SPLIT_MIN_ROWS_WORK`]; such a
//!   layer's whole backward pass by samples with the x86 kernels
//!   ([`backward_by_samples`]: the weight gradient's sums by chunks of
//!   samples, added in order on the calling thread);
//! - per-value passes (activations without parameters, dropout) by rows of
//!   the batch, from [`SPLIT_MIN_VALUES`] values;
//! - the loss and its gradient by rows, from [`SPLIT_MIN_LOSS_VALUES`]
//!   values: each row's loss into a buffer, added up on the calling thread
//!   in row order.
//!
//! Every value is computed by the same code in the same order as on one
//! thread (the dense kernels give the same bits for any number of units or
//! samples, the x86 kernels sum a weight gradient by chunks of samples
//! that can be summed apart and added in order, and dropout masks do not
//! depend on how they are filled), so a
//! batch gives the same bits on any number of threads. The layers' other
//! passes and the small kernels run on the calling thread.
//!
//! [`Layer::SPLIT_BY_UNITS`]: crate::Layer::SPLIT_BY_UNITS

use core::cell::Cell;
use core::ops::Range;

use super::team::join;
use crate::kernel;
use crate::layer::RowPass;
use crate::Loss;

/// Fewest multiply-adds (`batch × n_in × n_out`) of a kernel call split by
/// units.
pub const SPLIT_MIN_WORK: usize = 1 << 20;

/// Fewest multiply-adds of a kernel call split by samples.
pub const SPLIT_MIN_ROWS_WORK: usize = 1 << 17;

/// Fewest values of a per-value pass split by rows.
pub const SPLIT_MIN_VALUES: usize = 1 << 14;

/// Most pieces a call is split into.
pub const MAX_PIECES: usize = 16;

/// Pieces of units start at multiples of this: whole blocks of the kernels'
/// units, and rows of `z` cut on a cache line when they start on one.
const UNIT_ALIGN: usize = 16;

std::thread_local! {
    /// Whether calls on this thread may split.
    static ON: Cell<bool> = const { Cell::new(false) };
}

/// Kinds of split counted in `SPLITS`.
#[cfg(test)]
pub(crate) const KINDS: usize = 7;

#[cfg(test)]
std::thread_local! {
    /// Splits made on this thread: by units, forward by samples, input
    /// gradient by samples, per-value rows, loss rows, a wide layer's
    /// forward by samples (large batches), a narrow layer's backward pass
    /// by samples.
    pub(crate) static SPLITS: [Cell<usize>; KINDS] = const { [const { Cell::new(0) }; KINDS] };
}

/// Counts a split of kind `k` (see `SPLITS`; tests only).
#[inline]
fn count(k: usize) {
    #[cfg(test)]
    SPLITS.with(|c| c[k].set(c[k].get() + 1));
    let _ = k;
}

/// While it lives, the calls on this thread split (restores the previous
/// setting on drop).
pub(crate) struct Split(bool);

impl Split {
    /// Turns splitting on (`true`) or off for this thread.
    pub(crate) fn set(on: bool) -> Split {
        Split(ON.with(|c| c.replace(on)))
    }
}

impl Drop for Split {
    fn drop(&mut self) {
        ON.with(|c| c.set(self.0));
    }
}

/// Cut points `0 = c₀ < c₁ < … < c_p = n` of `n` items into at most one
/// piece per thread, as even as cuts at multiples of `align` allow;
/// `None` (do not split) when splitting is off on this thread, the call has
/// less than `work_min` work, or it would make a single piece.
fn cuts(n: usize, align: usize, work: usize, work_min: usize) -> Option<([usize; MAX_PIECES + 1], usize)> {
    if !ON.with(Cell::get) || work < work_min {
        return None;
    }
    let pieces = rayon::current_num_threads().clamp(1, MAX_PIECES).min(n / align);
    let mut at = [0; MAX_PIECES + 1];
    let mut len = 1;
    for p in 1..pieces {
        // the even cut, to the nearest multiple of `align`
        let c = (n * p / pieces + align / 2) / align * align;
        if c > at[len - 1] && c < n {
            at[len] = c;
            len += 1;
        }
    }
    at[len] = n;
    (len >= 2).then_some((at, len + 1))
}

/// `f(range, part)` for each piece `cuts[k]..cuts[k + 1]`, with `part` its
/// `width`-sized rows of `a`, the pieces in parallel.
fn pieces_of(cuts: &[usize], width: usize, a: &mut [f32], f: &(impl Fn(Range<usize>, &mut [f32]) + Sync)) {
    if cuts.len() <= 2 {
        return f(cuts[0]..cuts[cuts.len() - 1], a);
    }
    let h = cuts.len() / 2;
    let (a0, a1) = a.split_at_mut((cuts[h] - cuts[0]) * width);
    join(|| pieces_of(&cuts[..=h], width, a0, f), || pieces_of(&cuts[h..], width, a1, f));
}

/// [`pieces_of`] on two slices cut alike.
#[allow(clippy::type_complexity)]
fn pieces_of2(
    cuts: &[usize],
    (wa, wb): (usize, usize),
    a: &mut [f32],
    b: &mut [f32],
    f: &(impl Fn(Range<usize>, &mut [f32], &mut [f32]) + Sync),
) {
    if cuts.len() <= 2 {
        return f(cuts[0]..cuts[cuts.len() - 1], a, b);
    }
    let h = cuts.len() / 2;
    let (a0, a1) = a.split_at_mut((cuts[h] - cuts[0]) * wa);
    let (b0, b1) = b.split_at_mut((cuts[h] - cuts[0]) * wb);
    join(|| pieces_of2(&cuts[..=h], (wa, wb), a0, b0, f), || pieces_of2(&cuts[h..], (wa, wb), a1, b1, f));
}

/// A pointer that the pieces of a split write through, at disjoint elements.
#[derive(Clone, Copy)]
struct Columns(*mut f32);

impl Columns {
    /// The pointer (a method, so that closures capture the whole `Columns`).
    fn ptr(&self) -> *mut f32 {
        self.0
    }
}

// SAFETY: each piece writes only the columns of its own units.
unsafe impl Send for Columns {}
unsafe impl Sync for Columns {}

/// Fewest samples of a batch for which a layer's own forward pass
/// (`layer`, below) that the AVX-512 kernels run is split by samples rather
/// than by units. By units, each thread packs only its units' weights (and
/// Adam then finds them in its core), but does per nonzero input the work
/// that does not depend on the number of units (finding the input,
/// broadcasting it), and scans all of the batch for nonzero inputs; by
/// samples each thread packs all of the weights, which larger batches pay
/// back. Measured on the Ice Lake of 2026-12-06 (`train_step` on MNIST's
/// 784-128-10, two threads, the split by samples against by units paired
/// in one process, medians of 11 pairs): 1.05–1.09× as fast at batch 1,024
/// (four runs), 1.04–1.09× at 2,048 (four), 1.11× at 4,096 (three); in a
/// first version (its pieces cut anywhere, each choosing its own path),
/// 0.90× at batch 256 (two runs) and 0.98–1.01× at 512.
pub const SPLIT_SAMPLES_MIN_BATCH: usize = 1024;

/// [`pieces_of`] on `z` (rows of `n_out`) and, with `then`, its rows of
/// `y` too, `act` run on each piece after `f`; whether `act` ran.
fn pieces_then(
    at: &[usize],
    n_out: usize,
    z: &mut [f32],
    then: Option<(&mut [f32], &kernel::ActRows<'_>)>,
    f: &(impl Fn(Range<usize>, &mut [f32]) + Sync),
) -> bool {
    let batch = at[at.len() - 1];
    match then {
        Some((y, act)) => {
            pieces_of2(at, (n_out, n_out), &mut z[..batch * n_out], &mut y[..batch * n_out], &|rows, z, y| {
                f(rows, z);
                act(z, y)
            });
            true
        }
        None => {
            pieces_of(at, n_out, &mut z[..batch * n_out], f);
            false
        }
    }
}

/// [`kernel::dense_forward`] split by units (or, for few units, by
/// samples; or, for a `layer`'s own weights, by samples from
/// [`SPLIT_SAMPLES_MIN_BATCH`] samples with the AVX-512 kernels); `None` if
/// not split. Split by samples, each piece then runs `then`'s activation on
/// its rows (`Some(true)`); split by units, the caller runs it
/// (`Some(false)`).
pub(crate) fn forward(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    z: &mut [f32],
    (n_in, n_out): (usize, usize),
    layer: bool,
    then: Option<(&mut [f32], &kernel::ActRows<'_>)>,
) -> Option<bool> {
    let batch = z.len() / n_out.max(1);
    let work = batch.saturating_mul(n_in).saturating_mul(n_out);
    let by_samples = layer && batch >= SPLIT_SAMPLES_MIN_BATCH && kernel::active() == kernel::Kernels::Avx512;
    if let Some((at, len)) = by_samples.then(|| cuts(batch, kernel::FORWARD_ROWS_ALIGN, work, SPLIT_MIN_WORK)).flatten()
    {
        let _off = Split::set(false);
        count(5);
        return Some(pieces_then(&at[..len], n_out, z, then, &|rows, z| {
            kernel::dense_forward_layer_rows(x, w, b, z, (batch, n_in, n_out), rows)
        }));
    }
    if let Some((at, len)) = cuts(n_out, UNIT_ALIGN, work, SPLIT_MIN_WORK) {
        let _off = Split::set(false);
        count(0);
        assert!(w.len() >= n_out * n_in && b.len() >= n_out);
        let out = Columns(z.as_mut_ptr());
        // each piece into scratch of its own thread, then into its columns
        let piece = |units: Range<usize>| {
            let width = units.len();
            crate::scratch::with_scratch_slot(1, batch * width, |zp| {
                kernel::dense_forward(x, &w[units.start * n_in..units.end * n_in], &b[units.clone()], zp, n_in, width);
                for (s, row) in zp.chunks_exact(width).enumerate() {
                    // SAFETY: row s < batch = z.len() / n_out, columns
                    // `units` ⊂ 0..n_out of `z`: in bounds, and this
                    // piece's elements only.
                    unsafe {
                        core::ptr::copy_nonoverlapping(row.as_ptr(), out.ptr().add(s * n_out + units.start), width)
                    };
                }
            })
        };
        pieces_of(&at[..len], 0, &mut [], &|units, _| piece(units));
        return Some(false);
    }
    let (at, len) = cuts(batch, 1, work, SPLIT_MIN_ROWS_WORK)?;
    let _off = Split::set(false);
    count(1);
    // by samples: every piece reads all of the (small) `W`
    Some(pieces_then(&at[..len], n_out, z, then, &|rows, z| {
        kernel::dense_forward(&x[rows.start * n_in..rows.end * n_in], w, b, z, n_in, n_out)
    }))
}

/// [`kernel::dense_backward_params`] split by units; `false` if not split.
pub(crate) fn backward_params(
    x: &[f32],
    dz: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    n_in: usize,
    n_out: usize,
) -> bool {
    let batch = dz.len() / n_out.max(1);
    let work = batch.saturating_mul(n_in).saturating_mul(n_out);
    let Some((at, len)) = cuts(n_out, UNIT_ALIGN, work, SPLIT_MIN_WORK) else { return false };
    let _off = Split::set(false);
    count(0);
    pieces_of2(&at[..len], (n_in, 1), &mut dw[..n_out * n_in], &mut db[..n_out], &|units, dw, db| {
        // this piece's columns of δ, read in place (the AVX kernels) or
        // gathered into scratch of its thread
        crate::scratch::with_scratch_slot(1, batch * units.len(), |scratch| {
            kernel::dense_backward_params_units(x, dz, dw, db, n_in, n_out, units, scratch)
        })
    });
    true
}

/// [`kernel::dense_backward_input`] split by samples; `false` if not split.
pub(crate) fn backward_input(dz: &[f32], w: &[f32], dx: &mut [f32], n_in: usize, n_out: usize) -> bool {
    let batch = dz.len() / n_out.max(1);
    let work = batch.saturating_mul(n_in).saturating_mul(n_out);
    let Some((at, len)) = cuts(batch, 1, work, SPLIT_MIN_ROWS_WORK) else { return false };
    let _off = Split::set(false);
    count(2);
    pieces_of(&at[..len], n_in, &mut dx[..batch * n_in], &|rows, dx| {
        kernel::dense_backward_input(&dz[rows.start * n_out..rows.end * n_out], w, dx, n_in, n_out)
    });
    true
}

/// Most values of a layer's weight gradient times the chunks that the
/// pieces after the first of [`backward_by_samples`] keep in scratch (4 MiB).
const SAMPLES_MAX_CHUNK_VALUES: usize = 1 << 20;

/// The pieces of [`backward_by_samples`]: `f(rows, sums, dx, chunks)` for
/// each piece `cuts[k]..cuts[k + 1]` in parallel, with `sums` (the weight
/// and bias gradients) for the piece from sample 0, its rows of `dx` (rows
/// of `n_in`), and its chunks of [`kernel::GRADIENT_CHUNK`] samples of
/// `chunks` (`size` values each; those of samples from `first` on).
#[allow(clippy::type_complexity)]
fn gradient_pieces(
    cuts: &[usize],
    sums: Option<(&mut [f32], &mut [f32])>,
    dx: Option<&mut [f32]>,
    chunks: &mut [f32],
    (n_in, size, first): (usize, usize, usize),
    f: &(impl Fn(Range<usize>, Option<(&mut [f32], &mut [f32])>, Option<&mut [f32]>, &mut [f32]) + Sync),
) {
    if cuts.len() <= 2 {
        return f(cuts[0]..cuts[cuts.len() - 1], sums, dx, chunks);
    }
    let h = cuts.len() / 2;
    let chunk_of = |s: usize| (s.max(first) - first) / kernel::GRADIENT_CHUNK;
    let (dx0, dx1) = match dx {
        Some(dx) => {
            let (a, b) = dx.split_at_mut((cuts[h] - cuts[0]) * n_in);
            (Some(a), Some(b))
        }
        None => (None, None),
    };
    let (c0, c1) = chunks.split_at_mut((chunk_of(cuts[h]) - chunk_of(cuts[0])) * size);
    let info = (n_in, size, first);
    join(
        || gradient_pieces(&cuts[..=h], sums, dx0, c0, info, f),
        || gradient_pieces(&cuts[h..], None, dx1, c1, info, f),
    );
}

/// A dense layer's backward pass ([`kernel::dense_backward`]) split by
/// samples, for a layer not split by units (too few units or too little
/// work) with the x86 kernels: each piece computes its samples' rows of the
/// input gradient `dx` and their part of the weight gradient, the first
/// piece onto `dw` and `db`, the others as sums over each of their chunks
/// of [`kernel::GRADIENT_CHUNK`] samples into scratch, which this thread
/// then adds onto `dw` in order (and their samples' terms onto `db`): the
/// kernels sum by such chunks, so the bits of one thread. One join instead
/// of the input gradient's and, before, a weight gradient on this thread
/// alone (MNIST's output layer, 128 → 10: about 17 µs of a 465 µs step on
/// two threads). `false` if not split.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward_by_samples(
    x: &[f32],
    dz: &[f32],
    w: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    dx: Option<&mut [f32]>,
    n_in: usize,
    n_out: usize,
) -> bool {
    if n_in == 0 || n_out == 0 || !kernel::weight_gradient_splits_by_samples() {
        return false;
    }
    let batch = dz.len() / n_out;
    let work = batch.saturating_mul(n_in).saturating_mul(n_out);
    if cuts(n_out, UNIT_ALIGN, work, SPLIT_MIN_WORK).is_some() {
        return false; // by units
    }
    let chunk = kernel::GRADIENT_CHUNK;
    let Some((at, len)) = cuts(batch, chunk, work, SPLIT_MIN_ROWS_WORK) else { return false };
    let (size, first) = (n_out * n_in, at[1]);
    let kept = (batch - first).div_ceil(chunk) * size;
    if kept > SAMPLES_MAX_CHUNK_VALUES {
        return false;
    }
    let _off = Split::set(false);
    count(6);
    assert!(dw.len() >= size && db.len() >= n_out && x.len() >= batch * n_in && w.len() >= size);
    let (dw, db) = (&mut dw[..size], &mut db[..n_out]);
    let dx = dx.map(|dx| &mut dx[..batch * n_in]);
    crate::scratch::with_scratch_slot(1, kept, |chunks| {
        let piece =
            |rows: Range<usize>, sums: Option<(&mut [f32], &mut [f32])>, dx: Option<&mut [f32]>, c: &mut [f32]| {
                if let Some(dx) = dx {
                    kernel::dense_backward_input(&dz[rows.start * n_out..rows.end * n_out], w, dx, n_in, n_out);
                }
                match sums {
                    Some((dw, db)) => kernel::dense_backward_params_rows(x, dz, dw, db, (n_in, n_out), rows),
                    None => kernel::dense_weight_gradient_chunks(x, dz, c, (n_in, n_out), rows),
                }
            };
        gradient_pieces(&at[..len], Some((&mut *dw, &mut *db)), dx, chunks, (n_in, size, first), &piece);
        for c in chunks.chunks_exact(size) {
            for (d, &v) in dw.iter_mut().zip(c) {
                *d += v;
            }
        }
    });
    for row in dz[first * n_out..batch * n_out].chunks_exact(n_out) {
        for (d, &g) in db.iter_mut().zip(row) {
            *d += g;
        }
    }
    true
}

/// [`split_rows`](crate::layer) by rows; `false` if not split.
pub(crate) fn rows(width: usize, batch: usize, a: &mut [f32], b: &mut [f32], f: &RowPass<'_>) -> bool {
    let Some((at, len)) = cuts(batch, 1, width.saturating_mul(batch), SPLIT_MIN_VALUES) else { return false };
    let _off = Split::set(false);
    count(3);
    pieces_of2(&at[..len], (width, width), &mut a[..batch * width], &mut b[..batch * width], &|rows, a, b| {
        f(rows.start, a, b)
    });
    true
}

/// [`split_rows_of`](crate::layer) by rows; `false` if not split.
pub(crate) fn rows_of(width: usize, batch: usize, a: &mut [f32], f: &(dyn Fn(usize, &mut [f32]) + Sync)) -> bool {
    let Some((at, len)) = cuts(batch, 1, width.saturating_mul(batch), SPLIT_MIN_VALUES) else { return false };
    let _off = Split::set(false);
    count(3);
    pieces_of(&at[..len], width, &mut a[..batch * width], &|rows, a| f(rows.start, a));
    true
}

/// Fewest values (`batch × width`) of a loss split by rows: MNIST's 256 × 10
/// (2,560) split, its softmax cross-entropy 29.9 µs on the calling thread
/// alone and 18.6 µs split over two (timers around it in a 2-thread step,
/// the two alternating in one process, medians of 15 rounds, the Ice Lake
/// of 2026-12-06 in a loaded hour; 21.2 µs on one thread and 12.8 split in
/// a quieter one).
pub const SPLIT_MIN_LOSS_VALUES: usize = 1 << 11;

/// Rows whose losses one round of [`loss_rows`] holds (on the stack).
const LOSS_ROUND: usize = 1024;

/// [`loss_rows`](crate::network::loss_rows) by rows; `None` if not split.
/// Each piece writes its rows' gradients and losses, and the losses are
/// then added to `total` on this thread in row order: the bits of one
/// thread.
pub(crate) fn loss_rows<L: Loss>(
    z: Option<&[f32]>,
    y: &[f32],
    t: &[f32],
    dy: &mut [f32],
    loss: &L,
    n_out: usize,
    total: &mut f32,
) -> Option<bool> {
    let batch = y.len() / n_out.max(1);
    cuts(batch, 1, batch.saturating_mul(n_out), SPLIT_MIN_LOSS_VALUES)?;
    let _off = Split::set(false);
    count(4);
    let mut losses = [0.0f32; LOSS_ROUND];
    for start in (0..batch).step_by(LOSS_ROUND) {
        let end = (start + LOSS_ROUND).min(batch);
        let mut at = [0; MAX_PIECES + 1];
        let pieces = rayon::current_num_threads().clamp(1, MAX_PIECES).min(end - start);
        for (p, at) in at.iter_mut().enumerate().take(pieces + 1) {
            *at = start + (end - start) * p / pieces;
        }
        let (g, l) = (&mut dy[start * n_out..end * n_out], &mut losses[..end - start]);
        pieces_of2(&at[..=pieces], (n_out, 1), g, l, &|rows, g, l| {
            let v = rows.start * n_out..rows.end * n_out;
            match z {
                Some(z) => loss.softmax_loss_and_grad_each(&z[v.clone()], &y[v.clone()], &t[v], g, n_out, l),
                None => {
                    let each = y[v.clone()].chunks_exact(n_out).zip(t[v].chunks_exact(n_out));
                    for ((p, t), (g, l)) in each.zip(g.chunks_exact_mut(n_out).zip(l)) {
                        *l = loss.loss(p, t);
                        loss.grad(p, t, g);
                    }
                }
            }
        });
        for &l in &losses[..end - start] {
            *total += l;
        }
    }
    Some(z.is_some())
}

#[cfg(test)]
mod tests {
    use super::{cuts, Split};
    use crate::{Activation, CrossEntropy, Loss, Mse, Softmax};
    use std::vec::Vec;

    /// The loss split by rows gives the total and gradient bits of one
    /// thread: fused (softmax and cross-entropy) and not (MSE), widths 3 and
    /// 10, batches of one and of several rounds, on 2 and 3 threads.
    #[test]
    fn loss_by_rows_gives_the_one_thread_bits() {
        let mut r = crate::rng(5);
        for (width, batch) in [(10usize, 700usize), (3, 2500), (10, 2049)] {
            let n = width * batch;
            let z: Vec<f32> = (0..n).map(|_| (r.uniform() - 0.5) * 20.0).collect();
            let mut p = std::vec![0.0f32; n];
            Softmax.forward(&z, &mut p, width);
            let t: Vec<f32> = (0..n).map(|i| f32::from(i % width == i / width % width)).collect();
            let run = |threads: usize, fused: bool| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| {
                    let _on = Split::set(true);
                    let (mut g, mut total) = (std::vec![f32::NAN; n], 0.5f32);
                    let loss: &dyn Loss = if fused { &CrossEntropy } else { &Mse };
                    let z = fused.then_some(&z[..]);
                    let split = super::loss_rows(z, &p, &t, &mut g, &loss, width, &mut total);
                    (split, total.to_bits(), g.iter().map(|g| g.to_bits()).collect::<Vec<_>>())
                })
            };
            for fused in [true, false] {
                let one = run(1, fused);
                assert_eq!(one.0, None, "one thread does not split");
                // the same rows on one thread, through the unsplit path
                let (mut g, mut total) = (std::vec![f32::NAN; n], 0.5f32);
                let loss: &dyn Loss = if fused { &CrossEntropy } else { &Mse };
                let was_fused =
                    crate::network::loss_rows(fused.then_some(&z[..]), &p, &t, &mut g, &loss, width, &mut total);
                assert_eq!(was_fused, fused);
                for threads in [2, 3] {
                    let split = run(threads, fused);
                    assert_eq!(split.0, Some(fused), "{threads} threads split, width {width}");
                    assert_eq!(split.1, total.to_bits(), "{threads} threads, width {width}, batch {batch}: total");
                    assert!(split.2.iter().zip(&g).all(|(a, b)| *a == b.to_bits()), "{threads} threads: gradient");
                }
            }
        }
    }

    #[test]
    fn cuts_are_aligned_pieces_one_per_thread() {
        let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        let got = |threads, n, align| {
            pool(threads).install(|| {
                let _on = Split::set(true);
                cuts(n, align, 1, 0).map(|(at, len)| at[..len].to_vec())
            })
        };
        assert_eq!(got(2, 128, 16), Some(std::vec![0, 64, 128]));
        assert_eq!(got(2, 100, 16), Some(std::vec![0, 48, 100]));
        assert_eq!(got(3, 128, 16), Some(std::vec![0, 48, 80, 128]));
        assert_eq!(got(3, 40, 16), Some(std::vec![0, 16, 40]));
        assert_eq!(got(4, 10, 1), Some(std::vec![0, 2, 5, 7, 10]));
        assert_eq!(got(2, 333, 1), Some(std::vec![0, 166, 333]));
        // too few items for two aligned pieces, one thread, splitting off
        assert_eq!(got(2, 20, 16), None);
        assert_eq!(got(1, 128, 16), None);
        assert_eq!(pool(2).install(|| cuts(128, 16, 1, 0)), None);
        // too little work
        assert_eq!(
            pool(2).install(|| {
                let _on = Split::set(true);
                cuts(128, 16, 9, 10)
            }),
            None
        );
    }
}
