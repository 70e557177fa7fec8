//! Learning curves of a [`History`] as SVG (plotters).

use std::path::Path;
use std::string::String;
use std::vec::Vec;

use plotters::prelude::*;

use super::history::History;
use crate::{Error, Result};

/// One line of a chart.
struct Series<'a> {
    label: &'a str,
    values: Vec<f32>,
    color: RGBColor,
}

impl History {
    /// Writes the learning curves to an SVG file: loss (train and validation)
    /// on the left, accuracy (when recorded) on the right.
    pub fn plot_svg(&self, path: impl AsRef<Path>, title: &str) -> Result<()> {
        let path = path.as_ref();
        let svg = self.to_svg(title)?;
        std::fs::write(path, svg).map_err(|e| Error::io(path, e))
    }

    /// The learning curves as an SVG document.
    pub fn to_svg(&self, title: &str) -> Result<String> {
        let mut svg = String::new();
        let has_acc = self.epochs.iter().any(|e| e.accuracy.is_some() || e.val_accuracy.is_some());
        let width = if has_acc { 1000 } else { 560 };
        {
            let root = SVGBackend::with_string(&mut svg, (width, 400)).into_drawing_area();
            let fail = |e: &dyn std::fmt::Display| Error::data("plot", std::format!("{e}"));
            root.fill(&WHITE).map_err(|e| fail(&e))?;
            let body = root.titled(title, ("sans-serif", 20)).map_err(|e| fail(&e))?;
            let panels = if has_acc { body.split_evenly((1, 2)) } else { std::vec![body] };
            let loss = [
                Series { label: "train loss", values: self.epochs.iter().map(|e| e.loss).collect(), color: BLUE },
                Series {
                    label: "validation loss",
                    values: self.epochs.iter().map(|e| e.val_loss.unwrap_or(f32::NAN)).collect(),
                    color: RED,
                },
            ];
            chart(&panels[0], "loss", &loss).map_err(|e| fail(&e))?;
            if has_acc {
                let acc = [
                    Series {
                        label: "train accuracy",
                        values: self.epochs.iter().map(|e| e.accuracy.unwrap_or(f32::NAN)).collect(),
                        color: BLUE,
                    },
                    Series {
                        label: "validation accuracy",
                        values: self.epochs.iter().map(|e| e.val_accuracy.unwrap_or(f32::NAN)).collect(),
                        color: RED,
                    },
                ];
                chart(&panels[1], "accuracy", &acc).map_err(|e| fail(&e))?;
            }
            root.present().map_err(|e| fail(&e))?;
        }
        Ok(svg)
    }
}

/// A palette of distinguishable line colors (Tableau 10).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn plot_error(e: &dyn std::fmt::Display) -> Error {
    Error::data("plot", std::format!("{e}"))
}

/// Several runs in one chart, one color per run: the training loss on the
/// left and, when any run recorded it, the accuracy on the right (validation
/// accuracy where there is one, else training accuracy). For comparing
/// optimizers or settings on the same task.
pub fn compare_svg(runs: &[(&str, &History)], title: &str) -> Result<String> {
    let mut svg = String::new();
    let has_acc = runs.iter().any(|(_, h)| h.epochs.iter().any(|e| e.accuracy.is_some() || e.val_accuracy.is_some()));
    {
        let root = SVGBackend::with_string(&mut svg, (if has_acc { 1100 } else { 640 }, 460)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(&e))?;
        let body = root.titled(title, ("sans-serif", 20)).map_err(|e| plot_error(&e))?;
        let panels = if has_acc { body.split_evenly((1, 2)) } else { std::vec![body] };
        let color = |i: usize| PALETTE[i % PALETTE.len()];
        let loss: Vec<Series> = runs
            .iter()
            .enumerate()
            .map(|(i, (label, h))| Series { label, values: h.epochs.iter().map(|e| e.loss).collect(), color: color(i) })
            .collect();
        chart(&panels[0], "training loss", &loss).map_err(|e| plot_error(&e))?;
        if has_acc {
            let acc: Vec<Series> = runs
                .iter()
                .enumerate()
                .map(|(i, (label, h))| Series {
                    label,
                    values: h.epochs.iter().map(|e| e.val_accuracy.or(e.accuracy).unwrap_or(f32::NAN)).collect(),
                    color: color(i),
                })
                .collect();
            chart(&panels[1], "accuracy (validation if any)", &acc).map_err(|e| plot_error(&e))?;
        }
        root.present().map_err(|e| plot_error(&e))?;
    }
    Ok(svg)
}

/// Writes [`compare_svg`] to a file.
pub fn plot_compare_svg(path: impl AsRef<Path>, title: &str, runs: &[(&str, &History)]) -> Result<()> {
    let path = path.as_ref();
    std::fs::write(path, compare_svg(runs, title)?).map_err(|e| Error::io(path, e))
}

/// One series of an [`xy_svg`] chart.
#[derive(Clone, Copy, Debug)]
pub struct XySeries<'a> {
    /// The legend text.
    pub label: &'a str,
    /// The points `(x, y)`; non-finite ones are skipped.
    pub points: &'a [(f32, f32)],
    /// Draw the points as dots (data) instead of a line (a fitted function).
    pub dots: bool,
}

/// A chart of `y` against `x`, one color per series (lines or dots): fitted
/// functions over their data, per-layer gradient norms against depth, …
/// With `log_y` the values are plotted as `log₁₀ y` (non-positive ones skipped).
pub fn xy_svg(title: &str, x_label: &str, y_label: &str, series: &[XySeries<'_>], log_y: bool) -> Result<String> {
    let mut svg = String::new();
    let tr = |y: f32| {
        if log_y {
            if y > 0.0 {
                y.log10()
            } else {
                f32::NAN
            }
        } else {
            y
        }
    };
    let pts: Vec<Vec<(f32, f32)>> = series
        .iter()
        .map(|s| s.points.iter().map(|&(x, y)| (x, tr(y))).filter(|(x, y)| x.is_finite() && y.is_finite()).collect())
        .collect();
    let all = || pts.iter().flatten();
    let range = |f: fn(&(f32, f32)) -> f32| {
        let (lo, hi) = all().map(f).fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
        if lo.is_finite() {
            let pad = ((hi - lo) * 0.05).max(1e-6);
            (lo - pad, hi + pad)
        } else {
            (0.0, 1.0)
        }
    };
    let ((x0, x1), (y0, y1)) = (range(|p| p.0), range(|p| p.1));
    {
        let root = SVGBackend::with_string(&mut svg, (760, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_error(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| plot_error(&e))?;
        let y_desc = if log_y { std::format!("log10 {y_label}") } else { y_label.into() };
        chart.configure_mesh().x_desc(x_label).y_desc(y_desc).draw().map_err(|e| plot_error(&e))?;
        for (i, (s, p)) in series.iter().zip(&pts).enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            if s.dots {
                chart
                    .draw_series(p.iter().map(|&xy| Circle::new(xy, 2, color.filled())))
                    .map_err(|e| plot_error(&e))?
                    .label(s.label)
                    .legend(move |(x, y)| Circle::new((x + 9, y), 3, color.filled()));
            } else {
                chart
                    .draw_series(LineSeries::new(p.iter().copied(), color.stroke_width(2)))
                    .map_err(|e| plot_error(&e))?
                    .label(s.label)
                    .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| plot_error(&e))?;
        root.present().map_err(|e| plot_error(&e))?;
    }
    Ok(svg)
}

/// Writes [`xy_svg`] to a file.
pub fn plot_xy_svg(
    path: impl AsRef<Path>,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[XySeries<'_>],
    log_y: bool,
) -> Result<()> {
    let path = path.as_ref();
    std::fs::write(path, xy_svg(title, x_label, y_label, series, log_y)?).map_err(|e| Error::io(path, e))
}

impl History {
    /// The diagnostics of a run as an SVG document, one line per layer:
    /// `log₁₀` of the gradient norm `‖∂C/∂θ_l‖₂` (left; layers without
    /// parameters are left out), and the standard deviation (middle) and
    /// mean (right) of the layer outputs, per epoch. Needs
    /// [`Fit::record_gradient_norms`](super::Fit::record_gradient_norms)
    /// and/or [`Fit::record_activations`](super::Fit::record_activations);
    /// a panel without data is left empty.
    pub fn diagnostics_svg(&self, title: &str) -> Result<String> {
        let mut svg = String::new();
        let label = |l: usize| match self.layers.get(l) {
            Some(name) => std::format!("{} {name}", l + 1),
            None => std::format!("layer {}", l + 1),
        };
        let per_layer = |n: usize, value: &dyn Fn(&super::Epoch, usize) -> f32| -> Vec<(String, Vec<f32>)> {
            (0..n).map(|l| (label(l), self.epochs.iter().map(|e| value(e, l)).collect())).collect()
        };
        let n_grad = self.epochs.iter().map(|e| e.grad_norms.len()).max().unwrap_or(0);
        let n_act = self.epochs.iter().map(|e| e.activations.len()).max().unwrap_or(0);
        let grads = per_layer(n_grad, &|e, l| e.grad_norms.get(l).map_or(f32::NAN, |g| g.log10()));
        let stds = per_layer(n_act, &|e, l| e.activations.get(l).map_or(f32::NAN, |a| a.std));
        let means = per_layer(n_act, &|e, l| e.activations.get(l).map_or(f32::NAN, |a| a.mean));
        let series = |rows: &[(String, Vec<f32>)]| -> Vec<(String, Vec<f32>, RGBColor)> {
            rows.iter().enumerate().map(|(i, (l, v))| (l.clone(), v.clone(), PALETTE[i % PALETTE.len()])).collect()
        };
        let (grads, stds, means) = (series(&grads), series(&stds), series(&means));
        {
            let root = SVGBackend::with_string(&mut svg, (1500, 460)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| plot_error(&e))?;
            let body = root.titled(title, ("sans-serif", 20)).map_err(|e| plot_error(&e))?;
            let panels = body.split_evenly((1, 3));
            for (panel, (name, rows)) in
                panels.iter().zip([("log10 gradient norm", &grads), ("output std", &stds), ("output mean", &means)])
            {
                let lines: Vec<Series> =
                    rows.iter().map(|(l, v, c)| Series { label: l, values: v.clone(), color: *c }).collect();
                chart(panel, name, &lines).map_err(|e| plot_error(&e))?;
            }
            root.present().map_err(|e| plot_error(&e))?;
        }
        Ok(svg)
    }

    /// Writes [`diagnostics_svg`](History::diagnostics_svg) to a file.
    pub fn plot_diagnostics_svg(&self, path: impl AsRef<Path>, title: &str) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.diagnostics_svg(title)?).map_err(|e| Error::io(path, e))
    }
}

fn chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    y_label: &str,
    series: &[Series<'_>],
) -> core::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let finite = || series.iter().flat_map(|s| s.values.iter().copied()).filter(|v| v.is_finite());
    let (lo, hi) = finite().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo) * 0.05).max(1e-6);
    let n = series.iter().map(|s| s.values.len()).max().unwrap_or(1).max(2);
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(1f32..n as f32, (lo - pad)..(hi + pad))?;
    chart.configure_mesh().x_desc("epoch").y_desc(y_label).draw()?;
    for s in series {
        let points: Vec<(f32, f32)> =
            s.values.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, &v)| (i as f32 + 1.0, v)).collect();
        if points.is_empty() {
            continue;
        }
        let color = s.color;
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(s.label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::history::Epoch;
    use super::*;

    #[test]
    fn svg_has_both_curves() {
        let mut h = History::default();
        for i in 1..=3 {
            h.epochs.push(Epoch {
                epoch: i,
                loss: 1.0 / i as f32,
                val_loss: Some(1.2 / i as f32),
                accuracy: Some(0.5 + 0.1 * i as f32),
                val_accuracy: Some(0.45 + 0.1 * i as f32),
                ..Epoch::default()
            });
        }
        let svg = h.to_svg("test").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("validation loss") && svg.contains("train accuracy"), "{svg}");
        assert!(svg.matches("<polyline").count() >= 4);
    }

    #[test]
    fn compare_and_diagnostics() {
        let mut a = History::default();
        let mut b = History::default();
        for i in 1..=3 {
            let e = Epoch {
                epoch: i,
                loss: 1.0 / i as f32,
                accuracy: Some(0.5),
                grad_norms: std::vec![0.1, 0.0, 1e-3],
                activations: std::vec![crate::fit::ActivationStats { mean: 0.5, std: 0.1, zero_fraction: 0.0 }; 3],
                ..Epoch::default()
            };
            a.epochs.push(e.clone());
            b.epochs.push(Epoch { loss: 2.0, ..e });
        }
        let svg = compare_svg(&[("adam", &a), ("sgd", &b)], "t").unwrap();
        assert!(svg.contains("adam") && svg.contains("sgd"));
        assert_eq!(svg.matches("stroke=\"#1F77B4\" stroke-width=\"2\"").count(), 4); // 2 curves, 2 legend marks
        assert_eq!(svg.matches("stroke=\"#FF7F0E\" stroke-width=\"2\"").count(), 4);
        a.layers = std::vec!["Dense<2, 3, Tanh>".into(), "Dropout<0.5>".into(), "Dense<3, 1>".into()];
        let svg = a.diagnostics_svg("d").unwrap();
        assert!(svg.contains("1 Dense&lt;2, 3, Tanh&gt;") || svg.contains("1 Dense<2, 3, Tanh>"), "{svg}");
        assert!(svg.contains("log10 gradient norm"));
        let pts = [(0.0, 1.0), (1.0, 10.0), (2.0, 0.0)];
        let svg = xy_svg("x", "depth", "norm", &[XySeries { label: "a", points: &pts, dots: true }], true).unwrap();
        assert_eq!(svg.matches("<circle").count(), 2 + 1, "{svg}"); // y = 0 has no log; 1 legend dot
    }
}
