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
}
