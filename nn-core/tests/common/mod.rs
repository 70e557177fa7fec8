//! Shared by the reference tests: loading `tests/reference/*.json` (written by
//! `tests/reference/losses.py`, PyTorch in float64) and comparing within 1e-5.

#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;

/// The tolerance: `|ours − torch| ≤ REL · max(1, |torch|)` for every number.
pub const REL: f64 = 1e-5;

/// Reads `tests/reference/NAME` of the workspace.
pub fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/reference").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

pub fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("expected a number, found {v}"))
}

pub fn list(v: &Value) -> Vec<f64> {
    v.as_array().unwrap_or_else(|| panic!("expected a list, found {v}")).iter().map(num).collect()
}

pub fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap_or_else(|| panic!("expected a list of rows, found {v}")).iter().map(list).collect()
}

/// The rows as `f32`, flat (row-major). The references store inputs that are
/// exactly `f32` numbers, so the cast is exact.
pub fn flat_f32(v: &Value) -> Vec<f32> {
    rows(v).into_iter().flatten().map(|x| x as f32).collect()
}

/// Fixed-width rows, for the network API.
pub fn arrays<const N: usize>(v: &Value) -> Vec<[f32; N]> {
    rows(v)
        .iter()
        .map(|r| {
            assert_eq!(r.len(), N, "row width");
            core::array::from_fn(|i| r[i] as f32)
        })
        .collect()
}

/// Collects every comparison, remembers the worst relative error, and lists
/// all failures at once.
#[derive(Default)]
pub struct Report {
    pub compared: usize,
    pub worst: f64,
    pub worst_at: String,
    pub failures: Vec<String>,
}

impl Report {
    /// Compares `ours` (f32) with the torch float64 value `torch`.
    pub fn check(&mut self, what: impl FnOnce() -> String, ours: f32, torch: f64) {
        self.compared += 1;
        let ours = f64::from(ours);
        let err = (ours - torch).abs() / torch.abs().max(1.0);
        if !ours.is_finite() || err.is_nan() || err > REL {
            self.failures.push(format!("{}: ours {ours:e}, torch {torch:e}, relative error {err:.3e}", what()));
        } else if err > self.worst {
            self.worst = err;
            self.worst_at = what();
        }
    }

    pub fn check_all(&mut self, what: &str, ours: &[f32], torch: &[f64]) {
        assert_eq!(ours.len(), torch.len(), "{what}: lengths differ");
        for (i, (&o, &t)) in ours.iter().zip(torch).enumerate() {
            self.check(|| format!("{what}[{i}]"), o, t);
        }
    }

    /// Prints the summary (visible with `--nocapture`) and fails on any mismatch.
    pub fn finish(self, name: &str) {
        println!(
            "{name}: {} numbers compared with torch, max relative error {:.3e} (at {})",
            self.compared, self.worst, self.worst_at
        );
        assert!(self.compared > 0, "{name}: nothing compared");
        assert!(
            self.failures.is_empty(),
            "{name}: {} of {} numbers differ from torch by more than {REL} relative:\n{}",
            self.failures.len(),
            self.compared,
            self.failures.join("\n")
        );
    }
}
