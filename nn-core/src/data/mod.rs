//! Data: readers (IDX, the MNIST files, CSV tables), labels, preprocessing and splits.
//!
//! Readers need the `std` feature; the rest works with `alloc`.

#[cfg(feature = "std")]
pub mod csv;
#[cfg(feature = "std")]
pub mod idx;
#[cfg(feature = "std")]
pub mod mnist;
mod preprocess;

pub use preprocess::{l2_normalize, one_hot, split, ChannelZScore, MinMax, ZScore};
