//! Parsing: tokens into a syntax tree, without judging names or values.
//!
//! ```text
//! item form:  #[attrs] vis struct Name { [name:] Layer, ... }
//! type form:  Layer, Layer, ...
//! Layer:      Ident [< Arg, ... >]
//! Arg:        literal | -literal | { block } | path [< Arg, ... >] | ident = Arg
//! ```

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{braced, Attribute, Ident, Token, Visibility};

/// The whole macro input.
pub enum Input {
    /// `pub struct Name { ... }`
    Item(ItemNetwork),
    /// `Layer, Layer, ...` in type position.
    Type(TypeNetwork),
}

/// The item form.
pub struct ItemNetwork {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub brace_span: Span,
    pub layers: Vec<LayerAst>,
}

/// The type form.
pub struct TypeNetwork {
    pub layers: Vec<LayerAst>,
}

/// One layer, optionally named: `hidden: Dense<2, 4, Tanh>`.
pub struct LayerAst {
    pub name: Option<Ident>,
    pub ty: PathArg,
}

/// A generic argument.
#[derive(Clone)]
pub enum Arg {
    /// `784`, `0.5`, `"x"`.
    Lit(syn::Lit),
    /// `-3`, `-0.1`.
    Neg(Token![-], syn::Lit),
    /// `{ 2 * HIDDEN }`.
    Block(syn::Block),
    /// `HIDDEN`, `ReLU`, `LeakyReLU<0.1>`, `config::WIDTH`.
    Path(PathArg),
    /// `stride = 2`, `padding = 1` (options of `Conv2d`).
    Named(Ident, Token![=], Box<Arg>),
}

/// A path with optional angle-bracketed arguments: `LeakyReLU<0.1>`.
#[derive(Clone)]
pub struct PathArg {
    pub path: syn::Path,
    pub args: Option<Args>,
}

/// `< Arg, ... >`
#[derive(Clone)]
pub struct Args {
    pub lt: Token![<],
    pub list: Punctuated<Arg, Token![,]>,
    pub gt: Token![>],
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let is_item = !attrs.is_empty() || input.peek(Token![pub]) || input.peek(Token![struct]);
        if !is_item {
            let layers = parse_layers(input)?;
            return Ok(Input::Type(TypeNetwork { layers }));
        }
        let vis: Visibility = input.parse()?;
        input.parse::<Token![struct]>()?;
        let ident: Ident = input.parse()?;
        let content;
        let brace = braced!(content in input);
        let layers = parse_layers(&content)?;
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the network's closing brace"));
        }
        Ok(Input::Item(ItemNetwork { attrs, vis, ident, brace_span: brace.span.join(), layers }))
    }
}

fn parse_layers(input: ParseStream) -> syn::Result<Vec<LayerAst>> {
    let mut layers = Vec::new();
    while !input.is_empty() {
        layers.push(input.parse::<LayerAst>()?);
        if input.is_empty() {
            break;
        }
        if !input.peek(Token![,]) {
            let after = layers.last().map(|l| l.ty.text()).unwrap_or_default();
            return Err(input.error(format!("expected `,` after the layer `{after}`, between two layers")));
        }
        input.parse::<Token![,]>()?;
    }
    Ok(layers)
}

impl Parse for LayerAst {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = if input.peek(Ident) && input.peek2(Token![:]) && !input.peek2(Token![::]) {
            let name: Ident = input.parse()?;
            input.parse::<Token![:]>()?;
            Some(name)
        } else {
            None
        };
        let ty: PathArg = input.parse()?;
        Ok(LayerAst { name, ty })
    }
}

impl Parse for PathArg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path = syn::Path::parse_mod_style(input)
            .map_err(|e| syn::Error::new(e.span(), "expected a layer such as `Dense<784, 128, ReLU>`"))?;
        let args = if input.peek(Token![<]) { Some(input.parse()?) } else { None };
        Ok(PathArg { path, args })
    }
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let lt = input.parse()?;
        let mut list = Punctuated::new();
        while !input.peek(Token![>]) {
            list.push_value(input.parse()?);
            if input.peek(Token![>]) {
                break;
            }
            list.push_punct(input.parse()?);
        }
        let gt = input.parse()?;
        Ok(Args { lt, list, gt })
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // `-` first: syn would parse `-3` as one literal spanned on the `-` alone.
        if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            Ok(Arg::Named(input.parse()?, input.parse()?, Box::new(input.parse()?)))
        } else if input.peek(Token![-]) {
            Ok(Arg::Neg(input.parse()?, input.parse()?))
        } else if input.peek(syn::Lit) {
            Ok(Arg::Lit(input.parse()?))
        } else if input.peek(syn::token::Brace) {
            Ok(Arg::Block(input.parse()?))
        } else if input.peek(Ident) || input.peek(Token![::]) || input.peek(Token![crate]) || input.peek(Token![self]) {
            Ok(Arg::Path(input.parse()?))
        } else {
            Err(input.error("expected a size (`128`, a `const` name), a probability (`0.5`) or an activation (`ReLU`)"))
        }
    }
}

impl ToTokens for Arg {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Arg::Lit(lit) => lit.to_tokens(tokens),
            Arg::Neg(minus, lit) => {
                minus.to_tokens(tokens);
                lit.to_tokens(tokens);
            }
            Arg::Block(block) => block.to_tokens(tokens),
            Arg::Path(path) => path.to_tokens(tokens),
            Arg::Named(name, eq, value) => {
                name.to_tokens(tokens);
                eq.to_tokens(tokens);
                value.to_tokens(tokens);
            }
        }
    }
}

impl ToTokens for PathArg {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.path.to_tokens(tokens);
        if let Some(args) = &self.args {
            args.lt.to_tokens(tokens);
            args.list.to_tokens(tokens);
            args.gt.to_tokens(tokens);
        }
    }
}

impl PathArg {
    /// The source text, normalized: `LeakyReLU<0.1>`, `Dense<784, 128, ReLU>`.
    pub fn text(&self) -> String {
        let mut s = path_text(&self.path);
        if let Some(args) = &self.args {
            s.push('<');
            let parts: Vec<String> = args.list.iter().map(Arg::text).collect();
            s.push_str(&parts.join(", "));
            s.push('>');
        }
        s
    }
}

impl Arg {
    /// The source text, normalized.
    pub fn text(&self) -> String {
        match self {
            Arg::Lit(lit) => lit.to_token_stream().to_string(),
            Arg::Neg(_, lit) => format!("-{}", lit.to_token_stream()),
            Arg::Block(block) => block.to_token_stream().to_string(),
            Arg::Path(path) => path.text(),
            Arg::Named(name, _, value) => format!("{name} = {}", value.text()),
        }
    }
}

fn path_text(path: &syn::Path) -> String {
    let mut s = String::new();
    if path.leading_colon.is_some() {
        s.push_str("::");
    }
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    s.push_str(&segs.join("::"));
    s
}
