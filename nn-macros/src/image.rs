//! Image layers: `Input<C, H, W>`, `Conv2d`, `MaxPool2d`, `AvgPool2d` and
//! `Flatten`. Their lowering, the walk that follows the image shape through
//! the network (checking channels, kernel and window sizes, and the width of
//! the `Dense` after `Flatten`), and the Rust types they become, each of
//! which carries every size it needs as a const generic argument (stable
//! Rust cannot compute `C·H·W` from generic parameters).
//!
//! Image sizes are integer literals: the macro computes the shapes, and it
//! cannot read `const` items.

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;

use crate::model::{self, Activation, ActivationKind, Errors, Kind, Layer, Network, Size};
use crate::parse::{Arg, PathArg};

/// The names of the image layers (for "did you mean" suggestions).
pub const LAYERS: [&str; 5] = ["Input", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten"];

/// Channels × height × width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape<T> {
    pub channels: T,
    pub height: T,
    pub width: T,
}

impl Shape<u64> {
    fn flat(&self) -> u64 {
        self.channels * self.height * self.width
    }
}

impl std::fmt::Display for Shape<u64> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}, {}, {}]", self.channels, self.height, self.width)
    }
}

/// `Conv2d<C_IN, C_OUT, K, Act, stride = S, padding = P>`.
pub struct Conv2d {
    pub c_in: Size,
    pub c_out: Size,
    pub kernel: Size,
    pub activation: Option<Activation>,
    /// `None`: 1.
    pub stride: Option<Size>,
    /// `None`: 0.
    pub padding: Option<Size>,
}

/// Lowers one of the [`LAYERS`].
pub fn lower(name: &str, ty: &PathArg, text: &str, errors: &mut Errors) -> Kind {
    let args = model::args(ty);
    match name {
        "Input" => {
            if args.len() != 3 {
                errors.spanned(
                    ty,
                    format!(
                        "`Input` takes 3 generic arguments, the image's channels, height and width (`Input<1, 28, 28>`), but `{text}` has {}",
                        args.len()
                    ),
                );
                return Kind::Invalid;
            }
            Kind::Input(Shape {
                channels: image_size(args[0], errors),
                height: image_size(args[1], errors),
                width: image_size(args[2], errors),
            })
        }
        "Conv2d" => lower_conv(ty, text, &args, errors),
        "MaxPool2d" | "AvgPool2d" => {
            if args.len() != 1 {
                errors.spanned(
                    ty,
                    format!(
                        "`{name}` takes 1 generic argument, the side of its square window (`{name}<2>`), but `{text}` has {}",
                        args.len()
                    ),
                );
                return Kind::Invalid;
            }
            Kind::Pool { max: name == "MaxPool2d", kernel: image_size(args[0], errors) }
        }
        _ => {
            if !args.is_empty() || ty.args.is_some() {
                errors.spanned(
                    ty,
                    format!(
                        "`Flatten` takes no generic arguments, but `{text}` has {}: write `Flatten` (its width is the C·H·W of the image before it)",
                        args.len()
                    ),
                );
                return Kind::Invalid;
            }
            Kind::Flatten
        }
    }
}

fn lower_conv(ty: &PathArg, text: &str, args: &[&Arg], errors: &mut Errors) -> Kind {
    let positional: Vec<&Arg> = args.iter().copied().take_while(|a| !matches!(a, Arg::Named(..))).collect();
    if !(3..=4).contains(&positional.len()) {
        errors.spanned(
            ty,
            format!(
                "`Conv2d` takes 3 or 4 generic arguments, `Conv2d<C_IN, C_OUT, K>` or `Conv2d<C_IN, C_OUT, K, Activation>`, then optionally `stride = S` and `padding = P`, but `{text}` has {}",
                positional.len()
            ),
        );
        return Kind::Invalid;
    }
    let mut conv = Conv2d {
        c_in: image_size(positional[0], errors),
        c_out: image_size(positional[1], errors),
        kernel: image_size(positional[2], errors),
        activation: Some(Activation { kind: ActivationKind::Identity, param: None, channels: None }),
        stride: None,
        padding: None,
    };
    if let Some(act) = positional.get(3) {
        conv.activation = lower_activation_arg(act, errors);
    }
    for arg in &args[positional.len()..] {
        let Arg::Named(name, _, value) = arg else {
            errors.spanned(
                arg,
                format!("expected `stride = S` or `padding = P` after the options of `Conv2d`, found `{}`", arg.text()),
            );
            continue;
        };
        let slot = match name.to_string().as_str() {
            "stride" => &mut conv.stride,
            "padding" => &mut conv.padding,
            other => {
                errors.spanned(name, model::unknown("`Conv2d` option", other, ["stride", "padding"].into_iter()));
                continue;
            }
        };
        if slot.is_some() {
            errors.spanned(arg, format!("`{name}` is given twice in `{text}`"));
        }
        *slot = Some(image_size(value, errors));
    }
    Kind::Conv2d(conv)
}

fn lower_activation_arg(arg: &Arg, errors: &mut Errors) -> Option<Activation> {
    match arg {
        Arg::Path(p) => match model::single_ident(&p.path) {
            Some(name) => match ActivationKind::from_name(&name) {
                Some(kind) => match model::lower_activation(kind, p, errors) {
                    Some(Activation { channels: Some(_), .. }) => {
                        errors.spanned(
                            p,
                            format!(
                                "`{}` inside `Conv2d` is not supported: `PReLU<N>` has one slope per unit of a flat layer; write `PReLU` (one slope for the whole layer)",
                                p.text()
                            ),
                        );
                        None
                    }
                    act => act,
                },
                None => {
                    errors.spanned(&p.path, model::unknown("activation", &name, model::activation_names()));
                    None
                }
            },
            None => {
                errors.spanned(p, format!("expected an activation such as `ReLU`, found `{}`", p.text()));
                None
            }
        },
        other => {
            errors.spanned(other, format!("expected an activation such as `ReLU`, found `{}`", other.text()));
            None
        }
    }
}

/// A size of an image layer: an integer literal (not a `const` name).
fn image_size(arg: &Arg, errors: &mut Errors) -> Size {
    match model::lower_size(arg, errors) {
        Size::Const { text, tokens } => {
            errors.spanned(
                tokens,
                format!(
                    "image sizes must be integer literals, found `{text}`: `network!` computes the shape of every image layer, and it cannot read `const` items"
                ),
            );
            Size::Invalid
        }
        size => size,
    }
}

fn value(size: &Size) -> Option<(u64, Span)> {
    match size {
        Size::Literal { value, span } => Some((*value, *span)),
        _ => None,
    }
}

/// What flows out of the layers walked so far.
#[derive(Clone, Copy)]
enum Flow<'a> {
    /// Nothing yet (before the first layer).
    Start,
    /// Flat values (after a `Dense`).
    Flat(&'a Layer),
    /// An image of this shape, from that layer.
    Image(Shape<u64>, &'a Layer),
    /// A flattened image: `Flatten` (the layer), and the layer that gave the image.
    Flattened(Shape<u64>, &'a Layer, &'a Layer),
    /// Not known (after an error).
    Unknown,
}

/// The image shapes entering and leaving each layer (`None`: not an image,
/// or not known).
type Shapes = Vec<(Option<Shape<u64>>, Option<Shape<u64>>)>;

/// Follows the image shape through the network, reporting every problem.
fn walk(net: &Network, errors: &mut Errors) -> Shapes {
    let image = |flow: Flow| match flow {
        Flow::Image(shape, _) => Some(shape),
        _ => None,
    };
    let mut flow = Flow::Start;
    let mut shapes = Vec::new();
    for layer in &net.layers {
        errors.at(layer.position);
        let before = image(flow);
        flow = match &layer.kind {
            Kind::Input(shape) => input(layer, shape, matches!(flow, Flow::Start), errors),
            Kind::Conv2d(conv) => match image_before(layer, flow, errors) {
                Some((shape, from)) => conv2d(layer, conv, shape, from, errors),
                None => Flow::Unknown,
            },
            Kind::Pool { kernel, .. } => match image_before(layer, flow, errors) {
                Some((shape, from)) => pool(layer, kernel, shape, from, errors),
                None => Flow::Unknown,
            },
            Kind::Flatten => match image_before(layer, flow, errors) {
                Some((shape, from)) => Flow::Flattened(shape, layer, from),
                None => Flow::Unknown,
            },
            Kind::Dense { input, .. } | Kind::Maxout { input, .. } | Kind::DropConnect { input, .. } => {
                match flow {
                    Flow::Image(shape, from) => errors.spanned(
                        &layer.tokens,
                        format!(
                            "{} follows an image: {} gives {shape}; put `Flatten` before it (the `Dense` then takes {} = {} inputs)",
                            layer.label(),
                            from.label(),
                            chw_text(&shape),
                            shape.flat()
                        ),
                    ),
                    Flow::Flattened(shape, flatten, from) => {
                        if let Some((given, span)) = value(input) {
                            if given != shape.flat() {
                                errors.push(syn::Error::new(
                                    span,
                                    format!(
                                        "{} takes {given} inputs, but {} gives C·H·W = {} = {} values (the image {shape} of {})",
                                        layer.label(),
                                        flatten.label(),
                                        chw_text(&shape),
                                        shape.flat(),
                                        from.label()
                                    ),
                                ));
                            }
                        }
                    }
                    _ => {}
                }
                Flow::Flat(layer)
            }
            Kind::Dropout { .. } | Kind::Activation(_) => flow,
            Kind::Residual { .. } => match flow {
                Flow::Image(shape, from) => {
                    errors.spanned(
                        &layer.tokens,
                        format!(
                            "{} follows an image: {} gives {shape}; put `Flatten` before it (residual branches take flat values)",
                            layer.label(),
                            from.label(),
                        ),
                    );
                    flow
                }
                _ => flow,
            },
            Kind::BatchNorm { width } => match flow {
                Flow::Image(shape, from) => {
                    errors.spanned(
                        &layer.tokens,
                        format!(
                            "{} follows an image: {} gives {shape}; `BatchNorm` normalizes flat features (torch `BatchNorm1d`), so put it after `Flatten` (per-channel `BatchNorm2d` is not implemented)",
                            layer.label(),
                            from.label(),
                        ),
                    );
                    // One mistake, one error: the image goes on unchanged.
                    flow
                }
                Flow::Flattened(shape, flatten, from) => match width.as_ref().and_then(value) {
                    Some((given, span)) if given != shape.flat() => {
                        errors.push(syn::Error::new(
                            span,
                            format!(
                                "{} normalizes {given} features, but {} gives C·H·W = {} = {} values (the image {shape} of {})",
                                layer.label(),
                                flatten.label(),
                                chw_text(&shape),
                                shape.flat(),
                                from.label()
                            ),
                        ));
                        Flow::Unknown
                    }
                    _ => flow,
                },
                _ => flow,
            },
            Kind::Invalid => Flow::Unknown,
        };
        shapes.push((before, image(flow)));
    }
    shapes
}

/// Compile-time checks of a `Dense` after `Flatten` whose input width is a
/// `const` name (the macro cannot read it): evaluated by `cargo build`,
/// spanned on the name, with the message the macro would give.
pub fn const_checks(net: &Network) -> Vec<TokenStream> {
    let mut errors = Errors::default();
    let shapes = walk(net, &mut errors);
    let mut checks = Vec::new();
    let mut flattened: Option<(Shape<u64>, &Layer)> = None;
    for (layer, (before, _)) in net.layers.iter().zip(&shapes) {
        match &layer.kind {
            Kind::Flatten => flattened = before.map(|shape| (shape, layer)),
            Kind::Dense { input: Size::Const { tokens, text }, .. } => {
                if let Some((shape, flatten)) = flattened {
                    let message = format!(
                        "{} takes `{text}` inputs, but {} gives C·H·W = {} = {}, which is not `{text}`",
                        layer.label(),
                        flatten.label(),
                        chw_text(&shape),
                        shape.flat()
                    )
                    .replace('{', "{{")
                    .replace('}', "}}");
                    let flat = Literal::usize_unsuffixed(shape.flat() as usize);
                    let span = tokens.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span());
                    checks.push(quote::quote_spanned! {span=>
                        const _: () = ::core::assert!((#tokens) == #flat, #message);
                    });
                }
                flattened = None;
            }
            Kind::Dropout { .. } | Kind::Activation(_) => {}
            _ => flattened = None,
        }
    }
    checks
}

/// `16·5·5`
fn chw_text(shape: &Shape<u64>) -> String {
    format!("{}·{}·{}", shape.channels, shape.height, shape.width)
}

/// Checks every image layer of the network.
pub fn check(net: &Network, errors: &mut Errors) {
    walk(net, errors);
}

fn input<'a>(layer: &'a Layer, shape: &Shape<Size>, first: bool, errors: &mut Errors) -> Flow<'a> {
    if !first {
        errors.spanned(
            &layer.tokens,
            format!("{} must be the first layer: it declares the shape of the network's input", layer.label()),
        );
    }
    let mut known = true;
    let mut size = |s: &Size, what: &str| match value(s) {
        Some((0, span)) => {
            errors.push(syn::Error::new(
                span,
                format!("{} has 0 {what}; an image needs at least 1 channel and a size of at least 1×1", layer.label()),
            ));
            known = false;
            0
        }
        Some((v, _)) => v,
        None => {
            known = false;
            0
        }
    };
    let shape = Shape {
        channels: size(&shape.channels, "channels"),
        height: size(&shape.height, "rows (height)"),
        width: size(&shape.width, "columns (width)"),
    };
    if known && first {
        Flow::Image(shape, layer)
    } else {
        Flow::Unknown
    }
}

/// The image entering `layer`, or an error saying why there is none.
fn image_before<'a>(layer: &Layer, flow: Flow<'a>, errors: &mut Errors) -> Option<(Shape<u64>, &'a Layer)> {
    let what = if matches!(layer.kind, Kind::Flatten) { "flattens" } else { "works on" };
    match flow {
        Flow::Image(shape, from) => return Some((shape, from)),
        Flow::Start => errors.spanned(
            &layer.tokens,
            format!(
                "{} {what} an image, but the network has no input shape: start it with `Input<CHANNELS, HEIGHT, WIDTH>`, e.g. `Input<1, 28, 28>`",
                layer.label()
            ),
        ),
        Flow::Flat(from) => errors.spanned(
            &layer.tokens,
            format!(
                "{} {what} an image, but {} gives flat values, not an image; image layers come before `Flatten` and `Dense`",
                layer.label(),
                from.label()
            ),
        ),
        Flow::Flattened(_, flatten, _) => errors.spanned(
            &layer.tokens,
            format!(
                "{} {what} an image, but {} made the image flat; image layers come before `Flatten`",
                layer.label(),
                flatten.label()
            ),
        ),
        Flow::Unknown => {}
    }
    None
}

fn conv2d<'a>(layer: &'a Layer, conv: &Conv2d, shape: Shape<u64>, from: &Layer, errors: &mut Errors) -> Flow<'a> {
    let mut known = true;
    for (size, what) in
        [(&conv.c_in, "input channels"), (&conv.c_out, "output channels"), (&conv.kernel, "kernel size")]
    {
        match value(size) {
            Some((0, span)) => {
                errors.push(syn::Error::new(
                    span,
                    format!("{} has 0 {what}; channels and kernel sizes must be at least 1", layer.label()),
                ));
                known = false;
            }
            Some(_) => {}
            None => known = false,
        }
    }
    let stride = match &conv.stride {
        None => 1,
        Some(s) => match value(s) {
            Some((0, span)) => {
                errors.push(syn::Error::new(
                    span,
                    format!("{} has stride 0; the stride must be at least 1", layer.label()),
                ));
                known = false;
                1
            }
            Some((v, _)) => v,
            None => {
                known = false;
                1
            }
        },
    };
    let padding = match &conv.padding {
        None => 0,
        Some(p) => value(p).map_or_else(
            || {
                known = false;
                0
            },
            |(v, _)| v,
        ),
    };
    if let Some((c_in, span)) = value(&conv.c_in) {
        if c_in != 0 && c_in != shape.channels {
            errors.push(syn::Error::new(
                span,
                format!(
                    "{} takes {c_in} input channels, but {} gives {} (an image {shape})",
                    layer.label(),
                    from.label(),
                    plural(shape.channels, "channel")
                ),
            ));
        }
    }
    let (Some((c_out, _)), Some((k, k_span))) = (value(&conv.c_out), value(&conv.kernel)) else {
        return Flow::Unknown;
    };
    let (h, w) = (shape.height + 2 * padding, shape.width + 2 * padding);
    if k > 0 && (k > h || k > w) {
        let padded = if padding > 0 {
            format!(", {h}×{w} with padding {padding} ({} + 2·{padding} = {h})", shape.height)
        } else {
            String::new()
        };
        errors.push(syn::Error::new(
            k_span,
            format!(
                "{} has a {k}×{k} kernel, larger than its input: {} gives {}×{}{padded}",
                layer.label(),
                from.label(),
                shape.height,
                shape.width
            ),
        ));
        return Flow::Unknown;
    }
    if !known {
        return Flow::Unknown;
    }
    Flow::Image(Shape { channels: c_out, height: (h - k) / stride + 1, width: (w - k) / stride + 1 }, layer)
}

fn pool<'a>(layer: &'a Layer, kernel: &Size, shape: Shape<u64>, from: &Layer, errors: &mut Errors) -> Flow<'a> {
    let Some((k, span)) = value(kernel) else { return Flow::Unknown };
    if k == 0 {
        errors.push(syn::Error::new(span, format!("{} has a window of 0; it must be at least 1", layer.label())));
        return Flow::Unknown;
    }
    let mut bad = Vec::new();
    for (size, what) in [(shape.height, "height"), (shape.width, "width")] {
        if size % k != 0 {
            bad.push(format!("{what} ({size} = {}·{k} + {})", size / k, size % k));
        }
    }
    if !bad.is_empty() {
        errors.push(syn::Error::new(
            span,
            format!(
                "{} does not divide its input: {} gives {}×{}, and {k} does not divide its {}; choose a window that divides both, or pad the layer before",
                layer.label(),
                from.label(),
                shape.height,
                shape.width,
                bad.join(" and ")
            ),
        ));
        return Flow::Unknown;
    }
    Flow::Image(Shape { channels: shape.channels, height: shape.height / k, width: shape.width / k }, layer)
}

fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The Rust type of the image layer at `index`, and its output width; `None`
/// when the shapes are not known (a network with errors).
pub fn layer_type(
    net: &Network,
    index: usize,
    activation: impl Fn(&Activation) -> TokenStream,
) -> Option<(TokenStream, TokenStream)> {
    let shapes = walk(net, &mut Errors::default());
    let layer = &net.layers[index];
    let lit = |v: u64| {
        let l = Literal::usize_unsuffixed(v as usize);
        quote!(#l)
    };
    let spanned = |s: &Size| {
        let (v, span) = value(s)?;
        let mut l = Literal::usize_unsuffixed(v as usize);
        l.set_span(span);
        Some(quote!(#l))
    };
    if let Kind::Input(shape) = &layer.kind {
        let (c, h, w) = (value(&shape.channels)?.0, value(&shape.height)?.0, value(&shape.width)?.0);
        let n = lit(c * h * w);
        let (c, h, w) = (spanned(&shape.channels)?, spanned(&shape.height)?, spanned(&shape.width)?);
        return Some((quote!(::nn::ImageInput<#c, #h, #w, #n>), n));
    }
    let (shape, out) = shapes[index];
    let shape = shape?;
    let (c, h, w, n_in) = (lit(shape.channels), lit(shape.height), lit(shape.width), lit(shape.flat()));
    match &layer.kind {
        Kind::Conv2d(conv) => {
            let out = out?;
            let (c_in, c_out, k) = (spanned(&conv.c_in)?, spanned(&conv.c_out)?, spanned(&conv.kernel)?);
            let act = activation(conv.activation.as_ref()?);
            let s = conv.stride.as_ref().map_or(Some(quote!(1)), spanned)?;
            let p = conv.padding.as_ref().map_or(Some(quote!(0)), spanned)?;
            let n_out = lit(out.flat());
            Some((quote!(::nn::Conv2d<#c_in, #c_out, #k, #act, #s, #p, #h, #w, #n_in, #n_out>), n_out))
        }
        Kind::Pool { max, kernel } => {
            let out = out?;
            let k = spanned(kernel)?;
            let n_out = lit(out.flat());
            let ty = if *max { quote!(::nn::MaxPool2d) } else { quote!(::nn::AvgPool2d) };
            Some((quote!(#ty<#c, #h, #w, #k, #n_in, #n_out>), n_out))
        }
        Kind::Flatten => Some((quote!(::nn::Flatten<#n_in>), n_in)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::Span;

    use crate::model::{Errors, Network};
    use crate::parse::Input;

    /// Parses the type form, lowers it and checks it; returns all messages.
    fn messages(src: &str) -> Vec<String> {
        let Input::Type(t) = syn::parse_str::<Input>(src).expect("parses") else { panic!("type form") };
        let mut errors = Errors::default();
        let net = Network::lower(&t.layers, Span::call_site(), &mut errors);
        net.check(&mut errors);
        match errors.into_result() {
            Ok(()) => vec![],
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    fn shapes(src: &str) -> Vec<Option<[u64; 3]>> {
        let Input::Type(t) = syn::parse_str::<Input>(src).expect("parses") else { panic!("type form") };
        let net = Network::lower(&t.layers, Span::call_site(), &mut Errors::default());
        super::walk(&net, &mut Errors::default())
            .into_iter()
            .map(|(_, out)| out.map(|s| [s.channels, s.height, s.width]))
            .collect()
    }

    const LENET: &str = "Input<1, 28, 28>, Conv2d<1, 6, 5, ReLU, padding = 2>, MaxPool2d<2>, \
        Conv2d<6, 16, 5, ReLU>, MaxPool2d<2>, Flatten, Dense<400, 120, ReLU>, Dense<120, 84, ReLU>, Dense<84, 10, Softmax>";

    #[test]
    fn lenet_shapes() {
        assert!(messages(LENET).is_empty(), "{:?}", messages(LENET));
        let s = shapes(LENET);
        assert_eq!(
            s[..5],
            [Some([1, 28, 28]), Some([6, 28, 28]), Some([6, 14, 14]), Some([16, 10, 10]), Some([16, 5, 5])]
        );
        assert_eq!(s[5], None);
    }

    #[test]
    fn stride_and_padding() {
        // (9 + 2 − 3) / 2 + 1 = 5; (7 + 0 − 3) / 2 + 1 = 3 (floor, as torch).
        let s = shapes("Input<3, 9, 9>, Conv2d<3, 4, 3, stride = 2, padding = 1>, Conv2d<4, 2, 3, Tanh, stride = 2>");
        assert_eq!(s[1..], [Some([4, 5, 5]), Some([2, 2, 2])]);
        assert!(messages("Input<3, 9, 9>, Conv2d<3, 4, 3, padding = 1, stride = 2>, AvgPool2d<5>, Flatten").is_empty());
    }

    #[test]
    fn dense_after_flatten_names_chw() {
        let m = messages("Input<1, 28, 28>, Conv2d<1, 6, 5>, MaxPool2d<2>, Flatten, Dense<100, 10>");
        assert_eq!(
            m,
            ["layer 5 `Dense<100, 10>` takes 100 inputs, but layer 4 `Flatten` gives C·H·W = 6·12·12 = 864 values (the image [6, 12, 12] of layer 3 `MaxPool2d<2>`)"]
        );
        // Width-preserving layers in between keep the image.
        assert!(messages("Input<2, 4, 4>, ReLU, Flatten, Dropout<0.5>, Tanh, Dense<32, 1>").is_empty());
    }

    #[test]
    fn every_image_error_at_once() {
        let m = messages("Input<1, 8, 8>, Conv2d<2, 4, 9>, Flatten, Dense<10, 2>, Conv2d<2, 2, 1>");
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m[0].contains("takes 2 input channels, but layer 1 `Input<1, 8, 8>` gives 1 channel"), "{m:?}");
        assert!(m[1].contains("has a 9×9 kernel, larger than its input"), "{m:?}");
        assert!(m[2].contains("`Dense<10, 2>` gives flat values, not an image"), "{m:?}");
        // After a layer whose output is unknown, nothing more is said about shapes.
        let m = messages("Input<1, 6, 6>, MaxPool2d<4>, Conv2d<5, 1, 3>, Flatten, Dense<1000, 1>");
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("4 does not divide its height (6 = 1·4 + 2) and width (6 = 1·4 + 2)"), "{m:?}");
    }

    #[test]
    fn no_input_shape() {
        assert!(messages("Conv2d<1, 2, 3>, Flatten, Dense<2, 1>")[0].contains("the network has no input shape"));
        assert!(messages("Dense<4, 16>, MaxPool2d<2>")[0].contains("gives flat values, not an image"));
        assert!(messages("Dense<4, 16>, Input<1, 4, 4>")[0].contains("must be the first layer"));
        assert!(messages("Dense<4, 4>, Flatten")[0].contains("flattens an image"));
    }

    #[test]
    fn zero_sizes_and_arguments() {
        assert!(messages("Input<0, 4, 4>, Flatten")[0].contains("has 0 channels"));
        assert!(messages("Input<1, 4, 4>, Conv2d<1, 2, 0>")[0].contains("has 0 kernel size"));
        assert!(messages("Input<1, 4, 4>, MaxPool2d<0>")[0].contains("window of 0"));
        assert!(messages("Input<1, 4>")[0].contains("`Input` takes 3 generic arguments"));
        assert!(messages("Input<1, 4, 4>, Conv2d<1, 2>")[0].contains("`Conv2d` takes 3 or 4 generic arguments"));
        assert!(messages("Input<1, 4, 4>, Conv2d<1, 2, 3, Relu>")[0].contains("did you mean `ReLU`"));
        assert!(messages("Input<1, 4, 4>, Conv2d<1, 2, 3, paddng = 1>")[0].contains("did you mean `padding`"));
        assert!(messages("Input<1, 4, 4>, Conv2d<1, 2, 3, padding = 1, padding = 1>")[0].contains("given twice"));
        assert!(messages("Input<1, 4, 4>, Flatten<16>")[0].contains("`Flatten` takes no generic arguments"));
        assert!(messages("Input<1, 4, 4>, Conv2d<1, C, 3>")[0].contains("image sizes must be integer literals"));
    }
}
