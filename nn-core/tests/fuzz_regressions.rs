//! The fuzz targets of `fuzz/` as plain tests on stable Rust: the committed
//! corpus and crash inputs are replayed, a bounded mutational fuzz loop runs
//! from valid files, and proptest checks the save/load round trips.

use std::path::{Path, PathBuf};

use nn_core::checkpoint::Checkpoint;
use nn_core::io::LoadOptions;
use nn_core::safetensors::Keys;
use nn_core::{Adam, Network, Optimizer, Scalar};
use proptest::prelude::*;

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;

use targets::Net;

type Target = fn(&[u8]);
const TARGETS: [(&str, Target); 4] = [
    ("weights_from_bytes", targets::weights),
    ("idx_parse", targets::idx),
    ("safetensors_import", targets::safetensors),
    ("checkpoint_from_bytes", targets::checkpoint),
];

/// Valid inputs of each target: the seeds of the fuzz corpus.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let net = Net::boxed(&mut nn_core::rng(1));
    match target {
        "weights_from_bytes" => vec![net.to_bytes(), targets::Other::boxed(&mut nn_core::rng(2)).to_bytes()],
        "idx_parse" => {
            let mut labels = vec![0, 0, 8, 1, 0, 0, 0, 3];
            labels.extend_from_slice(&[7, 2, 1]);
            let mut images = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2];
            images.extend_from_slice(&[0, 64, 128, 255, 1, 2, 3, 4]);
            vec![labels, images]
        }
        "safetensors_import" => vec![nn_core::safetensors::to_bytes(&*net, Keys::Sequential).unwrap()],
        "checkpoint_from_bytes" => {
            let mut opt = Adam::new(0.01);
            let mut params = net.params().to_vec();
            opt.step(&mut params, &[0.5; Net::PARAMS]);
            let mut c = Checkpoint::capture(&*net, &mut opt, &nn_core::rng(3), 1).unwrap();
            c.order = vec![2, 0, 1];
            c.history.epochs.push(nn_core::fit::Epoch {
                epoch: 1,
                loss: 0.5,
                val_loss: Some(0.7),
                ..Default::default()
            });
            c.callbacks = vec![vec![1, 2, 3], vec![]];
            vec![c.to_bytes::<Net>()]
        }
        _ => unreachable!(),
    }
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Every file of `fuzz/corpus/<target>` (the seeds) and `fuzz/regressions/<target>`
/// (inputs that once crashed a target or found a bug).
#[test]
fn committed_corpus_and_regressions_replay() {
    let mut count = 0;
    for (name, target) in TARGETS {
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz_dir().join(dir).join(name)) else { continue };
            for entry in entries {
                let path = entry.unwrap().path();
                target(&std::fs::read(&path).unwrap());
                count += 1;
            }
        }
    }
    println!("replayed {count} committed inputs");
    assert!(count >= 5, "the seeds are committed");
}

/// Writes the seeds into `fuzz/corpus` (run once after a format change).
#[test]
#[ignore = "writes files: run to regenerate the fuzz seeds"]
fn write_fuzz_seeds() {
    for (name, _) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, seed) in seeds(name).iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), seed).unwrap();
        }
    }
}

/// One random mutation of `v`: bit flips, bytes, truncation, insertion,
/// huge length fields, a copied chunk.
fn mutate(v: &mut Vec<u8>, rng: &mut nn_core::Rng) {
    let len = v.len();
    match rng.below(7) {
        0 if len > 0 => {
            let i = rng.below(len);
            v[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            v[i] = rng.below(256) as u8;
        }
        2 => v.truncate(rng.below(len + 1)),
        3 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(16);
            for _ in 0..n {
                v.insert(at, rng.below(256) as u8);
            }
        }
        4 if len >= 8 => {
            let at = rng.below(len - 7);
            let value: u64 = match rng.below(4) {
                0 => u64::MAX,
                1 => u64::from(u32::MAX),
                2 => 1 << (32 + rng.below(31)),
                _ => rng.below(1 << 20) as u64,
            };
            v[at..at + 8].copy_from_slice(&value.to_le_bytes());
        }
        5 if len >= 4 => {
            let at = rng.below(len - 3);
            v[at..at + 4].copy_from_slice(&(rng.below(1 << 31) as u32).to_le_bytes());
        }
        _ if len > 1 => {
            let a = rng.below(len);
            let b = a + rng.below(len - a);
            let chunk = v[a..b].to_vec();
            let at = rng.below(v.len() + 1);
            v.splice(at..at, chunk);
        }
        _ => v.push(rng.below(256) as u8),
    }
}

/// A bounded fuzz loop on stable Rust, from the seeds.
#[test]
fn bounded_mutational_fuzzing() {
    let mut rng = nn_core::rng(2026);
    for (name, target) in TARGETS {
        let started = std::time::Instant::now();
        let seeds = seeds(name);
        let mut runs = 0;
        for i in 0..4000 {
            let mut input = seeds[i % seeds.len()].clone();
            for _ in 0..1 + rng.below(4) {
                mutate(&mut input, &mut rng);
            }
            target(&input);
            runs += 1;
        }
        println!("{name}: {runs} mutated inputs in {:.2?}, no panic", started.elapsed());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn weight_file_round_trip(bits in proptest::collection::vec(any::<u32>(), Net::PARAMS)) {
        let mut net = Net::zeroed_boxed();
        for (p, b) in net.params_mut().iter_mut().zip(&bits) {
            *p = f32::from_bits(*b);
        }
        let bytes = net.to_bytes();
        let back = Net::from_bytes_with(&bytes, LoadOptions::new().allow_non_finite(true)).unwrap();
        let back_bits: Vec<u32> = back.params().iter().map(|p| p.to_bits()).collect();
        prop_assert_eq!(&back_bits, &bits);
        let finite = net.params().iter().all(|p| p.is_finite());
        prop_assert_eq!(Net::from_bytes(&bytes).is_ok(), finite);
    }

    #[test]
    fn safetensors_round_trip(values in proptest::collection::vec(-1e30f32..1e30, Net::PARAMS)) {
        let mut net = Net::zeroed_boxed();
        net.params_mut().copy_from_slice(&values);
        let bytes = nn_core::safetensors::to_bytes(&*net, Keys::Sequential).unwrap();
        let back = nn_core::safetensors::from_bytes::<Net>(&bytes, Keys::Sequential).unwrap();
        prop_assert_eq!(back.params(), net.params());
    }

    #[test]
    fn checkpoint_round_trip(
        epoch in 0usize..1_000_000,
        params in proptest::collection::vec(any::<f32>(), Net::PARAMS),
        state in proptest::collection::vec(any::<f32>(), 0..64),
        rng in any::<[u64; 4]>(),
        order in proptest::collection::vec(0usize..1000, 0..50),
        losses in proptest::collection::vec((any::<f32>(), proptest::option::of(any::<f32>())), 0..10),
        callbacks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 0..4),
        steps in any::<u64>(),
    ) {
        let c = Checkpoint {
            epoch,
            params,
            optimizer_kind: "Custom".into(),
            optimizer_scalars: vec![("lr".into(), Scalar::F32(0.5)), ("steps".into(), Scalar::U64(steps)),
                ("mu".into(), Scalar::F64(0.25)), ("flag".into(), Scalar::Bool(true))],
            optimizer_state: state,
            rng,
            order,
            history: nn_core::fit::History {
                epochs: losses.iter().enumerate().map(|(i, &(loss, val_loss))| nn_core::fit::Epoch {
                    epoch: i + 1, loss, val_loss, ..Default::default()
                }).collect(),
                stopped_early: false,
                ..Default::default()
            },
            callbacks,
        };
        let bytes = c.to_bytes::<Net>();
        let back = Checkpoint::from_bytes::<Net>(&bytes, "x").unwrap();
        prop_assert_eq!(back.to_bytes::<Net>(), bytes);
    }
}

#[test]
fn optimizer_scalars_round_trip_through_set_scalar() {
    let mut a = Adam::new(0.01).amsgrad(true);
    let mut params = vec![1.0f32; 5];
    a.step(&mut params, &[0.5; 5]);
    let mut scalars = Vec::new();
    assert!(a.scalars(&mut |n, v| scalars.push((n, v))));
    let mut b = Adam::new(0.5);
    for (n, v) in &scalars {
        assert!(b.set_scalar(n, *v), "{n}");
    }
    assert!(!b.set_scalar("lr", Scalar::U64(1)), "a scalar of the wrong type is refused");
    assert!(!b.set_scalar("nope", Scalar::F32(1.0)));
    *b.owned_state() = a.owned_state().clone();
    let (mut pa, mut pb) = (params.clone(), params.clone());
    a.step(&mut pa, &[0.25; 5]);
    b.step(&mut pb, &[0.25; 5]);
    assert_eq!(pa, pb);
}
