//! [safetensors](https://huggingface.co/docs/safetensors) import and export
//! with PyTorch `state_dict` key names (feature `safetensors`, on by default).
//!
//! Keys follow the equivalent torch model:
//!
//! - [`Keys::Sequential`]: the indices of the equivalent `nn.Sequential`,
//!   where activations and dropout are modules of their own.
//!   `Dense<_, _, ReLU>` is `Linear` + `ReLU`, two indices; `Dense<_, _>`
//!   (`Identity`) is just a `Linear`; a `PReLU` (in a `Dense` or standalone)
//!   is a `PReLU` module whose slope is its `weight`, shape `[1]`. So
//!   `network![Dense<4, 8, ReLU>, Dropout<0.5>, Dense<8, 3, PReLU>]` is
//!   `Sequential(Linear(4, 8), ReLU(), Dropout(0.5), Linear(8, 3), PReLU())`
//!   with the keys `0.weight`, `0.bias`, `3.weight`, `3.bias`, `4.weight`.
//!   Image layers: `Conv2d<C_IN, C_OUT, K, Act, ..>` is `Conv2d` (+ the
//!   activation, as for `Dense`), weight `[C_OUT, C_IN, K, K]`; pooling and
//!   `Flatten` are modules of their own; `Input<C, H, W>` has no module.
//! - [`Keys::LayerNames`]: the field names of the `network!` item form as
//!   prefixes: `hidden.weight`, `hidden.bias`; the slope of a `PReLU` inside
//!   a `Dense` is `hidden.activation.weight` (a torch `PReLU` registered as
//!   the `activation` child of the `Linear` named `hidden`), a standalone
//!   `PReLU` layer named `act` is `act.weight`.
//!
//! The layers torch lacks are the modules of `tests/reference/layers.py`:
//! `Maxout<IN, OUT, K>` is a module whose `linear` is `nn.Linear(IN, OUT·K)`
//! (`2.linear.weight`, `2.linear.bias`); `Residual<…>` a module whose
//! `branch` is an `nn.Sequential` of its layers, numbered as above
//! (`1.branch.0.weight`); `DropConnect<Dense<…>, P>` has the keys of its
//! `Dense`, and `PReLU<N>` a `weight` of shape `[N]`.
//!
//! Weights are `F32`, `weight` of shape `[out, in]` and `bias` of shape
//! `[out]`, exactly the bytes of [`Network::params`]. Reading is strict, as
//! torch's `load_state_dict(strict=True)`: a missing or unexpected tensor, a
//! dtype other than `F32` or a shape other than the network's is an error
//! naming the tensor with the expected and the found dtype or shape, and
//! non-finite values are refused unless [`LoadOptions`] allow them. On any
//! error the network is unchanged; nothing is allocated from the file's
//! length fields beyond the size of the file (checked by the `safetensors`
//! crate) and of the network.

use core::ops::Range;
use std::boxed::Box;
use std::collections::{HashMap, HashSet};
use std::format;
use std::path::Path;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use ::safetensors::tensor::TensorView;
use ::safetensors::{Dtype, SafeTensors};

use crate::arch::{Architecture, Part};
use crate::io::LoadOptions;
use crate::{Error, Network, Result};

/// How parameter tensors are named (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// The indices of the equivalent torch `nn.Sequential`: `0.weight`, `0.bias`, `2.weight`, …
    Sequential,
    /// The layer names of the `network!` item form: `hidden.weight`, `hidden.bias`, …
    LayerNames,
}

/// One parameter tensor of a network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    /// The `state_dict` key, e.g. `0.weight`.
    pub name: String,
    /// The torch shape, e.g. `[128, 784]` for the weight of `Dense<784, 128>`.
    pub shape: Vec<usize>,
    /// Where its values are in [`Network::params`].
    pub range: Range<usize>,
}

/// The parameter tensors of `N` with their keys, in [`Network::params`]
/// order. Fails for [`Keys::LayerNames`] on a network without names (the
/// type form) and for layer types without a compile-time architecture.
pub fn tensors<N: Network>(keys: Keys) -> Result<Vec<TensorSpec>> {
    let mut layers = Vec::new();
    flatten(&N::STRUCTURE, &mut layers);
    let mut infos = Vec::new();
    N::visit(&mut |info| infos.push(info));
    let names = N::layer_names();
    if keys == Keys::LayerNames && names.len() != infos.len() {
        return Err(Error::data(
            "safetensors keys",
            "this network has no layer names (only the item form of `network!` names its layers); use Keys::Sequential",
        ));
    }
    if layers.len() != infos.len() || layers.iter().any(|l| l.is_none()) {
        return Err(Error::data(
            "safetensors keys",
            format!(
                "`{}` has a layer without a compile-time architecture, so its torch module is not known",
                crate::io::architecture::<N>()
            ),
        ));
    }
    let mut specs = Vec::new();
    let mut offset = 0;
    let mut index = 0;
    for (i, (parts, info)) in layers.iter().zip(&infos).enumerate() {
        let parts = parts.unwrap_or(&[]);
        let prefix = |module: usize| match keys {
            Keys::Sequential => module.to_string(),
            Keys::LayerNames => names[i].to_string(),
        };
        let mut push = |name: String, shape: Vec<usize>| {
            let len: usize = shape.iter().product();
            specs.push(TensorSpec { name, shape, range: offset..offset + len });
            offset += len;
        };
        match parts.first() {
            // DropConnect<Dense<..>, P>: the Linear it wraps (the mask is not a parameter).
            Some(Part::Text(first @ ("Dense<" | "DropConnect<"))) => {
                let activation_at = if *first == "Dense<" { 5 } else { 6 };
                let (inputs, outputs) = (info.inputs, info.outputs);
                push(format!("{}.weight", prefix(index)), vec![outputs, inputs]);
                push(format!("{}.bias", prefix(index)), vec![outputs]);
                index += 1;
                let activation_params = info.params - inputs * outputs - outputs;
                let identity = matches!(parts.get(activation_at), Some(Part::Parts([Part::Text("Identity")])));
                if !identity {
                    if activation_params > 0 {
                        let name = match keys {
                            Keys::Sequential => format!("{index}.weight"),
                            Keys::LayerNames => format!("{}.activation.weight", names[i]),
                        };
                        push(name, vec![activation_params]);
                    }
                    index += 1;
                }
            }
            Some(Part::Text("BatchNorm<")) => {
                // torch `BatchNorm1d`'s state_dict without `num_batches_tracked`
                // (load it into torch with `strict=False`; reading ignores it).
                for key in ["weight", "bias", "running_mean", "running_var"] {
                    push(format!("{}.{key}", prefix(index)), vec![info.outputs]);
                }
                index += 1;
            }
            Some(Part::Text("Conv2d<")) => {
                let (c_in, c_out, k) = match (parts.get(1), parts.get(3), parts.get(5)) {
                    (Some(&Part::Usize(c_in)), Some(&Part::Usize(c_out)), Some(&Part::Usize(k))) => (c_in, c_out, k),
                    _ => unreachable!("Conv2d's STRUCTURE starts with its sizes"),
                };
                push(format!("{}.weight", prefix(index)), vec![c_out, c_in, k, k]);
                push(format!("{}.bias", prefix(index)), vec![c_out]);
                index += 1;
                let activation_params = info.params - c_out * c_in * k * k - c_out;
                let identity = matches!(parts.get(7), Some(Part::Parts([Part::Text("Identity")])));
                if !identity {
                    if activation_params > 0 {
                        let name = match keys {
                            Keys::Sequential => format!("{index}.weight"),
                            Keys::LayerNames => format!("{}.activation.weight", names[i]),
                        };
                        push(name, vec![activation_params]);
                    }
                    index += 1;
                }
            }
            // The image shape: no torch module.
            Some(Part::Text("Input<")) => {}
            Some(Part::Text("Maxout<")) => {
                // The `Maxout` module of tests/reference/layers.py: a Linear(IN, OUT·K) named `linear`.
                let rows = info.params / (info.inputs + 1);
                push(format!("{}.linear.weight", prefix(index)), vec![rows, info.inputs]);
                push(format!("{}.linear.bias", prefix(index)), vec![rows]);
                index += 1;
            }
            Some(Part::Text(first)) if first.starts_with("Residual<") => {
                // The `Residual` module of tests/reference/layers.py: an
                // `nn.Sequential` named `branch`, numbered like the network.
                let prefix = format!("{}.branch", prefix(index));
                branch_tensors(parts, &prefix, &mut push).ok_or_else(|| {
                    Error::data(
                        "safetensors keys",
                        format!(
                            "`{}` has a layer inside a `Residual` whose torch module is not known",
                            crate::io::architecture::<N>()
                        ),
                    )
                })?;
                index += 1;
            }
            _ => {
                // Dropout and activations: a module of their own, with a
                // `weight` if the activation has parameters (PReLU).
                if info.params > 0 {
                    push(format!("{}.weight", prefix(index)), vec![info.params]);
                }
                index += 1;
            }
        }
    }
    debug_assert_eq!(offset, N::PARAMS);
    Ok(specs)
}

/// The tensors of the branch of the `Residual` whose parts are `parts`, as
/// an `nn.Sequential` under `prefix` (`2.branch.0.weight`, …); `None` for a
/// layer that is not known.
fn branch_tensors(parts: &[Part], prefix: &str, push: &mut dyn FnMut(String, Vec<usize>)) -> Option<()> {
    let branch = parts.iter().find_map(|p| match p {
        Part::Nested(arch) => Some(*arch),
        _ => None,
    })?;
    let mut layers = Vec::new();
    flatten(branch, &mut layers);
    let mut index = 0;
    for parts in layers {
        match parts? {
            [Part::Text("Dense<"), Part::Usize(inputs), _, Part::Usize(outputs), _, Part::Parts(act), ..]
            | [Part::Text("DropConnect<"), Part::Text("Dense<"), Part::Usize(inputs), _, Part::Usize(outputs), _, Part::Parts(act), ..] =>
            {
                push(format!("{prefix}.{index}.weight"), vec![*outputs, *inputs]);
                push(format!("{prefix}.{index}.bias"), vec![*outputs]);
                index += 1;
                if !matches!(act, [Part::Text("Identity")]) {
                    let n = activation_params(act);
                    if n > 0 {
                        push(format!("{prefix}.{index}.weight"), vec![n]);
                    }
                    index += 1;
                }
            }
            [Part::Text("Maxout<"), Part::Usize(inputs), _, Part::Usize(outputs), _, Part::Usize(k), ..] => {
                push(format!("{prefix}.{index}.linear.weight"), vec![outputs * k, *inputs]);
                push(format!("{prefix}.{index}.linear.bias"), vec![outputs * k]);
                index += 1;
            }
            nested @ [Part::Text(first), ..] if first.starts_with("Residual<") => {
                branch_tensors(nested, &format!("{prefix}.{index}.branch"), push)?;
                index += 1;
            }
            other => {
                // Dropout and activations.
                let n = activation_params(other);
                if n > 0 {
                    push(format!("{prefix}.{index}.weight"), vec![n]);
                }
                index += 1;
            }
        }
    }
    Some(())
}

/// Learned parameters of an activation written as `parts`: the slopes of `PReLU` / `PReLU<N>`.
fn activation_params(parts: &[Part]) -> usize {
    match parts {
        [Part::Text("PReLU")] => 1,
        [Part::Text("PReLU<"), Part::Usize(n), ..] => *n,
        _ => 0,
    }
}

fn flatten(arch: &'static Architecture, out: &mut Vec<Option<&'static [Part]>>) {
    match arch {
        Architecture::Layer(parts) => out.push(Some(parts)),
        Architecture::Chain(a, b) => {
            flatten(a, out);
            flatten(b, out);
        }
        Architecture::Unknown => out.push(None),
    }
}

/// The parameters of `net` as a safetensors file (`F32` tensors, keys as `keys`).
pub fn to_bytes<N: Network>(net: &N, keys: Keys) -> Result<Vec<u8>> {
    let specs = tensors::<N>(keys)?;
    let bytes: Vec<u8> = net.params().iter().flat_map(|p| p.to_le_bytes()).collect();
    let mut views = Vec::with_capacity(specs.len());
    for spec in &specs {
        let data = &bytes[4 * spec.range.start..4 * spec.range.end];
        let view = TensorView::new(Dtype::F32, spec.shape.clone(), data)
            .map_err(|e| Error::data("safetensors", format!("tensor `{}`: {e}", spec.name)))?;
        views.push((spec.name.clone(), view));
    }
    let mut metadata = HashMap::new();
    metadata.insert(String::from("format"), String::from("pt"));
    metadata.insert(String::from("nn.architecture"), crate::io::architecture::<N>());
    ::safetensors::serialize(views, Some(metadata)).map_err(|e| Error::data("safetensors", e.to_string()))
}

/// Reads the parameters of `net` from safetensors bytes (see the [module
/// docs](self) for what is checked); `source` names the bytes in errors. On
/// any error `net` is unchanged.
pub fn read_into<N: Network>(net: &mut N, bytes: &[u8], keys: Keys, source: &str, options: LoadOptions) -> Result<()> {
    let err = |message: String| Error::data(source, message);
    let file = SafeTensors::deserialize(bytes).map_err(|e| err(format!("not a valid safetensors file: {e}")))?;
    let specs = tensors::<N>(keys)?;
    let mut values = vec![0.0f32; N::PARAMS];
    for spec in &specs {
        let tensor = file.tensor(&spec.name).map_err(|_| {
            err(format!(
                "missing tensor `{}` (expected F32 of shape {:?}); the file holds {}",
                spec.name,
                spec.shape,
                names_text(file.names())
            ))
        })?;
        if tensor.dtype() != Dtype::F32 {
            return Err(err(format!(
                "tensor `{}` has dtype {:?} and shape {:?}, expected F32 of shape {:?}",
                spec.name,
                tensor.dtype(),
                tensor.shape(),
                spec.shape
            )));
        }
        if tensor.shape() != spec.shape.as_slice() {
            return Err(err(format!(
                "tensor `{}` has shape {:?}, expected {:?}",
                spec.name,
                tensor.shape(),
                spec.shape
            )));
        }
        let data = tensor.data();
        if data.len() != 4 * spec.range.len() {
            return Err(err(format!(
                "tensor `{}` holds {} bytes, expected {}",
                spec.name,
                data.len(),
                4 * spec.range.len()
            )));
        }
        for (v, c) in values[spec.range.clone()].iter_mut().zip(data.chunks_exact(4)) {
            *v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
    }
    let expected: HashSet<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    // torch's BatchNorm counter, which nothing here reads (a fixed momentum).
    let ignored = |n: &str| n.ends_with(".num_batches_tracked") && N::STATE > 0;
    let unexpected: Vec<&str> = file.names().into_iter().filter(|n| !expected.contains(n) && !ignored(n)).collect();
    if !unexpected.is_empty() {
        return Err(err(format!(
            "unexpected {} (this network `{}` has {})",
            names_text(unexpected),
            crate::io::architecture::<N>(),
            names_text(specs.iter().map(|s| s.name.as_str()).collect())
        )));
    }
    if !options.allow_non_finite {
        if let Some(spec) = specs.iter().find(|s| values[s.range.clone()].iter().any(|v| !v.is_finite())) {
            let i = values[spec.range.clone()].iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(err(format!(
                "tensor `{}` holds a value that is not finite (NaN or infinite) at flat index {i}; refusing to load it",
                spec.name
            )));
        }
    }
    net.params_mut().copy_from_slice(&values);
    Ok(())
}

fn names_text(mut names: Vec<&str>) -> String {
    names.sort_unstable();
    if names.is_empty() {
        return String::from("no tensors");
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    format!("tensor{} {}", if names.len() == 1 { "" } else { "s" }, quoted.join(", "))
}

/// A network on the heap read from safetensors bytes.
pub fn from_bytes<N: Network>(bytes: &[u8], keys: Keys) -> Result<Box<N>> {
    from_bytes_with(bytes, keys, LoadOptions::new())
}

/// A network on the heap read from safetensors bytes, with `options`.
pub fn from_bytes_with<N: Network>(bytes: &[u8], keys: Keys, options: LoadOptions) -> Result<Box<N>> {
    let mut net = N::zeroed_boxed();
    read_into(&mut *net, bytes, keys, "safetensors", options)?;
    Ok(net)
}

/// Saves the parameters of `net` as a safetensors file, atomically (as
/// [`Network::save`]: temporary file, fsync, rename).
pub fn save<N: Network>(net: &N, path: impl AsRef<Path>, keys: Keys) -> Result<()> {
    crate::io::write_atomic(path.as_ref(), &to_bytes(net, keys)?)
}

/// Loads a network from a safetensors file (for instance one written by
/// `safetensors.torch.save_file(model.state_dict(), path)`).
pub fn load<N: Network>(path: impl AsRef<Path>, keys: Keys) -> Result<Box<N>> {
    load_with(path, keys, LoadOptions::new())
}

/// Loads a network from a safetensors file, with `options`.
pub fn load_with<N: Network>(path: impl AsRef<Path>, keys: Keys, options: LoadOptions) -> Result<Box<N>> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut net = N::zeroed_boxed();
    read_into(&mut *net, &bytes, keys, &path.display().to_string(), options)?;
    Ok(net)
}
