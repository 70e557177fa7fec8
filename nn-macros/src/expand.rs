//! Code generation: the model becomes a `#[repr(C)]` struct of layers (item
//! form) or a `Chain` type (type form), plus compile-time checks for the
//! sizes given as `const` names.

use proc_macro2::{Delimiter, Literal, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::punctuated::Punctuated;
use syn::{Ident, Token};

use crate::model::{Activation, ActivationKind, Errors, Float, Kind, Layer, Network, Size};
use crate::parse::{Input, ItemNetwork, TypeNetwork};

/// Expands a parsed `network!` invocation.
pub fn network(input: Input) -> TokenStream {
    match input {
        Input::Item(item) => item_form(&item),
        Input::Type(ty) => type_form(&ty),
    }
}

fn lower_and_check(layers: &[crate::parse::LayerAst], span: Span, mut errors: Errors) -> (Network, syn::Result<()>) {
    let net = Network::lower(layers, span, &mut errors);
    net.check(&mut errors);
    (net, errors.into_result())
}

/// The struct's attributes, without `Clone` and `Copy` in `#[derive(...)]`:
/// the expansion derives them itself (a second derive would be a conflict
/// reported on the whole macro call), so they are reported here instead.
fn struct_attrs(item: &ItemNetwork, errors: &mut Errors) -> Vec<TokenStream> {
    let mut attrs = Vec::new();
    for attr in &item.attrs {
        let derived = if attr.path().is_ident("derive") {
            attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated).ok()
        } else {
            None
        };
        let Some(derived) = derived else {
            attrs.push(attr.to_token_stream());
            continue;
        };
        let mut kept = Vec::new();
        for path in derived {
            match path.segments.last().map(|s| s.ident.to_string()).as_deref() {
                Some(name @ ("Clone" | "Copy")) => errors.spanned(
                    &path,
                    format!(
                        "`network!` derives `Clone` and `Copy` for `{}` already; remove `{name}` from `#[derive(...)]`",
                        item.ident
                    ),
                ),
                _ => kept.push(path),
            }
        }
        if !kept.is_empty() {
            let pound = attr.pound_token;
            attrs.push(quote!(#pound[derive(#(#kept),*)]));
        }
    }
    attrs
}

fn item_form(item: &ItemNetwork) -> TokenStream {
    let mut errors = Errors::default();
    let attrs = &struct_attrs(item, &mut errors);
    let (net, result) = lower_and_check(&item.layers, item.brace_span, errors);
    let ident = &item.ident;
    let vis = &item.vis;
    let names = net.field_names();
    // The user's identifiers (raw ones stay raw); in a network with a duplicate
    // name (already reported) the second field gets a name of its own.
    let mut seen = std::collections::HashSet::new();
    let fields: Vec<Ident> = net
        .layers
        .iter()
        .zip(&names)
        .map(|(layer, name)| match &layer.name {
            _ if !seen.insert(name) => format_ident!("__nn_duplicate_layer{}", layer.position - 1),
            Some(ident) => ident.clone(),
            None => format_ident!("{}", name),
        })
        .collect();
    let docs = net.layers.iter().map(|l| format!(" Layer {}: `{}`.", l.position, l.text));
    let count = names.len();
    let field_vis = std::iter::repeat(vis);
    let common = |layers: &[TokenStream]| {
        quote! {
            #(#attrs)*
            #[repr(C)]
            #[derive(Clone, Copy)]
            #vis struct #ident<> {
                #( #[doc = #docs] #field_vis #fields: #layers, )*
            }

            impl #ident {
                /// The field name of each layer, in order: the prefixes of parameter keys.
                pub const LAYER_NAMES: [&'static str; #count] = [#(#names),*];
            }
        }
    };

    if let Err(errors) = result {
        // One mistake, one error: the struct still exists, with the same
        // fields, constants and trait impls, and the widths the declaration
        // meant. A width that is not known is the erroneous constant holding
        // the errors, which makes the compiler accept any use of it silently.
        let errors = errors.to_compile_error();
        let unknown_const = format_ident!("__nn_errors_{}", ident);
        let unknown = quote!({ #unknown_const });
        let (input, output) = stub_widths(&net);
        let input = input.unwrap_or_else(|| unknown.clone());
        let output = output.unwrap_or_else(|| unknown.clone());
        let common = common(&layer_types(&net, &unknown));
        return quote! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals)]
            const #unknown_const: usize = { #errors };

            #common

            const _: () = {
                unsafe impl ::nn::__private::bytemuck::Zeroable for #ident {}
                unsafe impl ::nn::__private::bytemuck::Pod for #ident {}
                unsafe impl ::nn::Layer for #ident {
                    const IN: usize = #input;
                    const OUT: usize = #output;
                    const CACHE: usize = 0;
                    type Input = [f32; #input];
                    type Output = [f32; #output];
                    fn visit(_: &mut dyn FnMut(::nn::layer::LayerInfo)) {
                        ::core::unreachable!("network! reported an error")
                    }
                    fn init(&mut self, _: &mut ::nn::Rng) {
                        ::core::unreachable!("network! reported an error")
                    }
                    fn forward_one(&self, _: &[f32], _: &mut [f32]) {
                        ::core::unreachable!("network! reported an error")
                    }
                    fn forward(&self, _: &[f32], _: &mut [f32], _: &mut [f32], _: usize, _: &mut ::nn::Mode<'_>) {
                        ::core::unreachable!("network! reported an error")
                    }
                    fn backward(
                        &self,
                        _: &[f32],
                        _: &[f32],
                        _: &mut [f32],
                        _: &mut [f32],
                        _: ::core::option::Option<&mut [f32]>,
                        _: &mut Self,
                        _: usize,
                        _: bool,
                    ) {
                        ::core::unreachable!("network! reported an error")
                    }
                }
            };
        };
    }

    let layers = layer_types(&net, &quote!(0));
    let chain = chain_type(&layers);
    let common = common(&layers);
    let mut checks = const_checks(&net);
    checks.extend(crate::image::const_checks(&net));
    quote! {
        #common

        const _: () = {
            type __Chain = #chain;

            // SAFETY: a repr(C) struct of layers, each made only of f32 with
            // alignment 4 and no padding, exactly like `__Chain`.
            unsafe impl ::nn::__private::bytemuck::Zeroable for #ident {}
            unsafe impl ::nn::__private::bytemuck::Pod for #ident {}

            const _: () = ::core::assert!(
                ::core::mem::size_of::<#ident>() == ::core::mem::size_of::<__Chain>()
                    && ::core::mem::align_of::<#ident>() == ::core::mem::align_of::<__Chain>()
            );

            #[inline(always)]
            fn __chain(net: &#ident) -> &__Chain {
                ::nn::__private::bytemuck::cast_ref(net)
            }

            #[inline(always)]
            fn __chain_mut(net: &mut #ident) -> &mut __Chain {
                ::nn::__private::bytemuck::cast_mut(net)
            }

            // SAFETY: same layout as `__Chain` (checked above).
            unsafe impl ::nn::Layer for #ident {
                const IN: usize = <__Chain as ::nn::Layer>::IN;
                const OUT: usize = <__Chain as ::nn::Layer>::OUT;
                const CACHE: usize = <__Chain as ::nn::Layer>::CACHE;
                const DEPTH: usize = <__Chain as ::nn::Layer>::DEPTH;
                const STATE: usize = <__Chain as ::nn::Layer>::STATE;
                const SPLIT_BY_UNITS: bool = <__Chain as ::nn::Layer>::SPLIT_BY_UNITS;
                const ARCHITECTURE: ::nn::baked::ConstText = <__Chain as ::nn::Layer>::ARCHITECTURE;
                const STRUCTURE: ::nn::arch::Architecture = <__Chain as ::nn::Layer>::STRUCTURE;
                type Input = <__Chain as ::nn::Layer>::Input;
                type Output = <__Chain as ::nn::Layer>::Output;

                fn visit(f: &mut dyn FnMut(::nn::layer::LayerInfo)) {
                    <__Chain as ::nn::Layer>::visit(f)
                }
                fn layer_names() -> &'static [&'static str] {
                    &#ident::LAYER_NAMES
                }
                fn visit_shapes(f: &mut dyn FnMut(::core::option::Option<[usize; 3]>)) {
                    <__Chain as ::nn::Layer>::visit_shapes(f)
                }
                fn init(&mut self, rng: &mut ::nn::Rng) {
                    ::nn::Layer::init(__chain_mut(self), rng)
                }
                fn init_with(&mut self, weights: ::nn::init::Init, rng: &mut ::nn::Rng) {
                    ::nn::Layer::init_with(__chain_mut(self), weights, rng)
                }
                fn visit_weights(offset: usize, f: &mut dyn FnMut(::core::ops::Range<usize>)) {
                    <__Chain as ::nn::Layer>::visit_weights(offset, f)
                }
                fn visit_state(offset: usize, f: &mut dyn FnMut(::core::ops::Range<usize>)) {
                    <__Chain as ::nn::Layer>::visit_state(offset, f)
                }
                fn visit_outputs(y: &[f32], cache: &[f32], batch: usize, f: &mut dyn FnMut(&[f32])) {
                    <__Chain as ::nn::Layer>::visit_outputs(y, cache, batch, f)
                }
                #[inline]
                fn forward_one(&self, x: &[f32], y: &mut [f32]) {
                    ::nn::Layer::forward_one(__chain(self), x, y)
                }
                fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32], batch: usize, mode: &mut ::nn::Mode<'_>) {
                    ::nn::Layer::forward(__chain(self), x, y, cache, batch, mode)
                }
                fn logits<'a>(&self, x: &'a [f32], cache: &'a [f32], batch: usize) -> ::core::option::Option<&'a [f32]> {
                    ::nn::Layer::logits(__chain(self), x, cache, batch)
                }
                fn backward(
                    &self,
                    x: &[f32],
                    y: &[f32],
                    cache: &mut [f32],
                    dy: &mut [f32],
                    dx: ::core::option::Option<&mut [f32]>,
                    grad: &mut Self,
                    batch: usize,
                    dy_is_logit_grad: bool,
                ) {
                    ::nn::Layer::backward(__chain(self), x, y, cache, dy, dx, __chain_mut(grad), batch, dy_is_logit_grad)
                }
            }
        };

        #(#checks)*
    }
}

fn type_form(ty: &TypeNetwork) -> TokenStream {
    let (net, result) = lower_and_check(&ty.layers, Span::call_site(), Errors::default());
    if let Err(errors) = result {
        // As in the item form, a width that is not known is an erroneous
        // constant (here the errors themselves), accepted silently by every use.
        let errors = errors.to_compile_error();
        return match stub_widths(&net) {
            (Some(input), Some(output)) => quote! { ::nn::__private::Stub<{ #errors #input }, #output> },
            (None, Some(output)) => quote! { ::nn::__private::Stub<{ #errors }, #output> },
            (Some(input), None) => quote! { ::nn::__private::Stub<#input, { #errors }> },
            (None, None) => quote! { ::nn::__private::Unknown<{ #errors }> },
        };
    }
    let chain = chain_type(&layer_types(&net, &quote!(0)));
    let mut checks = const_checks(&net);
    checks.extend(crate::image::const_checks(&net));
    if checks.is_empty() {
        chain
    } else {
        // Sizes given as `const` names: the checks run when the type is used.
        quote! { <[(); { #(#checks)* 0 }] as ::nn::__private::Is<#chain>>::Type }
    }
}

/// The Rust type of each layer. `unknown` stands for widths that are not known
/// (only in a network with errors, whose types are a stub's fields).
fn layer_types(net: &Network, unknown: &TokenStream) -> Vec<TokenStream> {
    sequence_types(&net.layers, Some(net), unknown.clone(), unknown)
}

/// The Rust types of `layers`, the first of which takes `width` values;
/// `net` is the network when `layers` are its top level (image layers).
fn sequence_types(
    layers: &[Layer],
    net: Option<&Network>,
    mut width: TokenStream,
    unknown: &TokenStream,
) -> Vec<TokenStream> {
    let mut types = Vec::new();
    for (index, layer) in layers.iter().enumerate() {
        let ty = match &layer.kind {
            Kind::Dense { input, output, activation } => {
                let (i, o) = (size_tokens(input, unknown), size_tokens(output, unknown));
                let act = activation.as_ref().map_or_else(|| quote!(::nn::Identity), activation_type);
                width = o.clone();
                quote!(::nn::Dense<#i, #o, #act>)
            }
            Kind::Dropout { p } => {
                let p = p.as_ref().map_or(0.0, |p| p.value as f32);
                let bits = Literal::u32_unsuffixed(p.to_bits());
                quote!(::nn::Dropout<#width, #bits>)
            }
            Kind::Activation(act) => {
                let act = activation_type(act);
                quote!(::nn::ActivationLayer<#width, #act>)
            }
            Kind::BatchNorm { width: Some(size) } => {
                width = size_tokens(size, unknown);
                quote!(::nn::BatchNorm<#width>)
            }
            Kind::BatchNorm { width: None } => quote!(::nn::BatchNorm<#width>),
            Kind::Input(_) | Kind::Conv2d(_) | Kind::Pool { .. } | Kind::Flatten => {
                match net.and_then(|net| crate::image::layer_type(net, index, activation_type)) {
                    Some((ty, out)) => {
                        width = out;
                        ty
                    }
                    None => {
                        width = unknown.clone();
                        quote!(::nn::__private::Stub<#unknown, #unknown>)
                    }
                }
            }
            Kind::Maxout { input, output, pieces } => {
                let (i, o, k) =
                    (size_tokens(input, unknown), size_tokens(output, unknown), size_tokens(pieces, unknown));
                width = o.clone();
                quote!(::nn::Maxout<#i, #o, #k>)
            }
            Kind::DropConnect { input, output, activation, p } => {
                let (i, o) = (size_tokens(input, unknown), size_tokens(output, unknown));
                let act = activation.as_ref().map_or_else(|| quote!(::nn::Identity), activation_type);
                width = o.clone();
                let bits = probability_bits(p.as_ref());
                quote!(::nn::DropConnect<#i, #o, #act, #bits>)
            }
            Kind::Residual { p, branch } => {
                let bits = probability_bits(p.as_ref());
                let branch = chain_type(&sequence_types(branch, None, width.clone(), unknown));
                quote!(::nn::Residual<#branch, #bits>)
            }
            Kind::Invalid => {
                width = unknown.clone();
                quote!(::nn::__private::Stub<#unknown, #unknown>)
            }
        };
        types.push(ty);
    }
    types
}

/// `Chain<A, Chain<B, C>>`.
fn chain_type(layers: &[TokenStream]) -> TokenStream {
    let (last, init) = layers.split_last().expect("checked: at least one layer");
    init.iter().rev().fold(last.clone(), |rest, first| quote!(::nn::Chain<#first, #rest>))
}

fn size_tokens(size: &Size, unknown: &TokenStream) -> TokenStream {
    match size {
        Size::Literal { value, span } => {
            let mut lit = Literal::usize_unsuffixed(*value as usize);
            lit.set_span(*span);
            quote!(#lit)
        }
        // A block as written (more braces would be an `unused_braces` warning
        // on the user's code), a path in braces.
        Size::Const { tokens, .. } if is_block(tokens) => tokens.clone(),
        Size::Const { tokens, .. } => quote!({ #tokens }),
        Size::Invalid => unknown.clone(),
    }
}

/// The bits of an `f32` probability, as a const generic argument (0 when not written).
fn probability_bits(p: Option<&Float>) -> Literal {
    Literal::u32_unsuffixed(p.map_or(0.0, |p| p.value as f32).to_bits())
}

fn activation_type(act: &Activation) -> TokenStream {
    if let Some(channels) = &act.channels {
        let n = size_tokens(channels, &quote!(0));
        return quote!(::nn::ChannelPReLU<#n>);
    }
    let name = format_ident!("{}", act.kind.name());
    match (&act.param, act.kind) {
        (Some(p), ActivationKind::LeakyReLU | ActivationKind::ELU) => {
            let bits = Literal::u32_unsuffixed((p.value as f32).to_bits());
            quote!(::nn::#name<#bits>)
        }
        _ => quote!(::nn::#name),
    }
}

/// Compile-time checks for widths the macro cannot see (`const` names):
/// evaluated by `cargo build`, spanned on the size that is wrong.
fn const_checks(net: &Network) -> Vec<TokenStream> {
    let mut checks = Vec::new();
    let mut previous: Option<(&Size, String)> = None;
    for layer in &net.layers {
        match &layer.kind {
            Kind::Activation(act) => {
                if let (Some(channels), Some((given, source))) = (&act.channels, &previous) {
                    checks.extend(channel_check(layer, channels, given, source));
                }
                continue;
            }
            Kind::Residual { branch, .. } => {
                let width = previous.as_ref().map_or_else(|| quote!(0), |(size, _)| size_tokens(size, &quote!(0)));
                checks.extend(residual_check(layer, branch, width));
                continue;
            }
            _ => {}
        }
        let (input, output) = match &layer.kind {
            Kind::Dense { input, output, .. }
            | Kind::Maxout { input, output, .. }
            | Kind::DropConnect { input, output, .. } => (input, output),
            Kind::BatchNorm { width: Some(width) } => (width, width),
            _ => continue,
        };
        if let Kind::Dense { activation: Some(act), .. } | Kind::DropConnect { activation: Some(act), .. } = &layer.kind
        {
            if let Some(channels) = &act.channels {
                checks.extend(channel_check(layer, channels, output, "its `Dense`"));
            }
        }
        let sizes: &[(&Size, &str)] = match &layer.kind {
            Kind::BatchNorm { .. } => &[(input, "features")],
            _ => &[(input, "inputs"), (output, "outputs")],
        };
        for &(size, what) in sizes {
            let Size::Const { tokens, text } = size else { continue };
            // `Dense<A, H>, Dense<H, B>` with `H = 0`: one error, on the first `H`.
            let checked = matches!(&previous, Some((Size::Const { text: t, .. }, _)) if what != "outputs" && t == text);
            if !checked {
                let message =
                    format!("{} has `{text}` = 0 {what}; every layer needs a width of at least 1", layer.label());
                let message = escape_braces(&message);
                checks.push(quote_spanned! {span_of(tokens)=>
                    const _: () = ::core::assert!((#tokens) > 0, #message);
                });
            }
        }
        if let Some((given, source)) = &previous {
            let same = matches!((input, given), (Size::Const { text: a, .. }, Size::Const { text: b, .. }) if a == b);
            // `H == H` would be a clippy `eq_op` error in the user's crate.
            if !same && (matches!(input, Size::Const { .. }) || matches!(given, Size::Const { .. })) {
                let (i, g) = (size_tokens(input, &quote!(0)), size_tokens(given, &quote!(0)));
                let verb = if matches!(layer.kind, Kind::BatchNorm { .. }) { "normalizes" } else { "takes" };
                let noun = if verb == "normalizes" { "features" } else { "inputs" };
                let message = format!(
                    "{} {verb} {} {noun}, but {source} gives {}, which is not {}",
                    layer.label(),
                    size_text(input),
                    size_text(given),
                    size_text(input)
                );
                let message = escape_braces(&message);
                let span = match input {
                    Size::Const { tokens, .. } => span_of(tokens),
                    Size::Literal { span, .. } => *span,
                    Size::Invalid => Span::call_site(),
                };
                checks.push(quote_spanned! {span=>
                    const _: () = ::core::assert!(#g == #i, #message);
                });
            }
        }
        previous = Some((output, layer.label()));
    }
    checks
}

/// `PReLU<N>` after (or in) a layer giving `given` values, when either is a `const` name.
fn channel_check(layer: &Layer, channels: &Size, given: &Size, source: &str) -> Option<TokenStream> {
    let consts = matches!(channels, Size::Const { .. }) || matches!(given, Size::Const { .. });
    let same = matches!((channels, given), (Size::Const { text: a, .. }, Size::Const { text: b, .. }) if a == b);
    if !consts || same {
        return None;
    }
    let (c, g) = (size_tokens(channels, &quote!(0)), size_tokens(given, &quote!(0)));
    let message = format!(
        "{} has {} slopes, one per unit, but {source} gives {} values",
        layer.label(),
        size_text(channels),
        size_text(given)
    );
    let message = escape_braces(&message);
    let span = match channels {
        Size::Const { tokens, .. } => span_of(tokens),
        Size::Literal { span, .. } => *span,
        Size::Invalid => Span::call_site(),
    };
    Some(quote_spanned! {span=> const _: () = ::core::assert!(#c == #g, #message); })
}

/// A `Residual` whose branch has a size given as a `const` name: its branch
/// must give as many values as it takes, checked by the compiler.
fn residual_check(layer: &Layer, branch: &[Layer], width: TokenStream) -> Option<TokenStream> {
    fn has_const(layers: &[Layer]) -> bool {
        layers.iter().any(|l| match &l.kind {
            Kind::Dense { input, output, .. } | Kind::DropConnect { input, output, .. } => {
                matches!(input, Size::Const { .. }) || matches!(output, Size::Const { .. })
            }
            Kind::Maxout { input, output, pieces } => {
                [input, output, pieces].iter().any(|s| matches!(s, Size::Const { .. }))
            }
            Kind::Residual { branch, .. } => has_const(branch),
            _ => false,
        })
    }
    if !has_const(branch) {
        return None;
    }
    let ty = chain_type(&sequence_types(branch, None, width, &quote!(0)));
    let message = escape_braces(&format!(
        "the branch of {} must give as many values as it takes (its output is x + branch(x))",
        layer.label()
    ));
    Some(quote_spanned! {span_of(&layer.tokens)=>
        const _: () = ::core::assert!(<#ty as ::nn::Layer>::IN == <#ty as ::nn::Layer>::OUT, #message);
    })
}

fn size_text(size: &Size) -> String {
    match size {
        Size::Literal { value, .. } => value.to_string(),
        Size::Const { text, .. } => format!("`{text}`"),
        Size::Invalid => "?".into(),
    }
}

fn is_block(tokens: &TokenStream) -> bool {
    let mut iter = tokens.clone().into_iter();
    matches!((iter.next(), iter.next()), (Some(TokenTree::Group(g)), None) if g.delimiter() == Delimiter::Brace)
}

/// `text` as a format string that prints it: `assert!` messages are format strings.
fn escape_braces(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

fn span_of(tokens: &TokenStream) -> Span {
    tokens.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span())
}

/// Input and output widths of a network with errors, when they are known for
/// sure: the first layer's inputs, the last `Dense` layer's outputs (only
/// width-preserving layers after it).
fn stub_widths(net: &Network) -> (Option<TokenStream>, Option<TokenStream>) {
    let known = |size: &Size| (!matches!(size, Size::Invalid)).then(|| size_tokens(size, &quote!(0)));
    let input = match net.layers.first().map(|l| &l.kind) {
        Some(
            Kind::Dense { input, .. }
            | Kind::Maxout { input, .. }
            | Kind::DropConnect { input, .. }
            | Kind::BatchNorm { width: Some(input) },
        ) => known(input),
        _ => None,
    };
    let mut output = None;
    for layer in net.layers.iter().rev() {
        match &layer.kind {
            Kind::Dense { output: o, .. }
            | Kind::Maxout { output: o, .. }
            | Kind::DropConnect { output: o, .. }
            | Kind::BatchNorm { width: Some(o) } => {
                output = known(o);
                break;
            }
            Kind::Dropout { .. } | Kind::Activation(_) | Kind::Residual { .. } | Kind::BatchNorm { width: None } => {}
            Kind::Invalid | Kind::Input(_) | Kind::Conv2d(_) | Kind::Pool { .. } | Kind::Flatten => break,
        }
    }
    (input, output)
}
