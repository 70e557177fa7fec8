//! The user-facing [`Network`] trait, implemented for every [`Layer`].

#[cfg(feature = "alloc")]
use alloc::boxed::Box;

use core::fmt::{self, Write as _};

use crate::error::check_len;
use crate::{Error, Layer, Loss, Optimizer, Result, Rng};

/// Whether a forward pass is for training (dropout active) or evaluation.
#[derive(Debug)]
pub enum Mode<'a> {
    /// Inference: dropout is the identity.
    Eval,
    /// Training: dropout draws its masks from the generator.
    Train(&'a mut Rng),
}

/// A network: a layer, or a chain of layers built by `network!`.
///
/// Every method takes fixed-size rows (`[f32; INPUT]`, `[f32; OUTPUT]`), so a
/// sample of the wrong width is a compile error; batches are slices, and a
/// batch whose slices disagree in length is an [`Error`].
///
/// The `*_in` methods work on caller-provided buffers and never allocate
/// (bare-metal training). The one exception is the `matrixmultiply`
/// fallback of [`kernel`](crate::kernel), used with `std` only on machines
/// without the AVX+FMA kernels, which allocates its packing buffers. The
/// other methods (feature `alloc`) allocate what they need; with `std`,
/// `train_step`, `loss_and_grad`'s workspace and `predict_batch` reuse
/// per-thread scratch memory, so a training loop allocates on its first step only.
pub trait Network: Layer {
    /// Input width.
    const INPUT: usize = Self::IN;
    /// Output width.
    const OUTPUT: usize = Self::OUT;
    /// Number of values in [`params`](Network::params): the trainable
    /// parameters, plus the state values of layers that have some (the
    /// running statistics of a [`BatchNorm`](crate::BatchNorm)), as in a torch `state_dict`.
    const PARAMS: usize = core::mem::size_of::<Self>() / 4;
    /// Number of trainable parameters: [`PARAMS`](Network::PARAMS) without
    /// the [`STATE`](Layer::STATE) values (torch's `sum(p.numel() for p in
    /// model.parameters())`).
    const TRAINABLE: usize = Self::PARAMS - Self::STATE;
    /// `f32` values of workspace per sample of a training batch: the output,
    /// its gradient, and the caches of all layers.
    const WORKSPACE_PER_SAMPLE: usize = 2 * Self::OUT + Self::CACHE;
    /// The architecture fingerprint the weight file stores, computed by the
    /// compiler: FNV-1a 64 of the layers as written in `network!`, joined by
    /// `, ` (`Dense<2, 3, ReLU>, Dense<3, 1, Sigmoid>`), from
    /// [`Layer::STRUCTURE`]. Using it is a compile error for a network
    /// with a layer type that has no compile-time architecture (only layer
    /// types from outside this crate); see [`arch`](crate::arch).
    const FINGERPRINT: u64 = match Self::STRUCTURE.fingerprint() {
        Some(fingerprint) => fingerprint,
        None => panic!("a layer of this network has no compile-time `Layer::STRUCTURE`, so it has no FINGERPRINT"),
    };

    /// A network with every parameter zero, built on the stack (also the
    /// gradient buffer of [`train_step_in`](Network::train_step_in)). Large
    /// networks want [`zeroed_boxed`](Network::zeroed_boxed).
    fn zeros() -> Self {
        bytemuck::Zeroable::zeroed()
    }

    /// A network initialized with each layer's default scheme, built on the
    /// stack (for small networks and bare metal; large networks want
    /// [`boxed`](Network::boxed)).
    fn new(rng: &mut Rng) -> Self {
        let mut net = Self::zeros();
        net.init(rng);
        net
    }

    /// A network on the heap with every parameter zero, built in place (never
    /// on the stack, so networks of hundreds of MB work in any thread).
    #[cfg(feature = "alloc")]
    fn zeroed_boxed() -> Box<Self> {
        bytemuck::zeroed_box()
    }

    /// A network on the heap initialized with each layer's default scheme.
    #[cfg(feature = "alloc")]
    fn boxed(rng: &mut Rng) -> Box<Self> {
        let mut net = Self::zeroed_boxed();
        net.init(rng);
        net
    }

    /// Keras-style training: `net.fit(&xs, &ys).optimizer(..).epochs(..).run()`.
    /// See [`fit`](crate::fit).
    #[cfg(feature = "std")]
    fn fit<'a>(&'a mut self, xs: &'a [Self::Input], ys: &'a [Self::Output]) -> crate::fit::Fit<'a, Self>
    where
        Self: Sized,
    {
        crate::fit::Fit::new(self, xs, ys)
    }

    /// The parameters in the library's weight-file format (see [`io`](crate::io)).
    #[cfg(feature = "alloc")]
    fn to_bytes(&self) -> alloc::vec::Vec<u8> {
        crate::io::to_bytes(self)
    }

    /// A network read from weight-file bytes; a damaged file, a different
    /// architecture or non-finite weights are errors.
    #[cfg(feature = "alloc")]
    fn from_bytes(bytes: &[u8]) -> Result<Box<Self>> {
        crate::io::from_bytes(bytes)
    }

    /// A network read from weight-file bytes with `options` (to accept
    /// non-finite weights: `LoadOptions::new().allow_non_finite(true)`).
    #[cfg(feature = "alloc")]
    fn from_bytes_with(bytes: &[u8], options: crate::io::LoadOptions) -> Result<Box<Self>> {
        crate::io::from_bytes_with(bytes, options)
    }

    /// Saves the parameters to `path` atomically (temporary file, fsync,
    /// rename): on any error the file that was there is left as it was.
    #[cfg(feature = "std")]
    fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        crate::io::write_atomic(path.as_ref(), &self.to_bytes())
    }

    /// Loads a network saved by [`save`](Network::save); errors name the file.
    #[cfg(feature = "std")]
    fn load(path: impl AsRef<std::path::Path>) -> Result<Box<Self>> {
        Self::load_with(path, crate::io::LoadOptions::new())
    }

    /// Loads a network saved by [`save`](Network::save) with `options`.
    #[cfg(feature = "std")]
    fn load_with(path: impl AsRef<std::path::Path>, options: crate::io::LoadOptions) -> Result<Box<Self>> {
        use alloc::string::ToString;
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let mut net = Self::zeroed_boxed();
        crate::io::read_into(&mut *net, &bytes, &path.display().to_string(), options.allow_non_finite)?;
        Ok(net)
    }

    /// A table of the layers, their output shapes and parameter counts, as
    /// Keras' `model.summary()`; print it with `{}`.
    fn summary(&self) -> Summary<Self> {
        Summary(core::marker::PhantomData)
    }

    /// The output for one input (dropout off). Cannot fail: the widths are types.
    fn predict(&self, x: &Self::Input) -> Self::Output {
        let mut y: Self::Output = bytemuck::Zeroable::zeroed();
        self.forward_one(x.as_ref(), y.as_mut());
        y
    }

    /// The outputs for a batch of inputs; `outputs` must be as long as `xs`.
    ///
    /// With `alloc`, batches go through the batched kernels in chunks of
    /// [`PREDICT_CHUNK`] samples, using per-thread scratch memory (allocated
    /// on the first call); without, sample by sample. The outputs are the
    /// same bits as [`predict`](Network::predict) on each sample, except on
    /// targets without the AVX kernels where batches of 4 or more use the
    /// `matrixmultiply` GEMM (summed in another order), and, on AVX-512,
    /// the sign of a zero that only a product below 2⁻¹⁵⁰ made negative
    /// (layers whose inputs are mostly zeros skip them there:
    /// `nn_kernels::x86::avx512::nonzero`). With the `parallel`
    /// feature, batches of at least 256 spread their chunks over rayon's
    /// threads (same results; on a pool of two, this thread and the
    /// helper of `nn_core::parallel::Region`).
    fn predict_batch(&self, xs: &[Self::Input], outputs: &mut [Self::Output]) -> Result<()> {
        check_len("outputs", xs.len(), outputs.len())?;
        #[cfg(feature = "parallel")]
        if crate::parallel::chunks_for(xs.len()) > 1 {
            // on a pool of two threads, with the helper that training uses
            // (a region, unless the caller has one)
            let _team = crate::parallel::Region::open();
            let (x, y) = (bytemuck::cast_slice(xs), bytemuck::cast_slice_mut(outputs));
            crate::parallel::predict_chunks(self, x, y, xs.len(), PREDICT_CHUNK);
            return Ok(());
        }
        #[cfg(feature = "alloc")]
        if xs.len() > 1 {
            let chunk = PREDICT_CHUNK.min(xs.len());
            crate::scratch::with_scratch(chunk * Self::CACHE, |cache| {
                let chunks = || {
                    for (x, y) in xs.chunks(chunk).zip(outputs.chunks_mut(chunk)) {
                        let n = x.len();
                        let (x, y) = (bytemuck::cast_slice(x), bytemuck::cast_slice_mut(y));
                        self.forward(x, y, &mut cache[..n * Self::CACHE], n, &mut Mode::Eval);
                    }
                };
                // SAFETY: `self` is borrowed shared for the whole call, and
                // its layers' forward passes change no weights inside it
                // (the built-in layers hold them in plain arrays).
                unsafe { crate::kernel::with_constant_weights(self, chunks) }
            });
            return Ok(());
        }
        for (x, y) in xs.iter().zip(outputs.iter_mut()) {
            self.forward_one(x.as_ref(), y.as_mut());
        }
        Ok(())
    }

    /// All parameters, flat, in PyTorch `state_dict` order: layer by
    /// layer, `weight` (`[out][in]`, row-major) then `bias` (then, for a
    /// [`BatchNorm`](crate::BatchNorm), `running_mean` and `running_var`:
    /// state values, which [`Layer::visit_state`] names and training never
    /// changes by gradient).
    fn params(&self) -> &[f32] {
        if Self::PARAMS == 0 {
            return &[];
        }
        bytemuck::cast_slice(core::slice::from_ref(self))
    }

    /// The parameters, mutable (same order as [`params`](Network::params)).
    fn params_mut(&mut self) -> &mut [f32] {
        if Self::PARAMS == 0 {
            return &mut [];
        }
        bytemuck::cast_slice_mut(core::slice::from_mut(self))
    }

    /// Copies `params` into the network, or fails (changing nothing) if it
    /// does not hold exactly [`PARAMS`](Network::PARAMS) values.
    fn set_params(&mut self, params: &[f32]) -> Result<()> {
        check_len("params", Self::PARAMS, params.len())?;
        self.params_mut().copy_from_slice(params);
        Ok(())
    }

    /// Mean loss of a batch and its gradient, on caller-provided buffers:
    /// adds `∂C/∂θ` (mean over the batch) to `grad` and returns the mean loss.
    ///
    /// `workspace` needs `WORKSPACE_PER_SAMPLE × xs.len()` values; afterwards
    /// its first `xs.len() × OUTPUT` values are the outputs of the batch. In
    /// [`Mode::Train`] dropout is active. Fails, before touching `grad`, on an
    /// empty batch, on `xs`/`ys` of different lengths, on a small workspace,
    /// on a training batch of one sample when the network has
    /// [state](Layer::STATE) ([`Error::BatchTooSmall`]), and on a loss that is
    /// not finite. The state values of `grad` are set to the state's next
    /// values (see [`Layer::STATE`]), not added to.
    ///
    /// With the `parallel` feature, a batch of at least
    /// `nn_core::parallel::PARALLEL_MIN_BATCH` samples is split over rayon's
    /// threads (see the `parallel` module, built with that feature). If
    /// every layer allows it ([`Layer::SPLIT_BY_UNITS`]: dense layers,
    /// activations, dropout, batch norm, residual blocks of those), the
    /// batch runs on this thread with its dense kernels split by units, and
    /// the result is the same bits as on one thread. Otherwise (networks
    /// without state) the batch is split by samples: the result is then
    /// deterministic for a given number of threads, and the per-thread
    /// gradient buffers are scratch memory allocated on the first such batch.
    fn loss_and_grad_in<L: Loss>(
        &self,
        xs: &[Self::Input],
        ys: &[Self::Output],
        loss: &L,
        grad: &mut Self,
        workspace: &mut [f32],
        mode: Mode<'_>,
    ) -> Result<f32> {
        if Self::STATE > 0 && xs.len() == 1 && matches!(mode, Mode::Train(_)) {
            return Err(Error::BatchTooSmall { needed: 2, found: 1 });
        }
        // Split over threads: by units on this thread where every layer
        // allows it, else by samples (not with state: batch statistics, as
        // BatchNorm's, need the whole batch in one piece).
        #[cfg(feature = "parallel")]
        let _split = {
            let chunks = crate::parallel::chunks_for(xs.len());
            if chunks > 1 && !Self::SPLIT_BY_UNITS && Self::STATE == 0 {
                return crate::parallel::loss_and_grad_in(self, xs, ys, loss, grad, workspace, mode, chunks);
            }
            // (a region, unless the caller has one: a dozen joins per batch)
            (chunks > 1 && Self::SPLIT_BY_UNITS)
                .then(|| (crate::parallel::Region::open_for(xs.len()), crate::parallel::units::Split::set(true)))
        };
        let (mean, fused) = forward_loss(self, xs, ys, loss, workspace, mode, true)?;
        let batch = xs.len();
        let (y, rest) = workspace.split_at_mut(batch * Self::OUT);
        let (dy, cache) = rest.split_at_mut(batch * Self::OUT);
        let cache = &mut cache[..batch * Self::CACHE];
        let scale = 1.0 / batch as f32;
        for g in dy.iter_mut() {
            *g *= scale;
        }
        self.backward(bytemuck::cast_slice(xs), y, cache, dy, None, grad, batch, fused);
        Ok(mean)
    }

    /// Mean loss of a batch, forward only (no gradient), on a caller-provided
    /// workspace of `WORKSPACE_PER_SAMPLE × xs.len()` values whose first
    /// `xs.len() × OUTPUT` values are then the outputs. Fails like
    /// [`loss_and_grad_in`](Network::loss_and_grad_in), but a loss that is not
    /// finite is returned, not an error.
    fn loss_in<L: Loss>(
        &self,
        xs: &[Self::Input],
        ys: &[Self::Output],
        loss: &L,
        workspace: &mut [f32],
        mode: Mode<'_>,
    ) -> Result<f32> {
        forward_loss(self, xs, ys, loss, workspace, mode, false).map(|(mean, _)| mean)
    }

    /// One training step on caller-provided buffers, without allocating:
    /// forward (dropout active), backward, then one update by `opt` with its
    /// state in `opt_state` (`opt.state_len(PARAMS)` values, zero at first).
    /// `grad` is scratch (overwritten). State values (a `BatchNorm`'s running
    /// statistics) are set to their next values, not moved by `opt`. Returns
    /// the mean loss of the batch before the update; on any error the
    /// parameters are unchanged.
    #[allow(clippy::too_many_arguments)]
    fn train_step_in<L: Loss, O: Optimizer>(
        &mut self,
        xs: &[Self::Input],
        ys: &[Self::Output],
        loss: &L,
        opt: &mut O,
        opt_state: &mut [f32],
        grad: &mut Self,
        workspace: &mut [f32],
        rng: &mut Rng,
    ) -> Result<f32> {
        check_len("optimizer state", opt.state_len(Self::PARAMS), opt_state.len())?;
        #[cfg(feature = "parallel")]
        let _team = crate::parallel::Region::open_for(xs.len());
        #[cfg(feature = "parallel")]
        crate::parallel::fill_zero(grad.params_mut(), xs.len());
        #[cfg(not(feature = "parallel"))]
        grad.params_mut().fill(0.0);
        let l = self.loss_and_grad_in(xs, ys, loss, grad, workspace, Mode::Train(rng))?;
        // The state's next values wait in the workspace (at least CACHE ≥ STATE values).
        let next_state = &mut workspace[..Self::STATE];
        take_state::<Self>(grad.params_mut(), next_state);
        opt.update(self.params_mut(), grad.params(), opt_state);
        put_state::<Self>(self.params_mut(), next_state);
        Ok(l)
    }

    /// Mean loss of a batch and its gradient (dropout off, so the result is
    /// deterministic). The gradient has the network's own type; its
    /// [`as_slice`](Grads::as_slice) is in [`params`](Network::params) order.
    #[cfg(feature = "alloc")]
    fn loss_and_grad<L: Loss>(&self, xs: &[Self::Input], ys: &[Self::Output], loss: &L) -> Result<(f32, Grads<Self>)> {
        let mut grad = Self::zeroed_boxed();
        let l = crate::scratch::with_scratch(Self::WORKSPACE_PER_SAMPLE * xs.len(), |workspace| {
            self.loss_and_grad_in(xs, ys, loss, &mut grad, workspace, Mode::Eval)
        })?;
        Ok((l, Grads(grad)))
    }

    /// One training step: forward with dropout active, backward, one update
    /// by `opt` (which keeps its own state). Returns the mean loss of the
    /// batch before the update, like `loss.item()` in a PyTorch loop; on any
    /// error the parameters are unchanged.
    #[cfg(feature = "alloc")]
    fn train_step<L: Loss, O: Optimizer>(
        &mut self,
        xs: &[Self::Input],
        ys: &[Self::Output],
        loss: &L,
        opt: &mut O,
        rng: &mut Rng,
    ) -> Result<f32> {
        #[cfg(feature = "parallel")]
        let _team = crate::parallel::Region::open_for(xs.len());
        // The gradient and the workspace live in per-thread scratch memory
        // (with `std`), so a training loop allocates only on its first step.
        crate::scratch::with_scratch(Self::PARAMS + Self::WORKSPACE_PER_SAMPLE * xs.len(), |scratch| {
            let (grad, workspace) = scratch.split_at_mut(Self::PARAMS);
            #[cfg(feature = "parallel")]
            crate::parallel::fill_zero(grad, xs.len());
            #[cfg(not(feature = "parallel"))]
            grad.fill(0.0);
            let grad: &mut Self = bytemuck::from_bytes_mut(bytemuck::cast_slice_mut(grad));
            let l = self.loss_and_grad_in(xs, ys, loss, grad, workspace, Mode::Train(rng))?;
            let next_state = &mut workspace[..Self::STATE];
            take_state::<Self>(grad.params_mut(), next_state);
            opt.step(self.params_mut(), grad.params());
            put_state::<Self>(self.params_mut(), next_state);
            Ok(l)
        })
    }
}

impl<L: Layer> Network for L {}

/// Moves the state values (see [`Layer::STATE`]) out of a gradient, in
/// [`Layer::visit_state`] order, into `stash` (`N::STATE` values), leaving
/// zeros: what is left is a gradient the optimizer can use.
pub fn take_state<N: Layer>(grad: &mut [f32], stash: &mut [f32]) {
    let mut at = 0;
    N::visit_state(0, &mut |r| take_state_range(r, &mut at, grad, stash));
}

/// Writes state values taken by [`take_state`] into the parameters.
pub fn put_state<N: Layer>(params: &mut [f32], stash: &[f32]) {
    let mut at = 0;
    N::visit_state(0, &mut |r| put_state_range(r, &mut at, params, stash));
}

/// One range of [`take_state`]: `grad[r]` to `stash[*at..]`, then zeros in
/// `grad[r]`; `*at` moves past it.
pub(crate) fn take_state_range(r: core::ops::Range<usize>, at: &mut usize, grad: &mut [f32], stash: &mut [f32]) {
    let n = r.len();
    stash[*at..*at + n].copy_from_slice(&grad[r.clone()]);
    grad[r].fill(0.0);
    *at += n;
}

/// One range of [`put_state`]: `stash[*at..]` to `params[r]`; `*at` moves past it.
pub(crate) fn put_state_range(r: core::ops::Range<usize>, at: &mut usize, params: &mut [f32], stash: &[f32]) {
    let n = r.len();
    params[r].copy_from_slice(&stash[*at..*at + n]);
    *at += n;
}

/// Samples per chunk of [`Network::predict_batch`] (feature `alloc`).
pub const PREDICT_CHUNK: usize = 256;

/// The table printed by [`Network::summary`]:
///
/// ```text
/// Layer                         Output shape       Params
/// ───────────────────────────────────────────────────────
/// layer0  Dense<784, 128, ReLU>  [128]             100480
/// ...
/// ```
pub struct Summary<N: ?Sized>(core::marker::PhantomData<N>);

impl<N: Network> fmt::Display for Summary<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_summary(
            f,
            &Shape {
                visit: N::visit,
                visit_shapes: N::visit_shapes,
                names: N::layer_names(),
                params: N::PARAMS,
                trainable: N::TRAINABLE,
                state: N::STATE,
                inputs: N::IN,
                outputs: N::OUT,
            },
        )
    }
}

/// What [`Summary`] prints of a network, with its visitors as function
/// pointers, so that [`write_summary`] is not generic: compiled once here,
/// not in every crate that prints a summary.
struct Shape {
    visit: fn(&mut dyn FnMut(crate::layer::LayerInfo)),
    visit_shapes: VisitShapes,
    names: &'static [&'static str],
    params: usize,
    trainable: usize,
    state: usize,
    inputs: usize,
    outputs: usize,
}

/// [`Layer::visit_shapes`] of a network, as a function pointer.
type VisitShapes = fn(&mut dyn FnMut(Option<[usize; 3]>));

/// The table of [`Summary`].
fn write_summary(f: &mut fmt::Formatter<'_>, net: &Shape) -> fmt::Result {
    let names = net.names;
    let name_width = names.iter().map(|n| n.len()).max().unwrap_or(0);
    let mut kind_width = 5;
    (net.visit)(&mut |info| {
        let mut buf = TextBuf::default();
        let _ = (info.describe)(&mut buf);
        kind_width = kind_width.max(buf.len);
    });
    let head = if name_width > 0 { name_width + 2 } else { 0 };
    let rule = head + kind_width + 2 + 14 + 12;
    writeln!(f, "{:head$}{:kind_width$}  {:<14}{:>12}", "", "Layer", "Output shape", "Params")?;
    writeln!(f, "{:─<rule$}", "")?;
    let mut index = 0;
    let mut result = Ok(());
    (net.visit)(&mut |info| {
        let mut buf = TextBuf::default();
        let _ = (info.describe)(&mut buf);
        let name = names.get(index).copied().unwrap_or("");
        let mut shape = TextBuf::default();
        let _ = match image_shape(net.visit_shapes, index) {
            Some([c, h, w]) => write!(shape, "[{c}, {h}, {w}]"),
            None => write!(shape, "[{}]", info.outputs),
        };
        result = result.and_then(|()| {
            if head > 0 {
                write!(f, "{name:<head$}")?;
            }
            writeln!(f, "{:kind_width$}  {:<14}{:>12}", buf.as_str(), shape.as_str(), info.params)
        });
        index += 1;
    });
    result?;
    writeln!(f, "{:─<rule$}", "")?;
    let bytes = net.params * 4;
    write!(f, "Total params: {} ({:.1} KiB), ", net.trainable, bytes as f64 / 1024.0)?;
    if net.state > 0 {
        write!(f, "plus {} state values (running statistics), ", net.state)?;
    }
    write!(f, "input [{}], output [{}]", net.inputs, net.outputs)
}

/// The output shape of layer `index`, when it is an image.
fn image_shape(visit_shapes: VisitShapes, index: usize) -> Option<[usize; 3]> {
    let (mut i, mut shape) = (0, None);
    visit_shapes(&mut |s| {
        if i == index {
            shape = s;
        }
        i += 1;
    });
    shape
}

/// A small stack buffer for text (layer descriptions), truncating past 96 bytes.
struct TextBuf {
    bytes: [u8; 96],
    len: usize,
}

impl Default for TextBuf {
    fn default() -> Self {
        TextBuf { bytes: [0; 96], len: 0 }
    }
}

impl TextBuf {
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("?")
    }
}

impl fmt::Write for TextBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(self.bytes.len() - self.len);
        // Only whole characters: back off to a char boundary.
        let n = (0..=n).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Forward pass of a batch and its mean loss; leaves `∂loss/∂output` (or
/// `∂loss/∂logits`, then `true` is returned with it) per sample, not yet
/// divided by the batch size, in the workspace after the outputs.
fn forward_loss<N: Network, L: Loss>(
    net: &N,
    xs: &[N::Input],
    ys: &[N::Output],
    loss: &L,
    workspace: &mut [f32],
    mut mode: Mode<'_>,
    require_finite: bool,
) -> Result<(f32, bool)> {
    check_batch::<N>(xs.len(), ys.len(), workspace.len())?;
    let batch = xs.len();
    let n_out = N::OUT;
    let x: &[f32] = bytemuck::cast_slice(xs);
    let (y, rest) = workspace.split_at_mut(batch * n_out);
    let (dy, cache) = rest.split_at_mut(batch * n_out);
    let cache = &mut cache[..batch * N::CACHE];
    net.forward(x, y, cache, batch, &mut mode);
    let mut total = 0.0f32;
    let fused = loss_rows(net.logits(x, cache, batch), y, bytemuck::cast_slice(ys), dy, loss, n_out, &mut total);
    let mean = total / batch as f32;
    if require_finite && !mean.is_finite() {
        return Err(Error::NonFiniteLoss { loss: mean });
    }
    Ok((mean, fused))
}

/// The checks of a batch before anything is computed: not empty, as many
/// targets as inputs, a workspace of `WORKSPACE_PER_SAMPLE × batch` values.
pub(crate) fn check_batch<N: Network>(batch: usize, targets: usize, workspace: usize) -> Result<()> {
    if batch == 0 {
        return Err(Error::EmptyBatch);
    }
    check_len("targets (ys)", batch, targets)?;
    let needed = N::WORKSPACE_PER_SAMPLE * batch;
    if workspace < needed {
        return Err(Error::WorkspaceTooSmall { needed, found: workspace });
    }
    Ok(())
}

/// Adds the loss of the rows of `y` (targets `t`) to `total`, in row order,
/// and writes each row's gradient into `dy`: with respect to the logits `z`
/// when given (then returns `true`), else to the outputs.
pub(crate) fn loss_rows<L: Loss>(
    z: Option<&[f32]>,
    y: &[f32],
    t: &[f32],
    dy: &mut [f32],
    loss: &L,
    n_out: usize,
    total: &mut f32,
) -> bool {
    #[cfg(feature = "parallel")]
    if let Some(fused) = crate::parallel::units::loss_rows(z, y, t, dy, loss, n_out, total) {
        return fused;
    }
    match z {
        Some(z) => {
            loss.softmax_loss_and_grad_rows(z, y, t, dy, n_out, total);
            true
        }
        None => {
            let rows = y.chunks_exact(n_out).zip(t.chunks_exact(n_out)).zip(dy.chunks_exact_mut(n_out));
            for ((p, t), g) in rows {
                *total += loss.loss(p, t);
                loss.grad(p, t, g);
            }
            false
        }
    }
}

/// Gradients of a network: a value of the network's own type (so
/// `grad.layer0.weights[o][i]` is `∂C/∂w`), on the heap.
#[cfg(feature = "alloc")]
pub struct Grads<N>(pub Box<N>);

#[cfg(feature = "alloc")]
impl<N: Network> Grads<N> {
    /// The gradient, flat, in [`Network::params`] order.
    pub fn as_slice(&self) -> &[f32] {
        self.0.params()
    }
    /// The gradient, flat and mutable (for clipping).
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        self.0.params_mut()
    }
}

#[cfg(feature = "alloc")]
impl<N> core::ops::Deref for Grads<N> {
    type Target = N;
    fn deref(&self) -> &N {
        &self.0
    }
}

#[cfg(feature = "alloc")]
impl<N> core::ops::DerefMut for Grads<N> {
    fn deref_mut(&mut self) -> &mut N {
        &mut self.0
    }
}

#[cfg(feature = "alloc")]
impl<N: Network> core::fmt::Debug for Grads<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Grads").field(&self.as_slice()).finish()
    }
}
