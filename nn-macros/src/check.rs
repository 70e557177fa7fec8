//! Validation of the model: everything that can be known before the
//! compiler sees the expansion. All problems are reported together.

use std::collections::HashMap;

use syn::ext::IdentExt;

use crate::model::{Errors, Float, Kind, Layer, Network, Size};

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
        Self::check_sequence(&self.layers, None, errors);
    }

    /// Checks the widths along `layers`, the first of which takes the width
    /// `start` (set by a layer before them; `None` at the start of the
    /// network), and returns the width leaving the last one.
    fn check_sequence<'a>(
        layers: &'a [Layer],
        start: Option<(Width<'a>, &'a Layer)>,
        errors: &mut Errors,
    ) -> Option<(Width<'a>, &'a Layer)> {
        // The width leaving the previous layer, and the layer that set it.
        let mut current = start;
        for layer in layers {
            errors.at(layer.top());
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
                // Image shapes are checked by `image::check`, at the top level only.
                Kind::Input(_) | Kind::Conv2d(_) | Kind::Pool { .. } | Kind::Flatten => {
                    if !layer.outer.is_empty() {
                        errors.spanned(
                            &layer.tokens,
                            format!(
                                "{} cannot go inside a `Residual`: image layers are not supported in residual branches",
                                layer.label()
                            ),
                        );
                    }
                    current = Some((Width::Unknown, layer));
                }
                Kind::Maxout { input, output, pieces } => {
                    check_nonzero(layer, input, "inputs", errors);
                    check_nonzero(layer, output, "outputs", errors);
                    if let Size::Literal { value: 0, span } = pieces {
                        errors.push(syn::Error::new(
                            *span,
                            format!(
                                "{} has 0 pieces; each output is the maximum of K affine pieces, so K must be at least 1",
                                layer.label()
                            ),
                        ));
                    }
                    check_input(layer, input, current, errors);
                    current = Some((width_of(output), layer));
                }
                Kind::DropConnect { input, output, p, .. } => {
                    check_nonzero(layer, input, "inputs", errors);
                    check_nonzero(layer, output, "outputs", errors);
                    check_probability(
                        layer,
                        p.as_ref(),
                        "DropConnect probability (the fraction of weights dropped in training)",
                        errors,
                    );
                    check_input(layer, input, current, errors);
                    current = Some((width_of(output), layer));
                }
                Kind::Residual { p, branch } => {
                    check_probability(
                        layer,
                        p.as_ref(),
                        "stochastic depth probability (the fraction of samples whose branch is dropped in training)",
                        errors,
                    );
                    current = Self::check_residual(layer, branch, current, errors);
                }
                Kind::Invalid => {
                    // Already reported; what it outputs is unknown.
                    current = current.map(|(_, _)| (Width::Unknown, layer)).or(Some((Width::Unknown, layer)));
                }
            }
            check_channels(layer, current, errors);
        }
        current
    }

    /// The branch of `residual` is checked like a network that starts with
    /// the width `start`; it must end with that width, since its output is
    /// added to its input. Returns the width leaving the block.
    fn check_residual<'a>(
        residual: &'a Layer,
        branch: &'a [Layer],
        start: Option<(Width<'a>, &'a Layer)>,
        errors: &mut Errors,
    ) -> Option<(Width<'a>, &'a Layer)> {
        // The width entering the block: from the layer before, or (first in
        // the network) the inputs of the branch's first layer.
        let entering = match start {
            Some((width, _)) => width,
            None => branch.first().map_or(Width::Unknown, |l| match &l.kind {
                Kind::Dense { input, .. } | Kind::Maxout { input, .. } | Kind::DropConnect { input, .. } => {
                    width_of(input)
                }
                _ => Width::Unknown,
            }),
        };
        let end = Self::check_sequence(branch, start, errors);
        errors.at(residual.top());
        if let (Width::Known(entering), Some((Width::Known(leaving), last))) = (entering, end) {
            if entering != leaving {
                let message = format!(
                    "the branch of {} must end with {entering} values, the width the block takes (its output is x + branch(x)), but its last {} gives {leaving}",
                    residual.label(),
                    last.label()
                );
                match output_span(last) {
                    Some(span) => errors.push(syn::Error::new(span, message)),
                    None => errors.spanned(&last.tokens, message),
                }
            }
        }
        let leaving = match (entering, end) {
            (Width::Unknown, Some((width, _))) => width,
            _ => entering,
        };
        Some((leaving, residual))
    }
}

/// Where the output width of `layer` is written (`128` in `Dense<784, 128>`), if it is.
fn output_span(layer: &Layer) -> Option<proc_macro2::Span> {
    match &layer.kind {
        Kind::Dense { output: Size::Literal { span, .. }, .. }
        | Kind::Maxout { output: Size::Literal { span, .. }, .. }
        | Kind::DropConnect { output: Size::Literal { span, .. }, .. } => Some(*span),
        _ => None,
    }
}

/// A layer that takes `input` values after the layer that gives `current`.
fn check_input(layer: &Layer, input: &Size, current: Option<(Width, &Layer)>, errors: &mut Errors) {
    if let (Size::Literal { value, span }, Some((Width::Known(given), source))) = (input, current) {
        if *value != given {
            errors.push(syn::Error::new(
                *span,
                format!("{} takes {value} inputs, but {} gives {given}", layer.label(), source.label()),
            ));
        }
    }
}

/// A probability of dropping something in training: in [0, 1).
fn check_probability(layer: &Layer, p: Option<&Float>, what: &str, errors: &mut Errors) {
    if let Some(p) = p {
        if !(0.0..1.0).contains(&p.value) {
            errors.spanned(&p.tokens, format!("the {what} must be in [0, 1), but {} has {}", layer.label(), p.text));
        }
    }
}

/// `PReLU<N>` (inside a `Dense` or on its own) has one slope per unit: `N`
/// must be the width of the values it sees, `current` (after the layer).
fn check_channels(layer: &Layer, current: Option<(Width, &Layer)>, errors: &mut Errors) {
    let activation = match &layer.kind {
        Kind::Dense { activation: Some(a), .. }
        | Kind::DropConnect { activation: Some(a), .. }
        | Kind::Activation(a) => a,
        _ => return,
    };
    let Some(Size::Literal { value, span }) = &activation.channels else { return };
    if *value == 0 {
        errors.push(syn::Error::new(
            *span,
            format!("{} has 0 slopes; write `PReLU` for one shared slope, or one per unit", layer.label()),
        ));
    } else if let Some((Width::Known(width), source)) = current {
        if *value != width {
            let width_from = if std::ptr::eq(source, layer) {
                format!("it has {width} units")
            } else {
                format!("{} gives {width} values", source.label())
            };
            errors.push(syn::Error::new(
                *span,
                format!(
                    "{} has {value} slopes, one per unit, but {width_from}; write `PReLU<{width}>`, or `PReLU` for one slope shared by all units",
                    layer.label()
                ),
            ));
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
        assert!(m[0].starts_with(
            "unknown layer `Convolution`; expected one of `Dense`, `Dropout`, `BatchNorm`, `Maxout`, `DropConnect`, `Residual`, `Identity`"
        ));
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
    fn new_layers_valid() {
        assert!(messages("Dense<4, 8>, Maxout<8, 3, 2>, Dense<3, 1>").is_empty());
        assert!(messages("Maxout<4, 3, 5>").is_empty());
        assert!(messages("DropConnect<Dense<4, 8, ReLU>, 0.5>, Dense<8, 1>").is_empty());
        assert!(messages("Dense<4, 8>, Residual<Dense<8, 8, ReLU>, Dense<8, 8>>, Dense<8, 1>").is_empty());
        assert!(messages("Dense<4, 8>, Residual<StochasticDepth<0.2>, ReLU, Dense<8, 3>, Dense<3, 8>>").is_empty());
        assert!(messages("Residual<Dense<8, 8, ReLU>>, Residual<Residual<Dense<8, 8>>, Dropout<0.1>>").is_empty());
        assert!(messages("Dense<4, 8, PReLU<8>>, PReLU<8>, Dense<8, 2>, PReLU<2>").is_empty());
        assert!(messages("Dense<4, H, PReLU<H>>, Residual<Dense<H, H>>").is_empty());
    }

    #[test]
    fn residual_width_mismatch_names_the_inner_layer_and_both_widths() {
        let m = messages("Dense<4, 8>, Residual<Dense<8, 3, ReLU>, Dense<3, 5>>, Dense<8, 1>");
        assert_eq!(
            m,
            ["the branch of layer 2 `Residual<Dense<8, 3, ReLU>, Dense<3, 5>>` must end with 8 values, the width the block takes (its output is x + branch(x)), but its last layer 2.2 `Dense<3, 5>` gives 5"]
        );
        let m = messages("Dense<4, 8>, Residual<Dense<6, 8>>");
        assert_eq!(m, ["layer 2.1 `Dense<6, 8>` takes 6 inputs, but layer 1 `Dense<4, 8>` gives 8"]);
        let m = messages("Dense<4, 8>, Residual<Dense<8, 8>, Residual<Dense<8, 2>>>");
        assert!(m[0].contains("but its last layer 2.2.1 `Dense<8, 2>` gives 2"), "{m:?}");
        // The block keeps its input width even when the branch is wrong: no follow-on error.
        assert_eq!(messages("Dense<4, 8>, Residual<Dense<8, 5>>, Dense<8, 1>").len(), 1);
        // First in the network: the width is the branch's inputs.
        assert!(messages("Residual<Dense<4, 8>>")[0].contains("must end with 4 values"));
    }

    #[test]
    fn new_layers_bad_arguments() {
        assert!(messages("Dense<2, 2>, Maxout<2, 2, 0>")[0].contains("`Maxout<2, 2, 0>` has 0 pieces"));
        assert!(messages("Maxout<2, 2>")[0].contains("`Maxout` takes 3 generic arguments"));
        assert!(messages("Maxout<3, 2, 2>, Dense<3, 1>")[0]
            .contains("takes 3 inputs, but layer 1 `Maxout<3, 2, 2>` gives 2"));
        for bad in ["1.0", "-0.5"] {
            let m = messages(&format!("DropConnect<Dense<2, 2>, {bad}>"));
            assert!(m[0].starts_with("the DropConnect probability"), "{m:?}");
            assert!(m[0].contains("must be in [0, 1)"), "{m:?}");
            let m = messages(&format!("Dense<2, 2>, Residual<StochasticDepth<{bad}>, Dense<2, 2>>"));
            assert!(m[0].starts_with("the stochastic depth probability"), "{m:?}");
        }
        assert!(messages("DropConnect<Maxout<2, 2, 2>, 0.5>")[0].contains("drops the weights of a `Dense` layer"));
        assert!(messages("DropConnect<Dense<2, 2>>")[0].contains("`DropConnect` takes 2 generic arguments"));
        assert!(messages("Dense<2, 2>, Residual")[0].contains("`Residual` has no layers"));
        assert!(messages("Dense<2, 2>, Residual<StochasticDepth<0.5>>")[0].contains("has no layers"));
        assert!(messages("Dense<2, 2>, Residual<Dense<2, 2>, StochasticDepth<0.5>>")[0]
            .contains("must be the first argument"));
        assert!(messages("Dense<2, 2>, StochasticDepth<0.5>")[0].contains("is an option of `Residual`"));
        assert!(messages("Dense<2, 2>, Residual<Relu>")[0].contains("layer `Relu`; did you mean `ReLU`?"));
        let m = messages("Dense<2, 3, PReLU<2>>, PReLU<4>");
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].contains("has 2 slopes, one per unit, but it has 3 units; write `PReLU<3>`"), "{m:?}");
        assert!(
            m[1].contains(
                "layer 2 `PReLU<4>` has 4 slopes, one per unit, but layer 1 `Dense<2, 3, PReLU<2>>` gives 3 values"
            ),
            "{m:?}"
        );
        assert!(messages("Dense<2, 3, PReLU<0>>")[0].contains("has 0 slopes"));
        assert!(messages("Dense<2, 3>, PReLU<3, 4>")[0].contains("`PReLU` takes at most 1 generic argument"));
    }

    #[test]
    fn errors_inside_residuals_are_ordered_by_the_outer_layer() {
        let m = messages("Dense<2, 2, Relu>, Residual<Dense<2, 2>, Dropout<2.0>>, Dense<3, 1>");
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m[0].contains("Relu"), "{m:?}");
        assert!(m[1].contains("layer 2.2 `Dropout<2.0>`"), "{m:?}");
        assert!(m[2].contains("layer 3"), "{m:?}");
    }

    #[test]
    fn errors_after_an_invalid_layer_are_still_found() {
        let m = messages("Dense<2, 2, Relu>, Dense<3, 1>, Dropout<2.0>");
        assert_eq!(m.len(), 3, "{m:?}");
    }
}
