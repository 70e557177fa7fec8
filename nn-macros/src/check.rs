//! Validation of the model: everything that can be known before the
//! compiler sees the expansion. All problems are reported together.

use std::collections::HashMap;

use syn::ext::IdentExt;

use crate::model::{Errors, Kind, Layer, Network, Size};

/// The width flowing between layers while walking the network.
#[derive(Clone, Copy, PartialEq)]
enum Width<'a> {
    Known(u64),
    Const(&'a str),
    Unknown,
}

impl Network {
    /// Checks the network; `errors` gets every problem found.
    pub fn check(&self, errors: &mut Errors) {
        if self.layers.is_empty() {
            errors.push(syn::Error::new(
                self.span,
                "a network needs at least one layer, for example `Dense<2, 1, Sigmoid>`",
            ));
            return;
        }
        self.check_names(errors);
        self.check_widths(errors);
        crate::image::check(self, errors);
    }

    /// The field name of each layer: its own name (without `r#`), or
    /// `layer0`, `layer1`, ...
    pub fn field_names(&self) -> Vec<String> {
        self.layers
            .iter()
            .map(|l| match &l.name {
                Some(n) => n.unraw().to_string(),
                None => format!("layer{}", l.position - 1),
            })
            .collect()
    }

    fn check_names(&self, errors: &mut Errors) {
        let mut seen: HashMap<String, &Layer> = HashMap::new();
        for layer in &self.layers {
            if layer.name.is_none() {
                seen.insert(format!("layer{}", layer.position - 1), layer);
            }
        }
        for layer in &self.layers {
            errors.at(layer.position);
            let Some(name) = &layer.name else { continue };
            let key = name.unraw().to_string();
            if let Some(first) = seen.get(&key) {
                let message = if first.name.is_some() {
                    format!("duplicate layer name `{key}`: {} has this name already", first.label())
                } else {
                    format!(
                        "layer name `{key}` is the field name of the unnamed {}; choose another name",
                        first.label()
                    )
                };
                errors.spanned(name, message);
            } else {
                seen.insert(key, layer);
            }
        }
    }

    fn check_widths(&self, errors: &mut Errors) {
        // The width leaving the previous layer, and the layer that set it.
        let mut current: Option<(Width, &Layer)> = None;
        for layer in &self.layers {
            errors.at(layer.position);
            match &layer.kind {
                Kind::Dense { input, output, .. } => {
                    check_nonzero(layer, input, "inputs", errors);
                    check_nonzero(layer, output, "outputs", errors);
                    if let Some((width, source)) = current {
                        if let (Size::Literal { value, span }, Width::Known(given)) = (input, width) {
                            if *value != given {
                                errors.push(syn::Error::new(
                                    *span,
                                    format!(
                                        "{} takes {value} inputs, but {} gives {given}",
                                        layer.label(),
                                        source.label()
                                    ),
                                ));
                            }
                        }
                    }
                    current = Some((width_of(output), layer));
                }
                Kind::Dropout { p } => {
                    if let Some(p) = p {
                        if !(0.0..1.0).contains(&p.value) {
                            errors.spanned(
                                &p.tokens,
                                format!(
                                    "the dropout probability (the fraction of values dropped in training) must be in [0, 1), but {} has {}",
                                    layer.label(),
                                    p.text
                                ),
                            );
                        }
                    }
                    first_needs_width(layer, current.is_none(), errors);
                }
                Kind::Activation(_) => first_needs_width(layer, current.is_none(), errors),
                Kind::BatchNorm { width: None } => first_needs_width(layer, current.is_none(), errors),
                Kind::BatchNorm { width: Some(width) } => {
                    check_nonzero(layer, width, "features", errors);
                    let mut mismatch = false;
                    if let Some((given_width, source)) = current {
                        if let (Size::Literal { value, span }, Width::Known(given)) = (width, given_width) {
                            if *value != given {
                                // One mistake, one error: the layer after is not compared with it.
                                mismatch = true;
                                errors.push(syn::Error::new(
                                    *span,
                                    format!(
                                        "{} normalizes {value} features, but {} gives {given}",
                                        layer.label(),
                                        source.label()
                                    ),
                                ));
                            }
                        }
                    }
                    // After an image or a mismatch the width stays unknown here
                    // (`image::check` compares a `BatchNorm` after `Flatten` with C·H·W).
                    let unknown = mismatch || matches!(current, Some((Width::Unknown, _)));
                    current = Some((if unknown { Width::Unknown } else { width_of(width) }, layer));
                }
                // Image shapes are checked by `image::check`.
                Kind::Input(_) | Kind::Conv2d(_) | Kind::Pool { .. } | Kind::Flatten => {
                    current = Some((Width::Unknown, layer));
                }
                Kind::Invalid => {
                    // Already reported; what it outputs is unknown.
                    current = current.map(|(_, _)| (Width::Unknown, layer)).or(Some((Width::Unknown, layer)));
                }
            }
        }
    }
}

fn width_of(size: &Size) -> Width<'_> {
    match size {
        // Already reported: comparing the next layer with it would only repeat that.
        Size::Literal { value: 0, .. } => Width::Unknown,
        Size::Literal { value, .. } => Width::Known(*value),
        Size::Const { text, .. } => Width::Const(text),
        Size::Invalid => Width::Unknown,
    }
}

fn check_nonzero(layer: &Layer, size: &Size, what: &str, errors: &mut Errors) {
    if let Size::Literal { value: 0, span } = size {
        errors.push(syn::Error::new(
            *span,
            format!("{} has 0 {what}; every layer needs a width of at least 1", layer.label()),
        ));
    }
}

fn first_needs_width(layer: &Layer, is_first: bool, errors: &mut Errors) {
    if is_first {
        errors.spanned(
            &layer.tokens,
            format!(
                "{} cannot come first: its width is that of the layer before it; start the network with a `Dense<INPUTS, OUTPUTS>` layer",
                layer.label()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::Span;

    use super::*;
    use crate::parse::Input;

    /// Parses the type form, lowers it and checks it; returns all messages.
    fn messages(src: &str) -> Vec<String> {
        let input: Input = syn::parse_str(src).expect("parses");
        let layers = match &input {
            Input::Type(t) => &t.layers,
            Input::Item(i) => &i.layers,
        };
        let mut errors = Errors::default();
        let net = Network::lower(layers, Span::call_site(), &mut errors);
        net.check(&mut errors);
        match errors.into_result() {
            Ok(()) => vec![],
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn valid_networks_have_no_errors() {
        assert!(messages("Dense<784, 128, ReLU>, Dropout<0.5>, Dense<128, 10, Softmax>").is_empty());
        assert!(messages("Dense<2, 3>, Tanh, Dense<3, 1, Sigmoid>").is_empty());
        assert!(messages("Dense<INPUTS, HIDDEN, ReLU>, Dense<7, 1>").is_empty());
        assert!(messages("Dense<2, 3, LeakyReLU<0.1>>, ELU<0.5>, Dense<3, 2, ELU>, PReLU, Softplus").is_empty());
        assert!(messages("pub struct X { a: Dense<2, 3, Step>, b: Dense<3, 1, Identity> }").is_empty());
    }

    #[test]
    fn batch_norm_widths() {
        assert!(messages("BatchNorm<4>, Dense<4, 3>, BatchNorm, ReLU, Dense<3, 2>, BatchNorm<2>").is_empty());
        assert!(messages("Dense<2, H>, BatchNorm<H>, Dense<H, 1>").is_empty());
        // One mistake, one error: the layer after the wrong BatchNorm is not compared with it.
        assert_eq!(
            messages("Dense<4, 16>, BatchNorm<15>, Dense<16, 2>"),
            ["layer 2 `BatchNorm<15>` normalizes 15 features, but layer 1 `Dense<4, 16>` gives 16"]
        );
        assert!(messages("BatchNorm, Dense<2, 2>")[0].contains("cannot come first"));
        assert!(messages("BatchNorm<0>, Dense<2, 2>")[0].contains("has 0 features"));
        assert!(messages("Dense<2, 2>, BatchNorm<2, 2>")[0].contains("`BatchNorm` takes at most 1 generic argument"));
        assert_eq!(messages("Dense<2, 2>, Batchnorm")[0], "unknown layer `Batchnorm`; did you mean `BatchNorm`?");
    }

    #[test]
    fn width_mismatch_names_both_layers_and_widths() {
        assert_eq!(
            messages("Dense<784, 128, ReLU>, Dropout<0.5>, Dense<100, 10, Softmax>"),
            ["layer 3 `Dense<100, 10, Softmax>` takes 100 inputs, but layer 1 `Dense<784, 128, ReLU>` gives 128"]
        );
    }

    #[test]
    fn every_mismatch_is_reported() {
        let m = messages("Dense<4, 8>, Dense<9, 3>, ReLU, Dense<2, 1>");
        assert_eq!(messages("Dense<2, 2, Relu>, Dense<3, 1>, Dropout<2.0>, Softmax<2>").len(), 4);
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].contains("layer 2 `Dense<9, 3>` takes 9 inputs, but layer 1 `Dense<4, 8>` gives 8"));
        assert!(m[1].contains("layer 4 `Dense<2, 1>` takes 2 inputs, but layer 2 `Dense<9, 3>` gives 3"));
    }

    #[test]
    fn const_sizes_are_left_to_the_compiler() {
        assert!(messages("Dense<4, H>, Dense<8, 3>").is_empty());
        assert!(messages("Dense<4, 8>, Dense<H, 3>").is_empty());
    }

    #[test]
    fn zero_sizes() {
        let m = messages("Dense<0, 3>, Dense<3, 0>");
        assert_eq!(m.len(), 2);
        assert!(m[0].contains("has 0 inputs"));
        assert!(m[1].contains("has 0 outputs"));
        // Not also "layer 2 takes 8 inputs, but layer 1 gives 0".
        assert_eq!(messages("Dense<4, 0>, ReLU, Dense<8, 2>").len(), 1);
    }

    #[test]
    fn dropout_probability_range() {
        assert!(messages("Dense<2, 2>, Dropout<0>").is_empty());
        assert!(messages("Dense<2, 2>, Dropout<0.999>").is_empty());
        for bad in ["1", "1.0", "1.5", "-0.1"] {
            let m = messages(&format!("Dense<2, 2>, Dropout<{bad}>"));
            assert_eq!(m.len(), 1, "{bad}: {m:?}");
            assert!(m[0].contains("must be in [0, 1)"), "{m:?}");
        }
    }

    #[test]
    fn unknown_names_suggest_the_right_one() {
        assert_eq!(messages("Dense<2, 2, Relu>"), ["unknown activation `Relu`; did you mean `ReLU`?"]);
        assert_eq!(messages("Dense<2, 2>, Dense2<2, 2>"), ["unknown layer `Dense2`; did you mean `Dense`?"]);
        let m = messages("Dense<2, 2>, Convolution<3>");
        assert!(m[0]
            .starts_with("unknown layer `Convolution`; expected one of `Dense`, `Dropout`, `BatchNorm`, `Identity`"));
    }

    #[test]
    fn messages_say_what_was_found() {
        assert!(messages("Dense<2, 2>, ReLU<3>")[0].contains("but `ReLU<3>` has 1"));
        assert!(messages("nn::Dense<2, 2>")[0].contains("found the path `nn::Dense`"));
        let m = messages("Dense<2, 2>, Dropout<1.0>");
        assert!(m[0].ends_with("but layer 2 `Dropout<1.0>` has 1.0"), "{m:?}");
        assert!(
            messages("Dense<2, 2>, ELU<ALPHA>")[0].contains("found `ALPHA` (stable Rust has no float const generics")
        );
    }

    #[test]
    fn missing_comma_names_the_layer_before() {
        let err = syn::parse_str::<Input>("Dense<2, 2> Dense<2, 1>").err().expect("a parse error");
        assert_eq!(err.to_string(), "expected `,` after the layer `Dense<2, 2>`, between two layers");
    }

    #[test]
    fn raw_identifiers_are_names_without_r_hash() {
        let m = messages("pub struct X { Dense<2, 2>, r#layer0: Dense<2, 1> }");
        assert!(m[0].starts_with("layer name `layer0` is the field name"), "{m:?}");
        let m = messages("pub struct X { r#type: Dense<2, 2>, r#type: Dense<2, 1> }");
        assert!(m[0].starts_with("duplicate layer name `type`"), "{m:?}");
    }

    #[test]
    fn generic_argument_counts() {
        assert!(messages("Dense<2>")[0].contains("`Dense` takes 2 or 3 generic arguments"));
        assert!(messages("Dense<2, 3, ReLU, Tanh>")[0].contains("but `Dense<2, 3, ReLU, Tanh>` has 4"));
        assert!(messages("Dense<2, 2>, Dropout")[0].contains("`Dropout` takes 1 generic argument"));
        assert!(messages("Dense<2, 2>, ReLU<3>")[0].contains("`ReLU` takes no generic arguments"));
        assert!(messages("Dense<2, 2>, LeakyReLU<0.1, 0.2>")[0].contains("at most 1 generic argument"));
    }

    #[test]
    fn bad_sizes() {
        assert!(messages("Dense<-3, 2>")[0].contains("must be a positive integer, found `-3`"));
        assert!(messages("Dense<1.5, 2>")[0].contains("found `1.5`"));
        assert!(messages("Dense<\"a\", 2>")[0].contains("found `\"a\"`"));
    }

    #[test]
    fn empty_and_duplicates() {
        assert_eq!(messages("")[0], "a network needs at least one layer, for example `Dense<2, 1, Sigmoid>`");
        let m = messages("pub struct X { a: Dense<2, 2>, a: Dense<2, 1> }");
        assert_eq!(m, ["duplicate layer name `a`: layer 1 `Dense<2, 2>` has this name already"]);
        let m = messages("pub struct X { Dense<2, 2>, layer0: Dense<2, 1> }");
        assert!(m[0].contains("field name of the unnamed layer 1"));
    }

    #[test]
    fn standalone_layers_cannot_come_first() {
        assert!(messages("ReLU, Dense<2, 2>")[0].contains("layer 1 `ReLU` cannot come first"));
        assert!(messages("Dropout<0.5>, Dense<2, 2>")[0].contains("cannot come first"));
    }

    #[test]
    fn errors_after_an_invalid_layer_are_still_found() {
        let m = messages("Dense<2, 2, Relu>, Dense<3, 1>, Dropout<2.0>");
        assert_eq!(m.len(), 3, "{m:?}");
    }
}
