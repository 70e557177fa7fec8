//! The model: a plain description of the layers, their widths and spans.
//!
//! Lowering from the syntax tree reports what cannot be understood at all
//! (unknown layers and activations, wrong numbers of generic arguments, sizes
//! that are not integers); such pieces become `Invalid` so that [`check`](crate::check)
//! still validates everything else.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::Ident;

use crate::parse::{Arg, LayerAst, PathArg};

/// A network as the later stages see it.
pub struct Network {
    pub layers: Vec<Layer>,
    /// Where to report network-wide errors (an empty network).
    pub span: Span,
}

/// One layer.
pub struct Layer {
    /// 1-based position, as messages count (inside a `Residual`: in its branch).
    pub position: usize,
    /// The positions of the `Residual` layers this one is inside, outermost
    /// first (empty at the top level): layer `2.1` is the first of the
    /// branch of layer 2.
    pub outer: Vec<usize>,
    pub name: Option<Ident>,
    pub kind: Kind,
    /// Normalized source text: `Dense<784, 128, ReLU>`.
    pub text: String,
    /// The layer's tokens, for spans covering the whole layer.
    pub tokens: TokenStream,
}

/// What a layer is.
pub enum Kind {
    Dense {
        input: Size,
        output: Size,
        activation: Option<Activation>,
    },
    Dropout {
        p: Option<Float>,
    },
    Activation(Activation),
    /// `BatchNorm<N>`, or bare `BatchNorm` (the width of the layer before it).
    BatchNorm {
        width: Option<Size>,
    },
    /// `Input<C, H, W>`: the shape of an image input.
    Input(crate::image::Shape<Size>),
    /// `Conv2d<C_IN, C_OUT, K, Act, stride = S, padding = P>`.
    Conv2d(crate::image::Conv2d),
    /// `MaxPool2d<K>` (`max`) or `AvgPool2d<K>`.
    Pool {
        max: bool,
        kernel: Size,
    },
    /// `Flatten`: the end of the image shape.
    Flatten,
    /// `Maxout<IN, OUT, K>`: the maximum of `K` affine pieces per unit.
    Maxout {
        input: Size,
        output: Size,
        pieces: Size,
    },
    /// `DropConnect<Dense<IN, OUT, Act>, P>`: a `Dense` whose weights are dropped.
    DropConnect {
        input: Size,
        output: Size,
        activation: Option<Activation>,
        p: Option<Float>,
    },
    /// `Residual<[StochasticDepth<P>,] Layer, ...>`: `x + branch(x)`.
    Residual {
        /// The stochastic depth probability, when written.
        p: Option<Float>,
        /// The layers of the branch (their `outer` ends with this layer's position).
        branch: Vec<Layer>,
    },
    /// Unknown or malformed; already reported.
    Invalid,
}

/// A layer width.
#[derive(Clone)]
pub enum Size {
    /// An integer literal.
    Literal { value: u64, span: Span },
    /// A `const` item (or block), checked by the compiler after expansion.
    Const { tokens: TokenStream, text: String },
    /// Malformed; already reported.
    Invalid,
}

/// A float generic argument (`Dropout<0.5>`, `LeakyReLU<0.1>`).
#[derive(Clone)]
pub struct Float {
    pub value: f64,
    /// The literal's tokens (with a leading `-`), for error spans.
    pub tokens: TokenStream,
    /// The source text: `1.0`, `-0.1`.
    pub text: String,
}

/// An activation with its parameter.
#[derive(Clone)]
pub struct Activation {
    pub kind: ActivationKind,
    /// α of `LeakyReLU<α>` / `ELU<α>`, when written.
    pub param: Option<Float>,
    /// `N` of `PReLU<N>` (one learned slope per unit), when written.
    pub channels: Option<Size>,
}

/// The activation vocabulary (named as users write it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::upper_case_acronyms)] // the names users write in `network!`
pub enum ActivationKind {
    Identity,
    Step,
    Sigmoid,
    Tanh,
    ReLU,
    LeakyReLU,
    PReLU,
    ELU,
    Softplus,
    Softmax,
}

impl ActivationKind {
    pub const ALL: [ActivationKind; 10] = [
        ActivationKind::Identity,
        ActivationKind::Step,
        ActivationKind::Sigmoid,
        ActivationKind::Tanh,
        ActivationKind::ReLU,
        ActivationKind::LeakyReLU,
        ActivationKind::PReLU,
        ActivationKind::ELU,
        ActivationKind::Softplus,
        ActivationKind::Softmax,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ActivationKind::Identity => "Identity",
            ActivationKind::Step => "Step",
            ActivationKind::Sigmoid => "Sigmoid",
            ActivationKind::Tanh => "Tanh",
            ActivationKind::ReLU => "ReLU",
            ActivationKind::LeakyReLU => "LeakyReLU",
            ActivationKind::PReLU => "PReLU",
            ActivationKind::ELU => "ELU",
            ActivationKind::Softplus => "Softplus",
            ActivationKind::Softmax => "Softmax",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether it takes an optional float parameter (`LeakyReLU<0.1>`).
    pub fn takes_param(self) -> bool {
        matches!(self, ActivationKind::LeakyReLU | ActivationKind::ELU)
    }
}

const LAYERS: [&str; 6] = ["Dense", "Dropout", "BatchNorm", "Maxout", "DropConnect", "Residual"];

/// Collects errors; they are reported in the order of the layers they concern.
#[derive(Default)]
pub struct Errors {
    list: Vec<(usize, syn::Error)>,
    layer: usize,
    /// Inside the branch of a `Residual`: its top-level position, which orders the errors.
    within: Option<usize>,
}

impl Errors {
    /// Errors pushed from now on concern the layer at `position` (1-based; 0: the network).
    pub fn at(&mut self, position: usize) {
        self.layer = self.within.unwrap_or(position);
    }
    pub fn push(&mut self, error: syn::Error) {
        self.list.push((self.layer, error));
    }
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }
    pub fn into_result(mut self) -> syn::Result<()> {
        self.list.sort_by_key(|(layer, _)| *layer);
        let mut errors = self.list.into_iter().map(|(_, e)| e);
        match errors.next() {
            Some(mut first) => {
                first.extend(errors);
                Err(first)
            }
            None => Ok(()),
        }
    }
}

impl Network {
    /// Lowers parsed layers, reporting what cannot be understood into `errors`.
    pub fn lower(layers: &[LayerAst], span: Span, errors: &mut Errors) -> Network {
        let layers = layers.iter().enumerate().map(|(i, ast)| Layer::lower(i + 1, ast, errors)).collect::<Vec<_>>();
        Network { layers, span }
    }
}

impl Layer {
    fn lower(position: usize, ast: &LayerAst, errors: &mut Errors) -> Layer {
        errors.at(position);
        let ty = &ast.ty;
        let text = ty.text();
        let kind = match single_ident(&ty.path).as_deref() {
            Some("Dense") => lower_dense(ty, &text, errors),
            Some("Dropout") => lower_dropout(ty, &text, errors),
            Some("BatchNorm") => lower_batch_norm(ty, &text, errors),
            Some(name @ ("Input" | "Conv2d" | "MaxPool2d" | "AvgPool2d" | "Flatten")) => {
                crate::image::lower(name, ty, &text, errors)
            }
            Some("Maxout") => lower_maxout(ty, &text, errors),
            Some("DropConnect") => lower_drop_connect(ty, &text, errors),
            Some("Residual") => lower_residual(position, ty, &text, errors),
            Some("StochasticDepth") => {
                errors.spanned(
                    ty,
                    format!(
                        "`{text}` is an option of `Residual`, not a layer: write it first inside one, as in `Residual<{text}, Dense<64, 64, ReLU>, Dense<64, 64>>`"
                    ),
                );
                Kind::Invalid
            }
            Some(name) => match ActivationKind::from_name(name) {
                Some(kind) => match lower_activation(kind, ty, errors) {
                    Some(act) => Kind::Activation(act),
                    None => Kind::Invalid,
                },
                None => {
                    let names = LAYERS.iter().copied().chain(activation_names()).chain(crate::image::LAYERS);
                    errors.spanned(&ty.path, unknown("layer", name, names));
                    Kind::Invalid
                }
            },
            None => {
                errors.spanned(
                    &ty.path,
                    format!(
                        "expected a layer name such as `Dense`, `Dropout` or `ReLU`, found the path `{}`; write the name alone",
                        ty.text().split('<').next().unwrap_or_default()
                    ),
                );
                Kind::Invalid
            }
        };
        Layer { position, outer: Vec::new(), name: ast.name.clone(), kind, text, tokens: ty.to_token_stream() }
    }

    /// `layer 3 `Dense<100, 10, Softmax>``, for messages; inside a `Residual`
    /// at position 2: `layer 2.1 `Dense<64, 64>``.
    pub fn label(&self) -> String {
        let mut number = String::new();
        for outer in &self.outer {
            number.push_str(&format!("{outer}."));
        }
        format!("layer {number}{} `{}`", self.position, self.text)
    }

    /// The position of the top-level layer this one is (or is inside): what orders the errors.
    pub fn top(&self) -> usize {
        self.outer.first().copied().unwrap_or(self.position)
    }

    /// Sets `outer` of this layer and of the layers inside it.
    fn nest_in(&mut self, outer: usize) {
        self.outer.insert(0, outer);
        if let Kind::Residual { branch, .. } = &mut self.kind {
            for layer in branch {
                layer.nest_in(outer);
            }
        }
    }
}

pub(crate) fn activation_names() -> impl Iterator<Item = &'static str> + Clone {
    ActivationKind::ALL.into_iter().map(ActivationKind::name)
}

pub(crate) fn single_ident(path: &syn::Path) -> Option<String> {
    (path.leading_colon.is_none() && path.segments.len() == 1).then(|| path.segments[0].ident.to_string())
}

/// `unknown activation `Relu`; did you mean `ReLU`?` (or the list of choices).
pub(crate) fn unknown<'a>(what: &str, name: &str, choices: impl Iterator<Item = &'a str> + Clone) -> String {
    let close = choices.clone().find(|c| c.eq_ignore_ascii_case(name) || edit_distance(c, name) <= 2);
    match close {
        Some(c) => format!("unknown {what} `{name}`; did you mean `{c}`?"),
        None => {
            let list: Vec<String> = choices.map(|c| format!("`{c}`")).collect();
            format!("unknown {what} `{name}`; expected one of {}", list.join(", "))
        }
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(crate) fn args(ty: &PathArg) -> Vec<&Arg> {
    ty.args.as_ref().map(|a| a.list.iter().collect()).unwrap_or_default()
}

fn lower_dense(ty: &PathArg, text: &str, errors: &mut Errors) -> Kind {
    let args = args(ty);
    if !(2..=3).contains(&args.len()) {
        let found = args.len();
        errors.spanned(
            ty,
            format!(
                "`Dense` takes 2 or 3 generic arguments, `Dense<INPUTS, OUTPUTS>` or `Dense<INPUTS, OUTPUTS, Activation>`, but `{text}` has {found}"
            ),
        );
        return Kind::Invalid;
    }
    let input = lower_size(args[0], errors);
    let output = lower_size(args[1], errors);
    let activation = match args.get(2) {
        None => Some(Activation { kind: ActivationKind::Identity, param: None, channels: None }),
        Some(Arg::Path(p)) => match single_ident(&p.path) {
            Some(name) => match ActivationKind::from_name(&name) {
                Some(kind) => lower_activation(kind, p, errors),
                None => {
                    errors.spanned(&p.path, unknown("activation", &name, activation_names()));
                    None
                }
            },
            None => {
                errors.spanned(p, format!("expected an activation such as `ReLU`, found `{}`", p.text()));
                None
            }
        },
        Some(other) => {
            errors.spanned(
                other,
                format!("expected an activation such as `ReLU` or `Softmax`, found `{}`", other.text()),
            );
            None
        }
    };
    Kind::Dense { input, output, activation }
}

fn lower_dropout(ty: &PathArg, text: &str, errors: &mut Errors) -> Kind {
    let args = args(ty);
    if args.len() != 1 {
        errors.spanned(
            ty,
            format!(
                "`Dropout` takes 1 generic argument, the probability of dropping a value (`Dropout<0.5>`), but `{text}` has {}",
                args.len()
            ),
        );
        return Kind::Invalid;
    }
    Kind::Dropout { p: lower_float(args[0], "the dropout probability", errors) }
}

fn lower_batch_norm(ty: &PathArg, text: &str, errors: &mut Errors) -> Kind {
    let args = args(ty);
    match args.len() {
        0 => Kind::BatchNorm { width: None },
        1 => Kind::BatchNorm { width: Some(lower_size(args[0], errors)) },
        n => {
            errors.spanned(
                ty,
                format!(
                    "`BatchNorm` takes at most 1 generic argument, the number of features (`BatchNorm<128>`), but `{text}` has {n}"
                ),
            );
            Kind::Invalid
        }
    }
}

pub(crate) fn lower_activation(kind: ActivationKind, ty: &PathArg, errors: &mut Errors) -> Option<Activation> {
    let args = args(ty);
    match (kind.takes_param(), args.len()) {
        (_, 0) => Some(Activation { kind, param: None, channels: None }),
        (true, 1) => {
            let param = lower_float(args[0], &format!("the α of `{}`", kind.name()), errors)?;
            Some(Activation { kind, param: Some(param), channels: None })
        }
        (false, 1) if kind == ActivationKind::PReLU => match lower_size(args[0], errors) {
            Size::Invalid => None,
            size => Some(Activation { kind, param: None, channels: Some(size) }),
        },
        (false, n) if kind == ActivationKind::PReLU => {
            errors.spanned(
                ty,
                format!(
                    "`PReLU` takes at most 1 generic argument, its number of slopes (`PReLU<128>`: one per unit, as torch `nn.PReLU(128)`), but `{}` has {n}",
                    ty.text()
                ),
            );
            None
        }
        (true, n) => {
            errors.spanned(
                ty,
                format!(
                    "`{0}` takes at most 1 generic argument, its α (`{0}<0.1>`), but `{1}` has {n}",
                    kind.name(),
                    ty.text()
                ),
            );
            None
        }
        (false, _) => {
            errors.spanned(
                ty,
                format!(
                    "`{0}` takes no generic arguments, but `{1}` has {2}: write `{0}` (a standalone activation keeps the width of the layer before it)",
                    kind.name(),
                    ty.text(),
                    args.len()
                ),
            );
            None
        }
    }
}

pub(crate) fn lower_size(arg: &Arg, errors: &mut Errors) -> Size {
    match arg {
        Arg::Lit(syn::Lit::Int(int)) => match int.base10_parse::<u64>() {
            Ok(value) => Size::Literal { value, span: int.span() },
            Err(_) if int.base10_digits().starts_with('-') => {
                errors.spanned(int, format!("layer size must be a positive integer, found `{int}`"));
                Size::Invalid
            }
            Err(_) => {
                errors.spanned(int, format!("layer size `{int}` is not a valid integer"));
                Size::Invalid
            }
        },
        Arg::Path(p) if p.args.is_none() => Size::Const { tokens: p.to_token_stream(), text: p.text() },
        Arg::Block(b) => Size::Const { tokens: b.to_token_stream(), text: arg.text() },
        Arg::Neg(..) => {
            errors.spanned(arg, format!("layer size must be a positive integer, found `{}`", arg.text()));
            Size::Invalid
        }
        _ => {
            errors.spanned(
                arg,
                format!("layer size must be a positive integer or the name of a `const`, found `{}`", arg.text()),
            );
            Size::Invalid
        }
    }
}

fn lower_float(arg: &Arg, what: &str, errors: &mut Errors) -> Option<Float> {
    let (negative, lit) = match arg {
        Arg::Lit(lit) => (false, lit),
        Arg::Neg(_, lit) => (true, lit),
        Arg::Path(_) | Arg::Block(_) | Arg::Named(..) => {
            errors.spanned(
                arg,
                format!(
                    "{what} must be a number literal such as `0.5`, found `{}` (stable Rust has no float const generics, so write the number itself)",
                    arg.text()
                ),
            );
            return None;
        }
    };
    let value = match lit {
        syn::Lit::Float(f) => f.base10_parse::<f64>().ok(),
        syn::Lit::Int(i) => i.base10_parse::<f64>().ok(),
        _ => None,
    };
    match value {
        Some(v) if v.is_finite() => {
            Some(Float { value: if negative { -v } else { v }, tokens: arg.to_token_stream(), text: arg.text() })
        }
        _ => {
            errors.spanned(arg, format!("{what} must be a number literal such as `0.5`, found `{}`", arg.text()));
            None
        }
    }
}

fn lower_maxout(ty: &PathArg, text: &str, errors: &mut Errors) -> Kind {
    let args = args(ty);
    if args.len() != 3 {
        errors.spanned(
            ty,
            format!(
                "`Maxout` takes 3 generic arguments, `Maxout<INPUTS, OUTPUTS, PIECES>` (each output the maximum of PIECES affine pieces), but `{text}` has {}",
                args.len()
            ),
        );
        return Kind::Invalid;
    }
    Kind::Maxout {
        input: lower_size(args[0], errors),
        output: lower_size(args[1], errors),
        pieces: lower_size(args[2], errors),
    }
}

fn lower_drop_connect(ty: &PathArg, text: &str, errors: &mut Errors) -> Kind {
    let args = args(ty);
    if args.len() != 2 {
        errors.spanned(
            ty,
            format!(
                "`DropConnect` takes 2 generic arguments, a `Dense` layer and the probability of dropping one of its weights (`DropConnect<Dense<784, 128, ReLU>, 0.5>`), but `{text}` has {}",
                args.len()
            ),
        );
        return Kind::Invalid;
    }
    let p = lower_float(args[1], "the DropConnect probability", errors);
    match args[0] {
        Arg::Path(dense) if single_ident(&dense.path).as_deref() == Some("Dense") => {
            match lower_dense(dense, &dense.text(), errors) {
                Kind::Dense { input, output, activation } => Kind::DropConnect { input, output, activation, p },
                _ => Kind::Invalid,
            }
        }
        other => {
            errors.spanned(
                other,
                format!(
                    "`DropConnect` drops the weights of a `Dense` layer, written as its first argument (`DropConnect<Dense<784, 128, ReLU>, 0.5>`), but found `{}`",
                    other.text()
                ),
            );
            Kind::Invalid
        }
    }
}

fn lower_residual(position: usize, ty: &PathArg, text: &str, errors: &mut Errors) -> Kind {
    let args = args(ty);
    let mut p = None;
    let mut branch = Vec::new();
    let outer = errors.within.unwrap_or(position);
    for (i, arg) in args.iter().enumerate() {
        let Arg::Path(layer) = arg else {
            errors.spanned(
                arg,
                format!("expected a layer such as `Dense<64, 64, ReLU>` inside `Residual`, found `{}`", arg.text()),
            );
            continue;
        };
        if single_ident(&layer.path).as_deref() == Some("StochasticDepth") {
            let sd = self::args(layer);
            if i != 0 {
                errors.spanned(
                    layer,
                    format!(
                        "`{}` must be the first argument of `Residual`, before the layers of the branch",
                        layer.text()
                    ),
                );
            } else if sd.len() != 1 {
                errors.spanned(
                    layer,
                    format!(
                        "`StochasticDepth` takes 1 generic argument, the probability of dropping the branch (`StochasticDepth<0.2>`), but `{}` has {}",
                        layer.text(),
                        sd.len()
                    ),
                );
            } else {
                p = lower_float(sd[0], "the stochastic depth probability", errors);
            }
            continue;
        }
        let within = errors.within.replace(outer);
        let ast = LayerAst { name: None, ty: layer.clone() };
        let mut inner = Layer::lower(branch.len() + 1, &ast, errors);
        errors.within = within;
        inner.nest_in(position);
        branch.push(inner);
    }
    if branch.is_empty() {
        errors.spanned(
            ty,
            format!(
                "`{text}` has no layers: a residual block needs at least one layer in its branch, as in `Residual<Dense<64, 64, ReLU>, Dense<64, 64>>`"
            ),
        );
        return Kind::Invalid;
    }
    Kind::Residual { p, branch }
}
