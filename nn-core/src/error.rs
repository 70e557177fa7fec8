use core::fmt;

#[cfg(feature = "alloc")]
use alloc::string::String;

/// Result alias of this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Everything that can go wrong with data handed to a network at run time.
///
/// Shapes of single samples are checked by the compiler; what remains are
/// lengths of slices (batches), values (a loss that is not finite) and buffers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A batch with no samples.
    EmptyBatch,
    /// Two slices that must have the same length do not.
    LengthMismatch {
        /// What was measured, e.g. "targets (ys)".
        what: &'static str,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// The loss of a batch was NaN or infinite; nothing was updated.
    NonFiniteLoss {
        /// The loss value that was computed.
        loss: f32,
    },
    /// Training stopped: the loss of a batch was NaN or infinite. The
    /// parameters are those from before that batch's update.
    Diverged {
        /// The epoch (1-based).
        epoch: usize,
        /// The batch within the epoch (1-based).
        batch: usize,
        /// The loss value that was computed.
        loss: f32,
    },
    /// Training stopped: the gradient of a batch was NaN or infinite
    /// although its loss was finite (an overflow in the backward pass). The
    /// parameters are those from before that batch's update.
    NonFiniteGradient {
        /// The epoch (1-based).
        epoch: usize,
        /// The batch within the epoch (1-based).
        batch: usize,
        /// The 2-norm of the gradient, `‖g‖₂`.
        norm: f32,
    },
    /// A file could not be read or written.
    #[cfg(feature = "alloc")]
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        message: String,
    },
    /// Data (a file, a table, an argument) is not what it must be.
    #[cfg(feature = "alloc")]
    Data {
        /// Where: a file name, or what the value is.
        source: String,
        /// What is wrong, and what was expected.
        message: String,
    },
    /// A caller-provided workspace is smaller than the batch needs.
    WorkspaceTooSmall {
        /// Number of `f32` the batch needs.
        needed: usize,
        /// Number of `f32` that were provided.
        found: usize,
    },
    /// A training batch is too small for the network: batch normalization
    /// needs at least 2 samples to compute a variance.
    BatchTooSmall {
        /// The smallest batch the network can train on.
        needed: usize,
        /// The batch size given.
        found: usize,
    },
    /// Int8 quantization failed ([`quant`](crate::quant)).
    Quantization(crate::quant::QuantError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyBatch => f.write_str("the batch is empty: pass at least one sample"),
            Error::LengthMismatch { what, expected, found } => {
                write!(f, "{what} has {found} elements, but {expected} were expected")
            }
            Error::NonFiniteLoss { loss } => write!(
                f,
                "the loss is {loss}: training diverged (try a smaller learning rate); the parameters were not updated"
            ),
            Error::Diverged { epoch, batch, loss } => write!(
                f,
                "training diverged at epoch {epoch}, batch {batch}: the loss is {loss} (try a smaller learning rate); the weights from before that batch are kept"
            ),
            Error::NonFiniteGradient { epoch, batch, norm } => write!(
                f,
                "training diverged at epoch {epoch}, batch {batch}: the gradient norm is {norm} (try a smaller learning rate or gradient clipping); the weights from before that batch are kept"
            ),
            #[cfg(feature = "alloc")]
            Error::Io { path, message } => write!(f, "{path}: {message}"),
            #[cfg(feature = "alloc")]
            Error::Data { source, message } => write!(f, "{source}: {message}"),
            Error::WorkspaceTooSmall { needed, found } => write!(
                f,
                "the workspace holds {found} f32 but this batch needs {needed} (WORKSPACE_PER_SAMPLE x batch size)"
            ),
            Error::BatchTooSmall { needed, found } => write!(
                f,
                "a training batch of {found} sample(s) is too small: batch normalization needs at least {needed} samples per batch to compute a variance"
            ),
            Error::Quantization(e) => write!(f, "int8 quantization: {e}"),
        }
    }
}

impl core::error::Error for Error {}

/// Returns `Err(LengthMismatch)` unless `found == expected`.
pub(crate) fn check_len(what: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::LengthMismatch { what, expected, found })
    }
}

#[cfg(feature = "alloc")]
impl Error {
    /// An [`Error::Data`] about `source`.
    pub fn data(source: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Data { source: source.into(), message: message.into() }
    }
}

#[cfg(feature = "std")]
impl Error {
    /// An [`Error::Io`] about `path`.
    pub fn io(path: impl AsRef<std::path::Path>, error: std::io::Error) -> Self {
        use alloc::string::ToString;
        Error::Io { path: path.as_ref().display().to_string(), message: error.to_string() }
    }
}
