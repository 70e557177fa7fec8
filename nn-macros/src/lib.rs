//! The `network!` procedural macro of the [`nn`](https://docs.rs/nn) crate.
//!
//! Users depend on `nn`, never on this crate: expansions refer to `::nn::...`.
//!
//! The macro is a pipeline of small stages, each readable on its own:
//! [`parse`] (tokens → syntax tree), [`model`] (syntax tree → a plain model
//! of layers with widths and spans, reporting unknown names and malformed
//! arguments), [`check`] (all validation of the model: widths, sizes,
//! probabilities, names), [`expand`] (model → Rust code). Every problem is
//! collected and reported at once, each spanned on the offending tokens;
//! after an error a stub of the type is still emitted so that one mistake
//! gives one error.

use proc_macro::TokenStream;

mod check;
mod expand;
mod image;
mod model;
mod parse;

/// Declares a network; see the `nn` crate for the syntax.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    let ast = syn::parse_macro_input!(input as parse::Input);
    expand::network(ast).into()
}
