//! Code generation: the model becomes a `#[repr(C)]` struct of layers (item
//! form) or a `Chain` type (type form), plus compile-time checks for the
//! sizes given as `const` names.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::model::{Activation, ActivationKind, Errors, Kind, Network, Size};
use crate::parse::{Input, ItemNetwork, TypeNetwork};

/// Expands a parsed `network!` invocation.
pub fn network(input: Input) -> TokenStream {
    match input {
        Input::Item(item) => item_form(&item),
        Input::Type(ty) => type_form(&ty),
    }
}

fn lower_and_check(layers: &[crate::parse::LayerAst], span: Span) -> (Network, syn::Result<()>) {
    let mut errors = Errors::default();
    let net = Network::lower(layers, span, &mut errors);
    net.check(&mut errors);
    (net, errors.into_result())
}

fn item_form(item: &ItemNetwork) -> TokenStream {
    let (net, result) = lower_and_check(&item.layers, item.brace_span);
    let ident = &item.ident;
    let vis = &item.vis;
    let attrs = &item.attrs;
    if let Err(errors) = result {
        // One mistake, one error: the type still exists, with the widths the
        // declaration meant, so that its uses do not fail too.
        let errors = errors.to_compile_error();
        let (input, output) = stub_widths(&net);
        let docs = attrs.iter().filter(|a| a.path().is_ident("doc"));
        return quote! {
            #errors
            #(#docs)*
            #vis type #ident = ::nn::__private::Stub<#input, #output>;
        };
    }

    let layers = layer_types(&net);
    let chain = chain_type(&layers);
    let names = net.field_names();
    let fields = names.iter().map(|n| format_ident!("{}", n));
    let docs = net.layers.iter().map(|l| format!(" Layer {}: `{}`.", l.position, l.text));
    let count = names.len();
    let checks = const_checks(&net);
    let field_vis = std::iter::repeat(vis);
    quote! {
        #(#attrs)*
        #[repr(C)]
        #[derive(Clone, Copy)]
        #vis struct #ident {
            #( #[doc = #docs] #field_vis #fields: #layers, )*
        }

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
                type Input = <__Chain as ::nn::Layer>::Input;
                type Output = <__Chain as ::nn::Layer>::Output;

                fn visit(f: &mut dyn FnMut(::nn::layer::LayerInfo)) {
                    <__Chain as ::nn::Layer>::visit(f)
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

        impl #ident {
            /// The field name of each layer, in order: the prefixes of parameter keys.
            pub const LAYER_NAMES: [&'static str; #count] = [#(#names),*];
        }

        #(#checks)*
    }
}

fn type_form(ty: &TypeNetwork) -> TokenStream {
    let (net, result) = lower_and_check(&ty.layers, Span::call_site());
    if let Err(errors) = result {
        let errors = errors.to_compile_error();
        let (input, output) = stub_widths(&net);
        return quote! { ::nn::__private::Stub<{ #errors #input }, #output> };
    }
    let chain = chain_type(&layer_types(&net));
    let checks = const_checks(&net);
    if checks.is_empty() {
        chain
    } else {
        // Sizes given as `const` names: the checks run when the type is used.
        quote! { <[(); { #(#checks)* 0 }] as ::nn::__private::Is<#chain>>::Type }
    }
}

/// The Rust type of each layer.
fn layer_types(net: &Network) -> Vec<TokenStream> {
    let mut width = quote!(0);
    let mut types = Vec::new();
    for layer in &net.layers {
        let ty = match &layer.kind {
            Kind::Dense { input, output, activation } => {
                let (i, o) = (size_tokens(input), size_tokens(output));
                let act = activation_type(activation.as_ref().expect("checked"));
                width = o.clone();
                quote!(::nn::Dense<#i, #o, #act>)
            }
            Kind::Dropout { p } => {
                let bits = Literal::u32_unsuffixed((p.as_ref().expect("checked").value as f32).to_bits());
                quote!(::nn::Dropout<#width, #bits>)
            }
            Kind::Activation(act) => {
                let act = activation_type(act);
                quote!(::nn::ActivationLayer<#width, #act>)
            }
            Kind::Invalid => unreachable!("checked"),
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

fn size_tokens(size: &Size) -> TokenStream {
    match size {
        Size::Literal { value, span } => {
            let mut lit = Literal::usize_unsuffixed(*value as usize);
            lit.set_span(*span);
            quote!(#lit)
        }
        Size::Const { tokens, .. } => quote!({ #tokens }),
        Size::Invalid => quote!(0),
    }
}

fn activation_type(act: &Activation) -> TokenStream {
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
        let Kind::Dense { input, output, .. } = &layer.kind else { continue };
        for (size, what) in [(input, "inputs"), (output, "outputs")] {
            if let Size::Const { tokens, text } = size {
                let message =
                    format!("{} has {text} = 0 {what}; every layer needs a width of at least 1", layer.label());
                checks.push(quote_spanned! {span_of(tokens)=>
                    const _: () = ::core::assert!((#tokens) > 0, #message);
                });
            }
        }
        if let Some((given, source)) = &previous {
            if matches!(input, Size::Const { .. }) || matches!(given, Size::Const { .. }) {
                let (i, g) = (size_tokens(input), size_tokens(given));
                let message = format!(
                    "{} takes {} inputs, which must equal the {} outputs of {source}",
                    layer.label(),
                    size_text(input),
                    size_text(given)
                );
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

fn size_text(size: &Size) -> String {
    match size {
        Size::Literal { value, .. } => value.to_string(),
        Size::Const { text, .. } => text.clone(),
        Size::Invalid => "?".into(),
    }
}

fn span_of(tokens: &TokenStream) -> Span {
    tokens.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span())
}

/// Input and output widths of a network with errors, as far as they are known.
fn stub_widths(net: &Network) -> (TokenStream, TokenStream) {
    let mut input = None;
    let mut output = quote!(0);
    for layer in &net.layers {
        if let Kind::Dense { input: i, output: o, .. } = &layer.kind {
            if input.is_none() {
                input = Some(size_tokens(i));
            }
            output = size_tokens(o);
        } else if input.is_none() {
            input = Some(quote!(0));
        }
    }
    (input.unwrap_or_else(|| quote!(0)), output)
}
