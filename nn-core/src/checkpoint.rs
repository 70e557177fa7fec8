//! Checkpoints: everything a training run needs to resume where it stopped
//! and end with bit-identical weights (feature `std`).
//!
//! A [`Checkpoint`] holds the parameters, the optimizer (its scalars, such
//! as hyperparameters and the step count, from [`Optimizer::scalars`], and
//! its per-parameter state), the number of epochs done, the generator's
//! state ([`Rng::state`]), the order of the training samples (`fit`
//! reshuffles it in place every epoch), the [`History`] and the state of
//! each callback ([`Callback::save_state`]: the learning-rate schedule's base
//! rate, early stopping's best epoch and weights).
//!
//! With [`fit`](crate::fit), `.checkpoint_to(path)` writes one after every
//! epoch and `.resume_from(path)` continues from it when the file exists
//! (the same path for both makes a run that survives being killed). By hand:
//! [`Checkpoint::capture`], [`save`](Checkpoint::save),
//! [`load`](Checkpoint::load), [`restore`](Checkpoint::restore).
//!
//! File layout, little-endian, written atomically (as [`Network::save`]):
//! magic `NNCHECKP`, version `u32` (1), the architecture fingerprint `u64`
//! and text (as the weight file), then the sections above, then a CRC-32 of
//! everything before it. A checkpoint of another architecture, a damaged or
//! truncated file, or an optimizer of another kind is a clear error; no
//! length field is trusted before the bytes it announces are known to be
//! there.

use std::boxed::Box;
use std::format;
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::fit::{Callback, Epoch, History};
use crate::optim::Scalar;
use crate::{Error, Network, Optimizer, Result, Rng};

/// The first 8 bytes of every checkpoint file.
pub const MAGIC: &[u8; 8] = b"NNCHECKP";
/// The checkpoint format version this build writes and reads.
pub const VERSION: u32 = 1;

/// The state of a training run between two epochs (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// Epochs completed.
    pub epoch: usize,
    /// The network's parameters, in [`Network::params`] order.
    pub params: Vec<f32>,
    /// The optimizer's type, for error messages.
    pub optimizer_kind: String,
    /// The optimizer's scalars ([`Optimizer::scalars`]), in its order.
    pub optimizer_scalars: Vec<(String, Scalar)>,
    /// The optimizer's per-parameter state ([`Optimizer::owned_state`]).
    pub optimizer_state: Vec<f32>,
    /// The generator's state ([`Rng::state`]).
    pub rng: [u64; 4],
    /// The order of the training samples (indices into the training data).
    pub order: Vec<usize>,
    /// The metrics of the epochs done.
    pub history: History,
    /// The state of each callback, in the order they were added.
    pub callbacks: Vec<Vec<u8>>,
}

impl Checkpoint {
    /// The state of `net`, `optimizer` and `rng` after `epoch` epochs (no
    /// sample order, history or callbacks: fill those in if there are).
    /// Fails for an optimizer that cannot report its scalars.
    pub fn capture<N: Network, O: Optimizer + ?Sized>(
        net: &N,
        optimizer: &mut O,
        rng: &Rng,
        epoch: usize,
    ) -> Result<Checkpoint> {
        let mut scalars = Vec::new();
        if !optimizer.scalars(&mut |name, value| scalars.push((name.to_string(), value))) {
            return Err(Error::data(
                "checkpoint",
                format!(
                    "the optimizer `{}` does not report its scalars (Optimizer::scalars), so it cannot be checkpointed",
                    optimizer.type_name()
                ),
            ));
        }
        Ok(Checkpoint {
            epoch,
            params: net.params().to_vec(),
            optimizer_kind: short_type_name(optimizer.type_name()),
            optimizer_scalars: scalars,
            optimizer_state: optimizer.owned_state().clone(),
            rng: rng.state(),
            order: Vec::new(),
            history: History::default(),
            callbacks: Vec::new(),
        })
    }

    /// Puts the parameters and the optimizer back (its scalars and state)
    /// and returns the generator. Fails, changing nothing, if the
    /// checkpoint's optimizer has other scalars than `optimizer` (another
    /// kind of optimizer) or a state of the wrong length.
    pub fn restore<N: Network, O: Optimizer + ?Sized>(&self, net: &mut N, optimizer: &mut O) -> Result<Rng> {
        self.restore_params(net.params_mut(), optimizer)
    }

    /// [`restore`](Checkpoint::restore) behind `&mut dyn Optimizer`, for
    /// `fit`: not generic, so compiled once here.
    pub(crate) fn restore_dyn(&self, params: &mut [f32], optimizer: &mut dyn Optimizer) -> Result<Rng> {
        self.restore_params(params, optimizer)
    }

    /// [`restore`](Checkpoint::restore) into a network's `params`.
    fn restore_params<O: Optimizer + ?Sized>(&self, params: &mut [f32], optimizer: &mut O) -> Result<Rng> {
        let err = |message: String| Error::data("checkpoint", message);
        if self.params.len() != params.len() {
            return Err(err(format!("{} parameters, but the network has {}", self.params.len(), params.len())));
        }
        let mut names = Vec::new();
        let _ = optimizer.scalars(&mut |name, value| names.push((name, value)));
        let same = names.len() == self.optimizer_scalars.len()
            && names
                .iter()
                .zip(&self.optimizer_scalars)
                .all(|((a, x), (b, y))| *a == b.as_str() && core::mem::discriminant(x) == core::mem::discriminant(y));
        if !same {
            let list = |names: Vec<&str>| names.join(", ");
            return Err(err(format!(
                "the checkpoint's optimizer is `{}` ({}), this run's is `{}` ({})",
                self.optimizer_kind,
                list(self.optimizer_scalars.iter().map(|(n, _)| n.as_str()).collect()),
                short_type_name(optimizer.type_name()),
                list(names.iter().map(|(n, _)| *n).collect())
            )));
        }
        let saved: Vec<(String, Scalar)> = names.iter().map(|&(n, v)| (n.to_string(), v)).collect();
        for (name, value) in &self.optimizer_scalars {
            optimizer.set_scalar(name, *value);
        }
        let expected = optimizer.state_len(params.len());
        if !self.optimizer_state.is_empty() && self.optimizer_state.len() != expected {
            for (name, value) in &saved {
                optimizer.set_scalar(name, *value);
            }
            return Err(err(format!(
                "the optimizer state holds {} values, but `{}` needs {expected} for {} parameters",
                self.optimizer_state.len(),
                self.optimizer_kind,
                params.len()
            )));
        }
        *optimizer.owned_state() = self.optimizer_state.clone();
        params.copy_from_slice(&self.params);
        Ok(Rng::from_state(self.rng))
    }

    /// The checkpoint file of a run of network `N`.
    pub fn to_bytes<N: Network>(&self) -> Vec<u8> {
        self.encode(&Expected::of::<N>())
    }

    /// [`to_bytes`](Checkpoint::to_bytes) for the network `expected` describes
    /// (not generic, so compiled once, whatever the network).
    fn encode(&self, expected: &Expected) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + 4 * (self.params.len() + self.optimizer_state.len()));
        let mut w = Writer(&mut out);
        w.bytes(MAGIC);
        w.u32(VERSION);
        w.u64(expected.fingerprint);
        w.str(&expected.architecture);
        w.u64(self.epoch as u64);
        w.f32s(&self.params);
        w.str(&self.optimizer_kind);
        w.u32(self.optimizer_scalars.len() as u32);
        for (name, value) in &self.optimizer_scalars {
            w.str(name);
            let (tag, bits) = match *value {
                Scalar::F32(v) => (0, u64::from(v.to_bits())),
                Scalar::F64(v) => (1, v.to_bits()),
                Scalar::U64(v) => (2, v),
                Scalar::Bool(v) => (3, u64::from(v)),
            };
            w.u8(tag);
            w.u64(bits);
        }
        w.f32s(&self.optimizer_state);
        for s in self.rng {
            w.u64(s);
        }
        w.u64(self.order.len() as u64);
        for &i in &self.order {
            w.u64(i as u64);
        }
        w.u64(self.history.epochs.len() as u64);
        for e in &self.history.epochs {
            w.u64(e.epoch as u64);
            w.f32(e.loss);
            for v in [e.accuracy, e.mae, e.val_loss, e.val_accuracy, e.val_mae] {
                w.u8(u8::from(v.is_some()));
                w.f32(v.unwrap_or(0.0));
            }
            w.f32(e.lr);
            w.u64(e.seconds.to_bits());
            w.u64(e.samples_per_second.to_bits());
            w.f32s(&e.grad_norms);
        }
        w.u8(u8::from(self.history.stopped_early));
        w.u32(self.callbacks.len() as u32);
        for c in &self.callbacks {
            w.u64(c.len() as u64);
            w.bytes(c);
        }
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads a checkpoint of a run of network `N`; `source` names the bytes in errors.
    pub fn from_bytes<N: Network>(bytes: &[u8], source: &str) -> Result<Checkpoint> {
        Checkpoint::decode(bytes, source, &Expected::of::<N>())
    }

    /// [`from_bytes`](Checkpoint::from_bytes) for the network `expected`
    /// describes (not generic, so compiled once, whatever the network).
    // `..Epoch::default()`: fields added to `Epoch` later start at their default.
    #[allow(clippy::needless_update)]
    fn decode(bytes: &[u8], source: &str, expected: &Expected) -> Result<Checkpoint> {
        let err = |message: String| Error::data(source, message);
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(err(String::from("not an nn checkpoint (wrong magic bytes or too short)")));
        }
        let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        if version != VERSION {
            return Err(err(format!(
                "checkpoint format version {version}, but this build of nn reads version {VERSION}{}",
                if version > VERSION { " (the file is newer: update nn)" } else { "" }
            )));
        }
        if bytes.len() < 16 {
            return Err(err(String::from("truncated checkpoint")));
        }
        let (body, crc) = bytes.split_at(bytes.len() - 4);
        if crc32fast::hash(body) != u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) {
            return Err(err(String::from("damaged or truncated checkpoint: the checksum does not match")));
        }
        let mut r = Reader::new(&body[12..], source);
        let fingerprint = r.u64()?;
        let arch = r.str()?;
        if fingerprint != expected.fingerprint {
            return Err(err(format!("the checkpoint is of `{arch}`, but this network is `{}`", expected.architecture)));
        }
        let epoch = r.usize()?;
        let params = r.f32s()?;
        if params.len() != expected.params {
            return Err(err(format!("{} parameters, but the network has {}", params.len(), expected.params)));
        }
        let optimizer_kind = r.str()?;
        let n = r.u32()? as usize;
        let mut optimizer_scalars = Vec::with_capacity(n.min(r.remaining() / 13));
        for _ in 0..n {
            let name = r.str()?;
            let tag = r.u8()?;
            let bits = r.u64()?;
            let value = match tag {
                0 => Scalar::F32(f32::from_bits(bits as u32)),
                1 => Scalar::F64(f64::from_bits(bits)),
                2 => Scalar::U64(bits),
                3 => Scalar::Bool(bits != 0),
                _ => return Err(err(format!("unknown scalar type {tag} for `{name}`"))),
            };
            optimizer_scalars.push((name, value));
        }
        let optimizer_state = r.f32s()?;
        let rng = [r.u64()?, r.u64()?, r.u64()?, r.u64()?];
        let n = r.len(8)?;
        let mut order = Vec::with_capacity(n);
        for _ in 0..n {
            order.push(r.usize()?);
        }
        let n = r.len(1)?;
        let mut history = History::default();
        for _ in 0..n {
            let epoch = r.usize()?;
            let loss = r.f32()?;
            let mut opts = [None; 5];
            for o in &mut opts {
                let has = r.u8()? != 0;
                let v = r.f32()?;
                *o = has.then_some(v);
            }
            let [accuracy, mae, val_loss, val_accuracy, val_mae] = opts;
            history.epochs.push(Epoch {
                epoch,
                loss,
                accuracy,
                mae,
                val_loss,
                val_accuracy,
                val_mae,
                lr: r.f32()?,
                seconds: f64::from_bits(r.u64()?),
                samples_per_second: f64::from_bits(r.u64()?),
                grad_norms: r.f32s()?,
                ..Epoch::default()
            });
        }
        history.stopped_early = r.u8()? != 0;
        let n = r.u32()? as usize;
        let mut callbacks = Vec::with_capacity(n.min(r.remaining() / 8));
        for _ in 0..n {
            let len = r.len(1)?;
            callbacks.push(r.take(len)?.to_vec());
        }
        r.finish()?;
        Ok(Checkpoint {
            epoch,
            params,
            optimizer_kind,
            optimizer_scalars,
            optimizer_state,
            rng,
            order,
            history,
            callbacks,
        })
    }

    /// Writes the checkpoint of a run of `N` to `path` atomically.
    pub fn save<N: Network>(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::write_atomic(path.as_ref(), &self.to_bytes::<N>())
    }

    /// Reads a checkpoint of a run of `N` from `path`.
    pub fn load<N: Network>(path: impl AsRef<Path>) -> Result<Checkpoint> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Checkpoint::from_bytes::<N>(&bytes, &path.display().to_string())
    }
}

/// What a checkpoint file must say about the network it is of.
struct Expected {
    fingerprint: u64,
    architecture: String,
    params: usize,
}

impl Expected {
    fn of<N: Network>() -> Expected {
        Expected {
            fingerprint: crate::io::fingerprint::<N>(),
            architecture: crate::io::architecture::<N>(),
            params: N::PARAMS,
        }
    }
}

/// `nn_core::optim::adam::Adam` → `Adam` (paths inside generic arguments shortened too).
fn short_type_name(name: &str) -> String {
    let mut result = String::new();
    let mut word = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            result.push_str(word.rsplit("::").next().unwrap_or(""));
            word.clear();
            result.push(c);
        }
    }
    result.push_str(word.rsplit("::").next().unwrap_or(""));
    result
}

/// What `fit` does at the end of an epoch with `.checkpoint_to(path)`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn save_fit<N: Network>(
    path: &Path,
    epoch: usize,
    net: &N,
    optimizer: &mut dyn Optimizer,
    rng: &Rng,
    order: &[usize],
    history: &History,
    callbacks: &[Box<dyn Callback<N> + '_>],
) -> Result<()> {
    let mut c = Checkpoint::capture(net, optimizer, rng, epoch)?;
    c.order = order.to_vec();
    c.history = history.clone();
    c.callbacks = callbacks
        .iter()
        .map(|cb| {
            let mut state = Vec::new();
            cb.save_state(&mut state);
            state
        })
        .collect();
    c.save::<N>(path)
}

/// What `fit` does before the first epoch with `.resume_from(path)`: `None`
/// when there is no file yet, else the checkpoint, already restored into
/// `net`, `optimizer` and `callbacks`. Changes nothing on error.
pub(crate) fn resume_fit<N: Network>(
    path: &Path,
    net: &mut N,
    optimizer: &mut dyn Optimizer,
    callbacks: &mut [Box<dyn Callback<N> + '_>],
    samples: usize,
    data_len: usize,
) -> Result<Option<Checkpoint>> {
    if !path.exists() {
        return Ok(None);
    }
    let c = Checkpoint::load::<N>(path)?;
    let source = path.display().to_string();
    if c.order.len() != samples || c.order.iter().any(|&i| i >= data_len) {
        return Err(Error::data(
            source,
            format!("the checkpoint was made with {} training samples, this run has {samples}", c.order.len()),
        ));
    }
    if c.callbacks.len() != callbacks.len() {
        return Err(Error::data(
            source,
            format!(
                "the checkpoint has the state of {} callbacks, this run has {}",
                c.callbacks.len(),
                callbacks.len()
            ),
        ));
    }
    let before = net.params().to_vec();
    c.restore_dyn(net.params_mut(), optimizer)?;
    for (cb, state) in callbacks.iter_mut().zip(&c.callbacks) {
        if let Err(e) = cb.load_state(state) {
            net.params_mut().copy_from_slice(&before);
            return Err(e);
        }
    }
    Ok(Some(c))
}

/// Little-endian writer of checkpoint fields (also for callbacks' state).
pub(crate) struct Writer<'a>(pub(crate) &'a mut Vec<u8>);

impl Writer<'_> {
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    pub(crate) fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    pub(crate) fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    pub(crate) fn f32(&mut self, v: f32) {
        self.bytes(&v.to_le_bytes());
    }
    pub(crate) fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.bytes(s.as_bytes());
    }
    pub(crate) fn f32s(&mut self, v: &[f32]) {
        self.u64(v.len() as u64);
        for x in v {
            self.f32(*x);
        }
    }
}

/// Little-endian reader that never allocates more than the bytes left.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    source: &'a str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], source: &'a str) -> Self {
        Reader { bytes, at: 0, source }
    }
    fn truncated(&self) -> Error {
        Error::data(self.source, format!("truncated: the data ends at byte {} inside a field", self.bytes.len()))
    }
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| self.truncated())?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(crate) fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }
    pub(crate) fn usize(&mut self) -> Result<usize> {
        let v = self.u64()?;
        usize::try_from(v).map_err(|_| Error::data(self.source, format!("value {v} does not fit this machine")))
    }
    pub(crate) fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_bits(self.u32()?))
    }
    /// A count of items of at least `size` bytes each, checked against the bytes left.
    pub(crate) fn len(&mut self, size: usize) -> Result<usize> {
        let n = self.u64()?;
        match usize::try_from(n) {
            Ok(n) if n.checked_mul(size).is_some_and(|b| b <= self.remaining()) => Ok(n),
            _ => Err(Error::data(
                self.source,
                format!("a length field says {n} items, more than the {} bytes left", self.remaining()),
            )),
        }
    }
    pub(crate) fn str(&mut self) -> Result<String> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        core::str::from_utf8(b).map(String::from).map_err(|_| Error::data(self.source, "a name is not UTF-8"))
    }
    pub(crate) fn f32s(&mut self) -> Result<Vec<f32>> {
        let n = self.len(4)?;
        let b = self.take(4 * n)?;
        Ok(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }
    pub(crate) fn finish(&self) -> Result<()> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(Error::data(self.source, format!("{} unexpected bytes at the end", self.bytes.len() - self.at)))
        }
    }
}
