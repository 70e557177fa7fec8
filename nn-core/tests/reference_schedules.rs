//! Learning-rate schedules against torch.optim.lr_scheduler sequences from
//! `tests/reference/optimizers.py` (float64). Criterion: every rate within
//! `1e-6 · |torch| + 1e-12` (1e-6 relative, the absolute term for the rate 0
//! that cosine annealing reaches; the rates are computed in f64 and rounded
//! to f32 once).

use nn_core::{
    CosineAnnealingLr, ExponentialLr, InverseTimeLr, Optimizer, PlateauMode, ReduceLrOnPlateau, Schedule, Sgd, StepLr,
    ThresholdMode,
};
use serde_json::Value;

const REL: f64 = 1e-6;

fn reference() -> Value {
    let path = format!("{}/../tests/reference/schedules.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

fn f(v: &Value) -> f32 {
    v.as_f64().unwrap() as f32
}

/// The error in units of the tolerance `1e-6·|torch| + 1e-12`, times 1e-6 (≤ 1e-6 passes).
fn rel(rust: f32, torch: f64) -> f64 {
    (f64::from(rust) - torch).abs() / (torch.abs() + 1e-6)
}

#[test]
fn epoch_schedules_match_torch() {
    let data = reference();
    let mut worst: f64 = 0.0;
    let mut kinds = Vec::new();
    for case in data["schedules"].as_array().unwrap() {
        let args = &case["args"];
        let kind = case["kind"].as_str().unwrap();
        let schedule: Box<dyn Schedule> = match kind {
            "InverseTime" => Box::new(InverseTimeLr::new(f(&args["k"]))),
            "StepLR" => Box::new(StepLr::new(args["step_size"].as_u64().unwrap() as usize).gamma(f(&args["gamma"]))),
            "ExponentialLR" => Box::new(ExponentialLr::new(f(&args["gamma"]))),
            "CosineAnnealingLR" => {
                Box::new(CosineAnnealingLr::new(args["T_max"].as_u64().unwrap() as usize).eta_min(f(&args["eta_min"])))
            }
            other => panic!("unknown schedule {other}"),
        };
        kinds.push(kind);
        let base = f(&case["base_lr"]);
        for (epoch, torch) in case["lrs"].as_array().unwrap().iter().enumerate() {
            let (rust, torch) = (schedule.lr(epoch, base), torch.as_f64().unwrap());
            let err = rel(rust, torch);
            worst = worst.max(err);
            assert!(err <= REL, "{kind} {args} epoch {epoch}: {rust} vs torch {torch}");
        }
    }
    for kind in ["InverseTime", "StepLR", "ExponentialLR", "CosineAnnealingLR"] {
        assert!(kinds.contains(&kind), "no reference for {kind}");
    }
    println!("worst relative error {worst:.2e}");
}

#[test]
fn reduce_on_plateau_matches_torch() {
    let data = reference();
    let plateau = &data["plateau"];
    let metrics: Vec<f32> = plateau["metrics"].as_array().unwrap().iter().map(f).collect();
    let mut worst: f64 = 0.0;
    for run in plateau["runs"].as_array().unwrap() {
        let kwargs = run["kwargs"].as_object().unwrap();
        let mut p = ReduceLrOnPlateau::new();
        for (key, value) in kwargs {
            p = match key.as_str() {
                "factor" => p.factor(f(value)),
                "patience" => p.patience(value.as_u64().unwrap() as usize),
                "threshold" => p.threshold(f(value)),
                "cooldown" => p.cooldown(value.as_u64().unwrap() as usize),
                "min_lr" => p.min_lr(f(value)),
                "eps" => p.eps(f(value)),
                "mode" => p.mode(match value.as_str().unwrap() {
                    "min" => PlateauMode::Min,
                    _ => PlateauMode::Max,
                }),
                "threshold_mode" => p.threshold_mode(match value.as_str().unwrap() {
                    "rel" => ThresholdMode::Rel,
                    _ => ThresholdMode::Abs,
                }),
                other => panic!("no builder method for torch argument `{other}`"),
            };
        }
        let mut opt = Sgd::new(f(&run["base_lr"]));
        let torch_lrs = run["lrs"].as_array().unwrap();
        let mut cuts = 0;
        for (epoch, (&m, torch)) in metrics.iter().zip(torch_lrs).enumerate() {
            cuts += usize::from(p.step_optimizer(m, &mut opt));
            let (rust, torch) = (opt.learning_rate(), torch.as_f64().unwrap());
            let err = rel(rust, torch);
            worst = worst.max(err);
            assert!(err <= REL, "{kwargs:?} epoch {epoch}: {rust} vs torch {torch}");
        }
        assert!(cuts > 0, "{kwargs:?}: the reference never cuts the rate");
    }
    println!("worst relative error {worst:.2e}");
}

#[test]
fn plateau_nan_is_a_bad_epoch() {
    let mut p = ReduceLrOnPlateau::new().patience(0).factor(0.5);
    assert_eq!(p.step(f32::NAN, 1.0), 0.5);
    assert_eq!(p.best(), None);
    assert_eq!(p.step(2.0, 0.5), 0.5);
    assert_eq!(p.best(), Some(2.0));
}

#[test]
fn closures_are_schedules() {
    let halve_every_epoch = |epoch: usize, base: f32| base / (1 << epoch) as f32;
    assert_eq!(halve_every_epoch.lr(3, 1.0), 0.125);
}
