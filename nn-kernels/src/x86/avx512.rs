//! AVX-512 kernels for x86-64 (AVX-512F, chosen at run time by
//! [`available`]), with no allocation, summing in the order of the AVX
//! kernels of the parent module, and so giving their bits:
//!
//! - forward: a 512-bit register holds the 8 partial sums of *two* dot
//!   products (units `o` and `o + 1` in its low and high halves), each half
//!   accumulating exactly as one 256-bit register of the AVX kernel does:
//!   lane `i % 8` takes element `i`, a fused multiply-add per element in
//!   increasing `i`. Each half is then reduced in [`scalar::dot`]'s pairwise
//!   order `((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7))` (8 units at a time, with
//!   shuffles across registers), the tail `n − n % 8 ..` added in order, and
//!   the bias added last.
//! - Blocking: 6 samples × 8 units (24 accumulators) per micro-kernel; the
//!   8 inputs of a sample are broadcast to both halves straight from memory,
//!   the weights of 4 unit pairs are packed so that each pair's two rows
//!   are interleaved in steps of 8 (one aligned load fills a register) and
//!   the 4 pairs of a step are adjacent. Two loop orders, the same sums
//!   (each a micro-kernel's, with its partial sums unrounded):
//!   - *by panels*, when the whole layer's packed
//!     weights fit the thread's packing buffer ([`reserve_packing`], at most
//!     [`PANEL_FLOATS`] values) and a sample's inputs are at most
//!     [`PANEL_INPUTS`], for batches of at least [`PANEL_MIN_BATCH`]: all
//!     the weights are packed once per call, then each
//!     panel of 6 samples meets every unit in turn, its inputs staying in
//!     L1 while the packed weights stream from L2, in one pass over the
//!     inputs; the next panel's inputs are fetched into L2 meanwhile (in a
//!     [`with_constant_weights`] scope, [`dense_forward_layer`] keeps what
//!     it packed for the next call: a prediction in chunks packs once);
//!   - *by unit blocks* otherwise (wide layers, or a
//!     thread without the buffer: the kernel never allocates): the weights
//!     of 8 units are packed per chunk of at most 512 inputs into a stack
//!     buffer and meet a block of up to 192 samples, whose partial sums wait
//!     between chunks in a stack buffer, unrounded, so chunking does not
//!     change the result. The first pass over a chunk of inputs (units 0–7)
//!     prefetches the next 6 samples' chunk.
//! - *By nonzero inputs* ([`nonzero`]), before the panels when the inputs
//!   are mostly zeros (MNIST's pixels, a ReLU layer's outputs): among a
//!   batch's first 18 samples, taken 3 at a time, at most half the inputs
//!   nonzero in any of the 3 (35% below 256 samples), for a layer of at
//!   least 48 units whose weights transposed fit the packing buffer and
//!   are finite. The weights are packed transposed, and each input that is
//!   zero in all of 3 samples is skipped; the sums are the dense kernels'
//!   in the same order, so the same bits (the one exception, a zero's sign
//!   after a product below 2⁻¹⁵⁰, is in [`nonzero`]). On MNIST's test set
//!   (784 → 128, Ice Lake, paired runs) 1.74–1.87× as fast as by panels at
//!   10,000 samples, 1.56–1.61× at 256.
//! - A single sample: the parent module's rotated kernel (4 rows of the
//!   weights per pass in aligned 32-byte loads, the sums rotated by the
//!   rows' offset) when a row is a multiple of 8 values, else blocks of
//!   1 × 8 (32 registers make room for 8 sums); batches of 2 and 3 go to
//!   the AVX kernels.
//!
//! [`scalar`]: https://docs.rs/nn-core/latest/nn_core/kernel/scalar/
//! [`scalar::dot`]: https://docs.rs/nn-core/latest/nn_core/kernel/scalar/fn.dot.html

// Register blocks are indexed, not zipped or enumerated: see the parent
// module (iterator adapters can stay calls in the inner loops without LTO).
#![allow(clippy::needless_range_loop)]

use core::arch::x86_64::*;

use super::hsum;

pub mod nonzero;

/// Whether the CPU has AVX-512F and AVX-512VL (32 vector registers for
/// 256-bit code too) as well as AVX and FMA (checked once by `std`, then a
/// cached load).
#[inline]
pub fn available() -> bool {
    super::available() && std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl")
}

/// Batches below this go to the AVX kernels.
const MIN_BATCH: usize = 4;
/// Samples per micro-kernel.
const MR: usize = 6;
/// Unit pairs per micro-kernel (8 units).
const NP: usize = 4;
/// Samples per block: their partial sums wait in [`Partial`] (48 KiB of
/// stack) between chunks; each block packs the weights once more, so large
/// blocks (measured: 12, 24, 48, 96, 192, 384 rows) pay for it less often.
const SAMPLE_BLOCK: usize = 32 * MR;
/// Most inputs per chunk (a multiple of 8): the packed weights of 8 units
/// are then 16 KiB, the 6 samples' inputs 12 KiB, both in a 32 KiB L1. Fewer,
/// longer chunks pay the partial sums' round trip less often: 784 inputs in
/// two chunks of 392 ran 144–177 GFLOP/s on a Zen 5 core (peak 240), in
/// 256 + 256 + 256 + 16 118–139 (batch 64–10,000, best of 15 each).
const CHUNK: usize = 512;
/// Most packed weights (values) of a layer forwarded by panels: 512 KiB, the
/// size of the packing buffer [`reserve_packing`] gives a thread, so that
/// they stay in a 1 MiB L2 or larger (every AVX-512 core of these years)
/// beside the panels' inputs (MNIST's 784 → 128: 401 KB).
pub const PANEL_FLOATS: usize = 128 * 1024;
/// Smallest batch forwarded by panels: below it, packing the whole layer
/// (into L2) costs more than the panels save (784 → 128, the network's
/// forward pass on MNIST, paired runs: by panels 0.96–0.99× as fast at
/// batch 32, 0.98–1.00× at 64, 1.05–1.06× at 128, 1.07× at 256).
pub const PANEL_MIN_BATCH: usize = 128;
/// Most inputs per sample forwarded by panels: a panel of 6 samples is then
/// at most 24 KiB, inside a 32 KiB L1 while every unit meets it.
pub const PANEL_INPUTS: usize = 1024;

/// The packed weights of one chunk ([`pack`]), on a cache-line boundary.
/// (Only its size and alignment are used: the values are written and read
/// through a pointer.)
#[repr(C, align(64))]
struct Packed {
    _values: [f32; 2 * NP * CHUNK],
}

/// The partial sums of a sample block between chunks: `[micro-block][row][pair]`.
type Partial = [[[__m512; NP]; MR]; SAMPLE_BLOCK / MR];

/// `z[s][o] = b[o] + Σ_i w[o][i] x[s][i]`, as `scalar::dense_forward`, with
/// the bits of [`super::dense_forward`].
///
/// # Panics
/// If a slice is too short for `batch = z.len() / n_out` rows.
pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], z: &mut [f32], n_in: usize, n_out: usize) {
    forward_any(x, w, b, z, n_in, n_out, false, None)
}

/// [`dense_forward`] for a layer's own weights: inside a
/// [`with_constant_weights`] scope of this thread, weights that lie in the
/// scope's memory have their packing for the panels kept (for up to 8
/// layers that fit the packing buffer together) until the scope ends, so
/// that the chunks of one prediction over many samples pack each layer
/// once. Otherwise, [`dense_forward`].
///
/// # Panics
/// If a slice is too short for `batch = z.len() / n_out` rows.
pub fn dense_forward_layer(x: &[f32], w: &[f32], b: &[f32], z: &mut [f32], n_in: usize, n_out: usize) {
    forward_any(x, w, b, z, n_in, n_out, true, None)
}

/// Samples at which [`dense_forward_layer_rows`]' pieces of a batch start
/// (multiples of it), for the whole call's bits: the forward pass by
/// nonzero inputs takes samples in groups of this many.
pub const ROWS_ALIGN: usize = nonzero::SAMPLES;

/// Rows `rows` of [`dense_forward_layer`] over the `batch` samples of `x`
/// (`z` holds just those rows), by the path the whole call takes: whether
/// to go by nonzero inputs is decided on the whole batch, as that call
/// decides it. With `rows.start` a multiple of [`ROWS_ALIGN`], the rows
/// have the whole call's bits, so that threads may share a batch by
/// samples (each packing all of the weights for itself).
///
/// # Panics
/// If a slice is too short, or `rows` is not inside `0..batch`.
pub fn dense_forward_layer_rows(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    z: &mut [f32],
    (batch, n_in, n_out): (usize, usize, usize),
    rows: core::ops::Range<usize>,
) {
    assert!(available());
    assert!(rows.start <= rows.end && rows.end <= batch && x.len() >= batch * n_in);
    let whole = (batch >= MIN_BATCH && n_in >= 8).then(|| by_nonzero(x, batch, n_in, n_out));
    let (x, z) = (&x[rows.start * n_in..rows.end * n_in], &mut z[..rows.len() * n_out]);
    match whole {
        // the whole call forwards by nonzero inputs: so do the rows, from
        // the same groups of samples
        Some(true) if !rows.is_empty() => forward_batch(x, w, b, z, rows.len(), n_in, n_out, true, Some(true)),
        // else by panels, unit blocks or rows alone: all with the bits of
        // `super::dense_forward`, for any rows
        _ => forward_any(x, w, b, z, n_in, n_out, true, Some(false)),
    }
}

/// [`dense_forward`], keeping the packed weights in a scope if `keep`; by
/// nonzero inputs as `nonzero` says, else if [`by_nonzero`] says so.
#[allow(clippy::too_many_arguments)]
fn forward_any(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    z: &mut [f32],
    n_in: usize,
    n_out: usize,
    keep: bool,
    nonzero: Option<bool>,
) {
    assert!(available());
    if n_out == 0 {
        return;
    }
    let batch = z.len() / n_out;
    if batch == 1 && n_in > 0 {
        assert!(x.len() >= n_in && w.len() >= n_out * n_in && b.len() >= n_out && z.len() >= n_out);
        // SAFETY: AVX-512F/VL, AVX and FMA are available (asserted); the
        // asserts keep the row of x, the n_out rows of w, b and z in bounds.
        return unsafe { matvec(x.as_ptr(), w.as_ptr(), b.as_ptr(), z.as_mut_ptr(), n_in, n_out) };
    }
    if batch < MIN_BATCH || n_in < 8 {
        return super::dense_forward(x, w, b, z, n_in, n_out);
    }
    forward_batch(x, w, b, z, batch, n_in, n_out, keep, nonzero)
}

/// Whether [`forward_batch`] forwards these `batch ≥ MIN_BATCH` samples of
/// `n_in ≥ 8` inputs by nonzero inputs (when it can pack the weights).
///
/// # Panics
/// If `x` is too short.
fn by_nonzero(x: &[f32], batch: usize, n_in: usize, n_out: usize) -> bool {
    assert!(available() && x.len() >= batch * n_in && n_in >= 8);
    batch >= PANEL_MIN_BATCH
        && n_in <= PANEL_INPUTS
        && n_out >= nonzero::MIN_UNITS
        && nonzero::packed_len(n_in, n_out) <= PANEL_FLOATS
        && std::is_x86_feature_detected!("bmi2")
        // SAFETY: AVX-512F is available (asserted), the batch in bounds
        // (asserted), 8 ≤ n_in ≤ PANEL_INPUTS.
        && unsafe { nonzero::sparse_enough(x.as_ptr(), batch, n_in) }
}

/// A batch of at least [`MIN_BATCH`] samples of at least 8 inputs (or any
/// batch, by nonzero inputs): by nonzero inputs if `nonzero` says so, or
/// if it is `None` and [`by_nonzero`] says so; else by panels where they
/// apply (keeping the packed weights if `keep` and the thread is in a
/// [`with_constant_weights`] scope); else by unit blocks.
///
/// # Panics
/// If a slice is too short.
#[allow(clippy::too_many_arguments)]
fn forward_batch(
    x: &[f32],
    w: &[f32],
    b: &[f32],
    z: &mut [f32],
    batch: usize,
    n_in: usize,
    n_out: usize,
    keep: bool,
    nonzero: Option<bool>,
) {
    assert!(x.len() >= batch * n_in && w.len() >= n_out * n_in && b.len() >= n_out && z.len() >= batch * n_out);
    let packed_len = n_out.div_ceil(2 * NP) * 2 * NP * (n_in - n_in % 8);
    let sparse = nonzero.unwrap_or_else(|| by_nonzero(x, batch, n_in, n_out));
    if (batch >= PANEL_MIN_BATCH || sparse) && n_in <= PANEL_INPUTS {
        let transposed_len = nonzero::packed_len(n_in, n_out);
        let (x, w, b, z) = (x.as_ptr(), w.as_ptr(), b.as_ptr(), z.as_mut_ptr());
        let done = PACKING.try_with(|packing| {
            let Ok(mut packing) = packing.try_borrow_mut() else { return false };
            if sparse {
                let key = (w as usize, n_in, n_out, Layout::Transposed);
                if let Some((at, ready)) = packing.place(key, transposed_len, keep) {
                    // SAFETY: as below, for `transposed_len` values.
                    let buffer = unsafe { packing.buffer.as_mut_ptr().cast::<f32>().add(at) };
                    let finite = ready.unwrap_or_else(|| {
                        // SAFETY: the weights are in bounds (asserted), and
                        // `place` leaves room for `transposed_len` values.
                        let finite = unsafe { nonzero::pack(w, n_in, n_out, buffer) };
                        #[cfg(test)]
                        PACKED_TRANSPOSED.with(|c| c.set(c.get() + 1));
                        packing.record(key, finite);
                        finite
                    });
                    if finite {
                        // SAFETY: AVX-512F, AVX and FMA are available, the
                        // slices long enough (asserted), 8 ≤ n_in ≤
                        // PANEL_INPUTS, and `buffer` (64-byte aligned: `at`
                        // is a multiple of 16 values of a `__m512` buffer)
                        // holds these weights packed by `nonzero::pack`.
                        unsafe { nonzero::forward(x, b, z, (batch, n_in, n_out), buffer) };
                        #[cfg(test)]
                        BY_NONZERO.with(|c| c.set(c.get() + 1));
                        return true;
                    }
                }
            }
            if packed_len > PANEL_FLOATS {
                return false;
            }
            let key = (w as usize, n_in, n_out, Layout::Panels);
            let Some((at, ready)) = packing.place(key, packed_len, keep) else { return false };
            // SAFETY: AVX-512F, AVX and FMA are available and the slices
            // long enough (asserted); `place` leaves room for `packed_len`
            // values from `at` (a multiple of 16) in the buffer (of
            // `__m512`: 64-byte aligned), and says `ready` only if they hold
            // these weights, packed in this scope.
            unsafe {
                let buffer = packing.buffer.as_mut_ptr().cast::<f32>().add(at);
                forward_panels(x, w, b, z, (batch, n_in, n_out), buffer, ready.is_some())
            };
            packing.record(key, true);
            true
        });
        if done == Ok(true) {
            return;
        }
    }
    let (x, w, b, z) = (x.as_ptr(), w.as_ptr(), b.as_ptr(), z.as_mut_ptr());
    // SAFETY: AVX-512F, AVX and FMA are available (asserted), and the asserts
    // above keep every read inside `x`, `w`, `b` and every write inside `z`.
    unsafe { forward_blocks(x, w, b, z, batch, n_in, n_out) }
}

#[cfg(test)]
std::thread_local! {
    /// Batches this thread forwarded by nonzero inputs.
    static BY_NONZERO: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
    /// Layers this thread packed for that.
    static PACKED_TRANSPOSED: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// Layers whose packed weights a [`with_constant_weights`] scope keeps.
const KEPT_LAYERS: usize = 8;

/// How a layer's weights are packed in the buffer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// For [`forward_panels`] ([`pack`], 8 units after 8 units).
    Panels,
    /// For [`nonzero::forward`] ([`nonzero::pack`]).
    Transposed,
}

/// A layer's weights as the packing buffer knows them: their address,
/// inputs, units and packing.
type LayerKey = (usize, usize, usize, Layout);

/// A thread's packing buffer and what it holds.
struct Packing {
    /// Empty until [`reserve_packing`], then [`PANEL_FLOATS`] values.
    buffer: Vec<__m512>,
    /// Depth of this thread's [`with_constant_weights`] scopes.
    scopes: usize,
    /// The outermost scope's memory (addresses): only weights inside it
    /// are kept.
    within: core::ops::Range<usize>,
    /// The layers packed in the scope, where their packed weights start in
    /// `buffer` (values), and what packing them reported
    /// ([`nonzero::pack`]: whether the weights are finite), `None` until
    /// [`Packing::record`].
    kept: [Option<(LayerKey, usize, Option<bool>)>; KEPT_LAYERS],
    /// Values of `buffer` that `kept` holds (a multiple of 16).
    used: usize,
}

impl Packing {
    /// Where to pack `len` values of the layer `key`, and, if they are
    /// packed there already, what packing them reported; `None` without
    /// room (or without the buffer).
    fn place(&mut self, key: LayerKey, len: usize, keep: bool) -> Option<(usize, Option<bool>)> {
        let capacity = self.buffer.len() * 16;
        let (w, n_in, n_out, _) = key;
        let inside = self.within.start <= w && n_in * n_out * 4 <= self.within.end.saturating_sub(w);
        if !keep || self.scopes == 0 || !inside {
            return (len <= capacity.saturating_sub(self.used)).then_some((self.used, None));
        }
        if let Some((_, at, report)) = self.kept.iter().flatten().find(|(k, _, _)| *k == key) {
            return Some((*at, *report));
        }
        let at = self.used;
        if len > capacity.saturating_sub(at) {
            return None;
        }
        if let Some(slot) = self.kept.iter_mut().find(|slot| slot.is_none()) {
            *slot = Some((key, at, None));
            self.used = at + len.next_multiple_of(16);
        }
        Some((at, None))
    }

    /// Notes that the kept layer `key` (if kept) is now packed, and what
    /// packing it reported.
    fn record(&mut self, key: LayerKey, report: bool) {
        if let Some((_, _, r)) = self.kept.iter_mut().flatten().find(|(k, _, _)| *k == key) {
            *r = Some(report);
        }
    }
}

std::thread_local! {
    /// The thread's packing buffer for [`forward_panels`].
    static PACKING: core::cell::RefCell<Packing> = const {
        core::cell::RefCell::new(Packing {
            buffer: Vec::new(),
            scopes: 0,
            within: 0..0,
            kept: [None; KEPT_LAYERS],
            used: 0,
        })
    };
}

/// Runs `f` with this thread's [`dense_forward_layer`] calls keeping the
/// weights they pack for panels (what a prediction over many samples in
/// chunks would pack once per chunk) when the weights lie in `within` (a
/// range of addresses: the network's own memory), keyed by the weights'
/// address and shape; they are forgotten when the outermost scope ends
/// (also on a panic). Weights elsewhere (a layer built on the stack during
/// the forward pass) are packed on each call. Inside a scope,
/// [`dense_forward`] never uses a kept packing, and packs after the kept
/// layers, or goes by unit blocks when they leave no room. A scope inside
/// another keeps what lies in the outermost one's `within`.
///
/// # Safety
/// While `f` runs, the memory `within` does not change (as when it is a
/// value borrowed shared for the whole scope that holds no `Cell`,
/// `RefCell` or other interior mutability around weights that `f` changes):
/// a kept packing is used without looking at the weights again.
pub unsafe fn with_constant_weights<R>(within: core::ops::Range<usize>, f: impl FnOnce() -> R) -> R {
    struct Scope(bool);
    impl Drop for Scope {
        fn drop(&mut self) {
            if self.0 {
                let _ = PACKING.try_with(|packing| {
                    let mut packing = packing.borrow_mut();
                    packing.scopes -= 1;
                    if packing.scopes == 0 {
                        packing.kept = [None; KEPT_LAYERS];
                        packing.used = 0;
                        packing.within = 0..0;
                    }
                });
            }
        }
    }
    let entered = PACKING.try_with(|packing| {
        packing
            .try_borrow_mut()
            .map(|mut p| {
                if p.scopes == 0 {
                    p.within = within;
                }
                p.scopes += 1;
            })
            .is_ok()
    });
    let _scope = Scope(entered == Ok(true));
    f()
}

/// Gives this thread a packing buffer of [`PANEL_FLOATS`] values (512 KiB,
/// allocated on the first call only), so that [`dense_forward`] can take
/// batches of layers up to that size by panels or by nonzero inputs. On
/// the Intel Xeon (Ice Lake) of the 2026-12-06 run, by panels against by
/// unit blocks, paired
/// runs in one process (medians of 21): this kernel alone on 784 → 128
/// 1.11–1.13× as fast at batch 256 and 1.15–1.20× at 10,000; MNIST's
/// forward pass (both layers) 1.05–1.06× at 128, 1.07× at 256 (the chunk
/// of `predict_batch`) and 1.12–1.15× at 10,000. The kernel itself never
/// allocates: a thread that never called this takes every batch by unit
/// blocks, with the same bits. Does nothing without AVX-512F.
pub fn reserve_packing() {
    if !available() {
        return;
    }
    let _ = PACKING.try_with(|packing| {
        if let Ok(mut packing) = packing.try_borrow_mut() {
            if packing.buffer.len() * 16 < PANEL_FLOATS {
                // SAFETY: AVX-512F is available (checked above).
                let zero = unsafe { zero512() };
                packing.buffer.resize(PANEL_FLOATS / 16, zero);
            }
        }
    });
}

/// Whether this thread has the packing buffer of [`reserve_packing`].
pub fn packing_reserved() -> bool {
    PACKING.try_with(|p| p.try_borrow().is_ok_and(|p| p.buffer.len() * 16 >= PANEL_FLOATS)).unwrap_or(false)
}

#[target_feature(enable = "avx512f")]
fn zero512() -> __m512 {
    _mm512_setzero_ps()
}

/// One sample: the AVX kernel's dot products (so its bits), as the weights
/// stream from L2: [`super::matvec_rotated`] (4 rows per pass, aligned loads
/// of `W`, the sums rotated) when `n_in` is a multiple of 8, and for the
/// rows left over (or all rows otherwise) the AVX kernel's 1 × 8 blocks, for
/// which AVX-512VL gives the compiler 32 registers (the AVX build would
/// spill; it takes 4 rows at a time).
///
/// # Safety
/// AVX-512F/VL, AVX, FMA; `n_in ≥ 1`; `n_in` values at `x`, `n_out × n_in` at
/// `w`, `n_out` at `b` and `z`.
#[target_feature(enable = "avx512f,avx512vl,avx,fma")]
unsafe fn matvec(x: *const f32, w: *const f32, b: *const f32, z: *mut f32, n_in: usize, n_out: usize) {
    let rotated = if super::rotated_available(n_in) { n_out - n_out % super::ROTATED_ROWS } else { 0 };
    // SAFETY: the caller's bounds (and `rotated_available`'s condition for
    // the rotated kernel); rows rotated.. follow rows ..rotated.
    unsafe {
        // The sample usually comes from memory (a new one each call), and
        // the first pass over the rows reads it line by line: ask for all
        // its lines at once (measured on the Zen 5 core of the 2026-12-03
        // run, `--only predict` of benches/compare/figures.rs, three
        // alternating runs each: batch 1 in 3.71–3.89 µs, 3.99–4.11 µs
        // without).
        super::prefetch_row(x, n_in);
        if rotated > 0 {
            super::matvec_rotated(x, w, b, z, n_in, rotated);
        }
        super::forward_rows::<1, 8>(
            (x, n_in),
            w.add(rotated * n_in),
            b.add(rotated),
            z.add(rotated),
            1,
            n_in,
            n_out - rotated,
            (x, 0),
        )
    }
}

/// The batch by unit blocks: for each block of up to [`SAMPLE_BLOCK`]
/// samples, each 8 units, each chunk of inputs: the chunk's weights packed
/// on the stack, then every 6 samples of the block.
///
/// # Safety
/// AVX-512F, AVX, FMA; `n_in ≥ 8`; `x` has `batch × n_in`, `w` `n_out × n_in`,
/// `b` `n_out`, `z` `batch × n_out` values.
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn forward_blocks(
    x: *const f32,
    w: *const f32,
    b: *const f32,
    z: *mut f32,
    batch: usize,
    n_in: usize,
    n_out: usize,
) {
    let k8 = n_in - n_in % 8;
    // 64-byte aligned: every 512-bit load of the packed weights is then one
    // cache line (unaligned, each would touch two). Both buffers are left
    // uninitialized (zeroing them was 64 KiB of memset per call): `pack`
    // writes every value `micro` reads, and a micro-block's partial sums are
    // stored after one chunk before they are loaded for the next.
    let mut packed = core::mem::MaybeUninit::<Packed>::uninit();
    let packed = packed.as_mut_ptr().cast::<f32>();
    let mut partial = core::mem::MaybeUninit::<Partial>::uninit();
    let partial = partial.as_mut_ptr().cast::<[[__m512; NP]; MR]>();
    // SAFETY (whole body): s0 + rows ≤ batch, o + units ≤ n_out and
    // k0 + kc ≤ k8 ≤ n_in keep every block inside the matrices.
    unsafe {
        let mut s0 = 0;
        while s0 < batch {
            let rows = SAMPLE_BLOCK.min(batch - s0);
            let mut o = 0;
            while o < n_out {
                let units = (2 * NP).min(n_out - o);
                let mut k0 = 0;
                while k0 < k8 {
                    let kc = chunk_len(k8 - k0);
                    pack(w.add(o * n_in + k0), n_in, units, kc, packed);
                    let chunk = Chunk { first: k0 == 0, last: k0 + kc == k8, kc, packed };
                    let mut s = 0;
                    while s < rows {
                        let mr = MR.min(rows - s);
                        let out = Out {
                            x: x.add((s0 + s) * n_in),
                            w: w.add(o * n_in),
                            b: b.add(o),
                            z: z.add((s0 + s) * n_out + o),
                            n_in,
                            ldz: n_out,
                            units,
                        };
                        let part = partial.add(s / MR).cast::<__m512>();
                        let xk = out.x.add(k0);
                        // The first pass over the inputs (units 0..8) brings
                        // them from memory: fetch the next rows' chunk early.
                        let next = s0 + s + mr;
                        let ahead = if o == 0 && next < batch { x.add(next * n_in + k0) } else { core::ptr::null() };
                        micro_any(mr, xk, ahead, &chunk, part, &out);
                        s += mr;
                    }
                    k0 += kc;
                }
                o += units;
            }
            s0 += rows;
        }
    }
}

/// The batch by panels: the whole layer's weights packed into `packed`
/// (as [`pack`] packs a chunk, 8 units after 8 units), then for each 6
/// samples every 8 units over all the inputs at once (no partial sums). The
/// panel's inputs come from L2 (or memory) for its first 8 units and from
/// L1 for the others; meanwhile the next panel's lines are asked for (into
/// L2), a share with each 8 units.
///
/// # Safety
/// AVX-512F, AVX, FMA; `8 ≤ n_in`; `x` has `batch × n_in`, `w`
/// `n_out × n_in`, `b` `n_out`, `z` `batch × n_out` values; `packed` has
/// room for `⌈n_out / 8⌉ · 8 · (n_in − n_in % 8)` values and is 64-byte
/// aligned; if `ready`, it holds `w` packed already.
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn forward_panels(
    x: *const f32,
    w: *const f32,
    b: *const f32,
    z: *mut f32,
    (batch, n_in, n_out): (usize, usize, usize),
    packed: *mut f32,
    ready: bool,
) {
    let k8 = n_in - n_in % 8;
    let blocks = n_out.div_ceil(2 * NP);
    let block_len = 2 * NP * k8;
    // SAFETY (whole body): the caller's bounds; s + mr ≤ batch, o + units ≤ n_out.
    unsafe {
        for ob in (0..blocks).filter(|_| !ready) {
            let o = ob * 2 * NP;
            pack(w.add(o * n_in), n_in, (2 * NP).min(n_out - o), k8, packed.add(ob * block_len));
        }
        // never read or written: a chunk that is both first and last loads
        // no partial sums (a zero mask) and stores none
        let mut unused = core::mem::MaybeUninit::<[[__m512; NP]; MR]>::uninit();
        let unused = unused.as_mut_ptr().cast::<__m512>();
        let mut s = 0;
        while s < batch {
            let mr = MR.min(batch - s);
            let next = s + mr;
            // the next panel's lines, contiguous after this one's
            let next_lines = (MR.min(batch - next) * n_in).div_ceil(16);
            for ob in 0..blocks {
                let o = ob * 2 * NP;
                let units = (2 * NP).min(n_out - o);
                let chunk = Chunk { first: true, last: true, kc: k8, packed: packed.add(ob * block_len) };
                let out = Out {
                    x: x.add(s * n_in),
                    w: w.add(o * n_in),
                    b: b.add(o),
                    z: z.add(s * n_out + o),
                    n_in,
                    ldz: n_out,
                    units,
                };
                for line in next_lines * ob / blocks..next_lines * (ob + 1) / blocks {
                    // (a prefetch never faults)
                    _mm_prefetch::<_MM_HINT_T1>(x.wrapping_add(next * n_in + 16 * line).cast());
                }
                micro_any(mr, out.x, core::ptr::null(), &chunk, unused, &out);
            }
            s = next;
        }
    }
}

/// [`micro`] for `mr ≤ 6` samples and `⌈out.units / 2⌉ ≤ 4` pairs.
///
/// # Safety
/// As [`micro`] with `M = mr`, `P = ⌈out.units / 2⌉`.
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn micro_any(mr: usize, x: *const f32, ahead: *const f32, chunk: &Chunk, part: *mut __m512, out: &Out) {
    macro_rules! block {
        ($m:literal, $p:literal) => {
            // SAFETY: the caller's.
            unsafe { micro::<$m, $p>(x, ahead, chunk, part, out) }
        };
    }
    match (mr, out.units.div_ceil(2)) {
        (6, 4) => block!(6, 4),
        (6, 3) => block!(6, 3),
        (6, 2) => block!(6, 2),
        (6, _) => block!(6, 1),
        (5, 4) => block!(5, 4),
        (5, 3) => block!(5, 3),
        (5, 2) => block!(5, 2),
        (5, _) => block!(5, 1),
        (4, 4) => block!(4, 4),
        (4, 3) => block!(4, 3),
        (4, 2) => block!(4, 2),
        (4, _) => block!(4, 1),
        (3, 4) => block!(3, 4),
        (3, 3) => block!(3, 3),
        (3, 2) => block!(3, 2),
        (3, _) => block!(3, 1),
        (2, 4) => block!(2, 4),
        (2, 3) => block!(2, 3),
        (2, 2) => block!(2, 2),
        (2, _) => block!(2, 1),
        (_, 4) => block!(1, 4),
        (_, 3) => block!(1, 3),
        (_, 2) => block!(1, 2),
        _ => block!(1, 1),
    }
}

/// The next chunk's length when `left` inputs (a multiple of 8) remain: the
/// remaining inputs split into the fewest chunks of at most [`CHUNK`], as even
/// as multiples of 8 allow (784 inputs: 392 + 392, not 512 + 272 or
/// 256 + 256 + 256 + 16: a short last chunk pays the partial sums' round trip
/// for little work).
fn chunk_len(left: usize) -> usize {
    let chunks = left.div_ceil(CHUNK);
    (left / 8).div_ceil(chunks) * 8
}

/// Copies `kc` inputs (a multiple of 8) of `units ≤ 8` rows of `w` (stride
/// `ld`) into `dst` for [`micro`]: for each step of 8 inputs `k`, the 16
/// values of pair `p` (8 of row `2p`, then 8 of row `2p + 1`; an odd last row
/// paired with itself) at `dst[2·NP·k + 16·p ..]`, so that one step of the
/// micro-kernel reads one contiguous, aligned run of 4 cache lines (one base
/// pointer for all pairs: the loop keeps its pointers in registers).
///
/// # Safety
/// AVX-512F; the rows' `kc` values and `dst[..2·NP·kc]` in bounds.
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn pack(w: *const f32, ld: usize, units: usize, kc: usize, dst: *mut f32) {
    // SAFETY: the caller's bounds; rows 2p and min(2p + 1, units − 1) < units.
    unsafe {
        for p in 0..units.div_ceil(2) {
            let (r0, r1) = (w.add(2 * p * ld), w.add((2 * p + 1).min(units - 1) * ld));
            let mut k = 0;
            while k < kc {
                let d = dst.add(k * 2 * NP + 16 * p);
                _mm512_storeu_ps(d, join(_mm256_loadu_ps(r0.add(k)), _mm256_loadu_ps(r1.add(k))));
                k += 8;
            }
        }
    }
}

/// One chunk of inputs, packed by [`pack`].
struct Chunk {
    /// The first chunk: the sums start from zero (else from the partial sums).
    first: bool,
    /// The last chunk: the sums are finished and stored (else kept as partial sums).
    last: bool,
    /// Inputs in the chunk (a multiple of 8).
    kc: usize,
    /// The packed weights.
    packed: *const f32,
}

/// Where a micro-block's results go: `z[s][u] = b[u] + t` for its rows
/// `s < MR` and units `u < units`, with the tails `k8..n_in` of `x` and `w`.
struct Out {
    /// The block's first input row (stride `n_in`).
    x: *const f32,
    /// The block's first weight row (stride `n_in`).
    w: *const f32,
    /// The block's first bias.
    b: *const f32,
    /// The block's first output (stride `ldz`).
    z: *mut f32,
    n_in: usize,
    ldz: usize,
    units: usize,
}

/// `MR'` samples × `2·NP'` units over one chunk: sums from zero or from the
/// partial sums at `part`, then kept at `part` or finished into `out`. Unless
/// `ahead` is null, the same chunk of the `M` rows from `ahead` is prefetched
/// into L1 (a prefetch never faults: rows past the batch are harmless).
///
/// # Safety
/// AVX-512F, AVX, FMA; `M` rows of `chunk.kc` inputs at `x` (stride
/// `out.n_in`), `P` packed pairs in `chunk.packed`, `M × P` registers at
/// `part`, and the block of `out` in bounds; `out.units ≤ 2·P`.
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn micro<const M: usize, const P: usize>(
    x: *const f32,
    ahead: *const f32,
    chunk: &Chunk,
    part: *mut __m512,
    out: &Out,
) {
    let kc = chunk.kc;
    let mut acc = [[_mm512_setzero_ps(); P]; M];
    // SAFETY (whole body): the caller's bounds; k + 8 ≤ kc.
    unsafe {
        // The partial sums of the chunks before, or zeros for the first (a
        // zero-masked load reads nothing then). One load per register:
        // copied as an array, they went through a memset and a memcpy call
        // on the stack first (with the buffers' zeroing above, memset and
        // memcpy were 5% of a batch-64 prediction in perf).
        let keep: __mmask16 = if chunk.first { 0 } else { 0xFFFF };
        for i in 0..M {
            for p in 0..P {
                acc[i][p] = _mm512_maskz_load_ps(keep, part.add(i * NP + p).cast());
            }
        }
        // one step: 8 inputs of the M rows times the P pairs' packed weights
        let mut step = |k: usize| {
            let w = chunk.packed.add(k * 2 * NP);
            let mut wv = [_mm512_setzero_ps(); P];
            for p in 0..P {
                wv[p] = _mm512_load_ps(w.add(16 * p));
            }
            for i in 0..M {
                let xv = broadcast8(x.add(i * out.n_in + k));
                for p in 0..P {
                    acc[i][p] = _mm512_fmadd_ps(xv, wv[p], acc[i][p]);
                }
            }
        };
        let mut k = 0;
        if ahead.is_null() {
            while k < kc {
                step(k);
                k += 8;
            }
        } else {
            while k < kc {
                if k % 16 == 0 {
                    for i in 0..M {
                        _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(i * out.n_in + k).cast());
                    }
                }
                step(k);
                k += 8;
            }
        }
        if !chunk.last {
            for i in 0..M {
                for p in 0..P {
                    _mm512_store_ps(part.add(i * NP + p).cast(), acc[i][p]);
                }
            }
            return;
        }
        for i in 0..M {
            // a copy, so that `acc` itself is never borrowed and stays in
            // registers (else it lives on the stack, and the partial sums
            // above are stored with a memcpy call)
            let row = acc[i];
            if P == 4 && out.units == 8 {
                finish8(&[row[0], row[1], row[2], row[3]], i, out);
            } else {
                finish(&row, i, out);
            }
        }
    }
}

/// Row `i` of a full block of 8 units: the 16 half-register sums of `acc`
/// reduced 8 at a time (the lanes of each half in [`hsum`]'s order), the
/// tails added, then the biases; 8 outputs stored.
///
/// # Safety
/// AVX-512F, AVX, FMA; as [`micro`], with `out.units == 8`.
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn finish8(acc: &[__m512; 4], i: usize, out: &Out) {
    // acc[p] = [unit 2p: lanes 0-3 | 4-7 | unit 2p + 1: lanes 0-3 | 4-7]
    // step 1: a_u[j] = s_u[j] + s_u[j + 4], j < 4, four units per register
    let half = |p: __m512, q: __m512| {
        let lo = _mm512_shuffle_f32x4::<0b10_00_10_00>(p, q);
        let hi = _mm512_shuffle_f32x4::<0b11_01_11_01>(p, q);
        _mm512_add_ps(lo, hi)
    };
    let a03 = half(acc[0], acc[1]); // 128-bit block u: a_u, u = 0..4
    let a47 = half(acc[2], acc[3]); // block u: a_{u+4}
                                    // step 2: b_u = (a_u[0] + a_u[2], a_u[1] + a_u[3])
    let m = _mm512_shuffle_ps::<0b01_00_01_00>(a03, a47); // a_u[0], a_u[1], a_{u+4}[0], a_{u+4}[1]
    let n = _mm512_shuffle_ps::<0b11_10_11_10>(a03, a47); // a_u[2], a_u[3], a_{u+4}[2], a_{u+4}[3]
    let bb = _mm512_add_ps(m, n);
    // step 3: t_u = b_u[0] + b_u[1]: unit u in lane 4u, unit u + 4 in lane 4u + 2
    let c = _mm512_add_ps(bb, _mm512_permute_ps::<0b10_11_00_01>(bb));
    let order = _mm512_setr_epi32(0, 4, 8, 12, 2, 6, 10, 14, 0, 0, 0, 0, 0, 0, 0, 0);
    let mut t = _mm512_castps512_ps256(_mm512_permutexvar_ps(order, c));
    let k8 = out.n_in - out.n_in % 8;
    // SAFETY: the caller's bounds: row i of x, rows u < 8 of w, 8 biases and outputs.
    unsafe {
        if k8 < out.n_in {
            let mut ts = [0.0f32; 8];
            _mm256_storeu_ps(ts.as_mut_ptr(), t);
            let xi = out.x.add(i * out.n_in);
            for u in 0..8 {
                let wu = out.w.add(u * out.n_in);
                for kk in k8..out.n_in {
                    ts[u] += *xi.add(kk) * *wu.add(kk);
                }
            }
            t = _mm256_loadu_ps(ts.as_ptr());
        }
        _mm256_storeu_ps(out.z.add(i * out.ldz), _mm256_add_ps(_mm256_loadu_ps(out.b), t));
    }
}

/// Row `i` of a block of `out.units ≤ 2·P` units, one output at a time.
///
/// # Safety
/// AVX-512F, AVX, FMA; as [`micro`].
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn finish<const P: usize>(acc: &[__m512; P], i: usize, out: &Out) {
    let k8 = out.n_in - out.n_in % 8;
    // SAFETY: the caller's bounds; only units u < out.units are read and stored.
    unsafe {
        let xi = out.x.add(i * out.n_in);
        for p in 0..P {
            let hs = halves(acc[p]);
            for h in 0..2 {
                let (u, half) = (2 * p + h, hs[h]);
                if u >= out.units {
                    return;
                }
                let wu = out.w.add(u * out.n_in);
                let mut t = hsum(half);
                for kk in k8..out.n_in {
                    t += *xi.add(kk) * *wu.add(kk);
                }
                *out.z.add(i * out.ldz + u) = *out.b.add(u) + t;
            }
        }
    }
}

/// `dw[o][i] += Σ_s dz[s][o] x[s][i]` (in sample order), `db[o] += Σ_s dz[s][o]`,
/// with the bits of [`super::dense_backward_params`].
///
/// # Panics
/// If a slice is too short.
pub fn dense_backward_params(x: &[f32], dz: &[f32], dw: &mut [f32], db: &mut [f32], n_in: usize, n_out: usize) {
    super::backward_params(x, dz, dw, db, n_in, n_out, 0..n_out, true)
}

/// [`super::dense_backward_params_units`] with this path's sparse kernel
/// (the bits of [`dense_backward_params`] on the whole layer).
///
/// # Panics
/// If a slice is too short or `units` is not inside `0..n_out`.
pub fn dense_backward_params_units(
    x: &[f32],
    dz: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    n_in: usize,
    n_out: usize,
    units: core::ops::Range<usize>,
) {
    super::backward_params(x, dz, dw, db, n_in, n_out, units, true)
}

/// [`super::dense_backward_params_rows`] with this path's sparse kernel.
///
/// # Panics
/// As that function.
pub fn dense_backward_params_rows(
    x: &[f32],
    dz: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    n_in: usize,
    n_out: usize,
    rows: core::ops::Range<usize>,
) {
    super::backward_params_rows(x, dz, dw, db, n_in, n_out, rows, true)
}

/// [`super::dense_weight_gradient_chunks`] with this path's sparse kernel.
///
/// # Panics
/// As that function.
pub fn dense_weight_gradient_chunks(
    x: &[f32],
    dz: &[f32],
    chunks: &mut [f32],
    n_in: usize,
    n_out: usize,
    rows: core::ops::Range<usize>,
) {
    super::weight_gradient_chunks(x, dz, chunks, n_in, n_out, rows, true)
}

/// `dx[s][i] = Σ_o dz[s][o] w[o][i]` (in unit order; overwrites `dx`), with
/// the bits of [`super::dense_backward_input`].
///
/// # Panics
/// If a slice is too short.
pub fn dense_backward_input(dz: &[f32], w: &[f32], dx: &mut [f32], n_in: usize, n_out: usize) {
    super::backward_input(dz, w, dx, n_in, n_out, true)
}

super::sparse_outer! {
    /// The AVX kernels' sparse outer product (`c (+)= a·b` skipping the zero
    /// `a(r, k)`) with 16 columns per register: each value of `c` sums the
    /// same terms in the same order, so the same bits.
    ///
    /// # Safety
    /// As the AVX kernel, and AVX-512F.
    pub(super) fn outer_sparse, "avx512f,avx,fma", sparse_panel, sparse_edge, 64
}

/// `width < 16` columns of one row of [`outer_sparse`] (those before its
/// aligned blocks, or after them): [`sparse_block`] with masked loads and
/// stores.
///
/// # Safety
/// AVX-512F; as [`sparse_block`] for `width` columns.
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn sparse_edge(
    ks: &[u32],
    vals: &[f32],
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    accumulate: bool,
    width: usize,
) {
    debug_assert!(width < 16);
    let mask = ((1u32 << width) - 1) as __mmask16;
    // SAFETY (whole body): the caller's bounds; masked-off lanes are neither
    // read nor written.
    unsafe {
        let mut acc = _mm512_setzero_ps();
        for (&k, &a) in ks.iter().zip(vals) {
            acc = _mm512_fmadd_ps(_mm512_set1_ps(a), _mm512_maskz_loadu_ps(mask, b.add(k as usize * ldb)), acc);
        }
        if accumulate {
            acc = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, c), acc);
        }
        _mm512_mask_storeu_ps(c, mask, acc);
    }
}

/// The blocks of [`outer_sparse`]: 4, 2 or 1 registers of 16 columns, or
/// the AVX kernel's one of 8; returns how many vectors of 8 columns it did.
///
/// # Safety
/// AVX-512F; as the AVX kernel's block for `8·left` columns.
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn sparse_panel(
    ks: &[u32],
    vals: &[f32],
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    acc: bool,
    left: usize,
) -> usize {
    // SAFETY: the caller's bounds; each block takes at most `left` vectors of 8.
    unsafe {
        match left {
            8.. => {
                sparse_block::<4>(ks, vals, b, ldb, c, acc);
                8
            }
            4..=7 => {
                sparse_block::<2>(ks, vals, b, ldb, c, acc);
                4
            }
            2 | 3 => {
                sparse_block::<1>(ks, vals, b, ldb, c, acc);
                2
            }
            _ => {
                super::sparse_block::<1>(ks, vals, b, ldb, c, acc);
                1
            }
        }
    }
}

/// One row block: `c[j..j + 16·NV] (+)= Σ_i vals[i] · b[ks[i]·ldb + j..]`,
/// term by term in the order of the list from zero, then added onto `c` if
/// `accumulate`.
///
/// # Safety
/// AVX-512F; rows `ks[i]` of `b` hold `16·NV` values from `b`, and `c` does.
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn sparse_block<const NV: usize>(
    ks: &[u32],
    vals: &[f32],
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    accumulate: bool,
) {
    let mut acc = [_mm512_setzero_ps(); NV];
    // SAFETY (whole body): the caller's bounds.
    unsafe {
        let n = ks.len().min(vals.len());
        for t in 0..n {
            let (k, a) = (*ks.get_unchecked(t), *vals.get_unchecked(t));
            let av = _mm512_set1_ps(a);
            let row = b.add(k as usize * ldb);
            for v in 0..NV {
                acc[v] = _mm512_fmadd_ps(av, _mm512_loadu_ps(row.add(16 * v)), acc[v]);
            }
        }
        for v in 0..NV {
            let c = c.add(16 * v);
            _mm512_storeu_ps(c, if accumulate { _mm512_add_ps(_mm512_loadu_ps(c), acc[v]) } else { acc[v] });
        }
    }
}

/// `[a | b]`: `a` in the low half, `b` in the high half.
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
fn join(a: __m256, b: __m256) -> __m512 {
    let lo = _mm512_castpd256_pd512(_mm256_castps_pd(a));
    _mm512_castpd_ps(_mm512_insertf64x4::<1>(lo, _mm256_castps_pd(b)))
}

/// The low and high halves of `v` (the inverse of [`join`]).
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
fn halves(v: __m512) -> [__m256; 2] {
    [_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v)))]
}

/// `[v | v]` of the 8 values at `p`.
///
/// # Safety
/// AVX-512F; 8 values at `p`.
#[inline]
#[target_feature(enable = "avx512f,avx,fma")]
unsafe fn broadcast8(p: *const f32) -> __m512 {
    // SAFETY: the caller's.
    let v = unsafe { _mm256_loadu_pd(p.cast()) };
    _mm512_castpd_ps(_mm512_broadcast_f64x4(v))
}
