use core::fmt;

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
    /// A caller-provided workspace is smaller than the batch needs.
    WorkspaceTooSmall {
        /// Number of `f32` the batch needs.
        needed: usize,
        /// Number of `f32` that were provided.
        found: usize,
    },
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
            Error::WorkspaceTooSmall { needed, found } => write!(
                f,
                "the workspace holds {found} f32 but this batch needs {needed} (WORKSPACE_PER_SAMPLE x batch size)"
            ),
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
