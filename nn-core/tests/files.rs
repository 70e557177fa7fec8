//! The weight file under bad input and failing disks: every case is a clear
//! `Err`, nothing that was there is overwritten, and nothing panics.

use std::fs;
use std::path::{Path, PathBuf};

use nn_core::io::{self, LoadOptions};
use nn_core::{Chain, Dense, Network, ReLU, Sigmoid, Tanh};

type Net = Chain<Dense<3, 4, ReLU>, Dense<4, 2, Sigmoid>>;
type Other = Chain<Dense<3, 4, Tanh>, Dense<4, 2, Sigmoid>>;
type Big = Chain<Dense<64, 64, ReLU>, Dense<64, 64>>;

fn net(seed: u64) -> Box<Net> {
    Net::boxed(&mut nn_core::rng(seed))
}

fn error(bytes: &[u8]) -> String {
    Net::from_bytes(bytes).unwrap_err().to_string()
}

/// A fresh empty directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nn-files-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

#[test]
fn wrong_magic() {
    let mut b = net(1).to_bytes();
    b[..8].copy_from_slice(b"NNWEIGHX");
    assert_eq!(error(&b), "weights: not an nn weight file (wrong magic bytes)");
    assert!(error(b"PK\x03\x04 a zip file, not weights").contains("wrong magic"));
}

#[test]
fn newer_version() {
    let mut b = net(1).to_bytes();
    b[8..12].copy_from_slice(&2u32.to_le_bytes());
    assert_eq!(
        error(&b),
        "weights: format version 2, but this build of nn reads version 1 (the file is newer: update nn)"
    );
    b[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(error(&b).contains("format version 4294967295"));
}

#[test]
fn truncated_at_every_length() {
    let good = net(1).to_bytes();
    for len in 0..good.len() {
        let e = error(&good[..len]);
        assert!(e.contains("truncated") || e.contains("checksum"), "{len} bytes: {e}");
    }
    // Padded is wrong too.
    let mut padded = good.clone();
    padded.push(0);
    assert!(error(&padded).contains("padded"));
}

#[test]
fn every_flipped_byte_is_detected() {
    let good = net(1).to_bytes();
    for i in 0..good.len() {
        for bit in [0x01u8, 0x80] {
            let mut b = good.clone();
            b[i] ^= bit;
            let e = Net::from_bytes(&b).expect_err(&format!("byte {i} flipped by {bit:#x} was accepted"));
            let _ = e.to_string();
        }
    }
    let mut b = good.clone();
    let n = b.len();
    b[n - 20] ^= 0x04; // a weight
    assert_eq!(error(&b), "weights: damaged file: the checksum does not match (a byte was changed)");
}

#[test]
fn a_different_architecture_names_both() {
    let other = Other::boxed(&mut nn_core::rng(1)).to_bytes();
    assert_eq!(
        error(&other),
        "weights: the file holds `Dense<3, 4, Tanh>, Dense<4, 2, Sigmoid>` (26 parameters), but this network is \
         `Dense<3, 4, ReLU>, Dense<4, 2, Sigmoid>` (26 parameters)"
    );
    let big = Big::boxed(&mut nn_core::rng(1)).to_bytes();
    let e = error(&big);
    assert!(e.contains("`Dense<64, 64, ReLU>, Dense<64, 64, Identity>` (8320 parameters)"), "{e}");
    assert!(e.contains("`Dense<3, 4, ReLU>, Dense<4, 2, Sigmoid>` (26 parameters)"), "{e}");
}

#[test]
fn a_matching_fingerprint_with_another_architecture_text_is_refused() {
    // The text is the architecture; the fingerprint only a 64-bit digest of it.
    let mut b = net(1).to_bytes();
    let at = b.windows(4).position(|w| w == b"ReLU").unwrap();
    b[at..at + 4].copy_from_slice(b"ReLu");
    let n = b.len() - 4;
    let crc = crc32fast_hash(&b[..n]);
    b[n..].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        error(&b),
        "weights: the file holds `Dense<3, 4, ReLu>, Dense<4, 2, Sigmoid>` (26 parameters), but this network is \
         `Dense<3, 4, ReLU>, Dense<4, 2, Sigmoid>` (26 parameters)"
    );
}

/// CRC-32 (IEEE), bitwise.
fn crc32fast_hash(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn nan_and_infinity_are_refused_unless_asked() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut a = net(1);
        a.params_mut()[7] = bad;
        let bytes = a.to_bytes();
        assert_eq!(error(&bytes), "weights: parameter 7 is not finite (NaN or infinite); refusing to load it");
        let b = Net::from_bytes_with(&bytes, LoadOptions::new().allow_non_finite(true)).unwrap();
        assert_eq!(b.params()[7].to_bits(), bad.to_bits());
        assert_eq!(b.params()[..7], a.params()[..7]);
    }
}

#[test]
fn a_failed_read_leaves_the_network_unchanged() {
    let mut target = net(5);
    let before = target.params().to_vec();
    let mut nan = net(1);
    nan.params_mut()[0] = f32::NAN;
    let other = Other::boxed(&mut nn_core::rng(1)).to_bytes();
    let good = net(1).to_bytes();
    for bytes in [&nan.to_bytes()[..], &other[..], &good[..good.len() - 1], &good[..3]] {
        assert!(io::read_into(&mut *target, bytes, "x", false).is_err());
        assert_eq!(target.params(), &before[..]);
    }
}

#[test]
fn save_load_round_trip_and_overwrite() {
    let dir = scratch("round-trip");
    let path = dir.join("net.nnw");
    net(1).save(&path).unwrap();
    net(2).save(&path).unwrap();
    assert_eq!(Net::load(&path).unwrap().params(), net(2).params());
    assert_eq!(entries(&dir), ["net.nnw"]);
    let nan_path = dir.join("nan.nnw");
    let mut nan = net(3);
    nan.params_mut()[1] = f32::NAN;
    nan.save(&nan_path).unwrap();
    assert!(Net::load(&nan_path).unwrap_err().to_string().contains("parameter 1 is not finite"));
    assert!(Net::load_with(&nan_path, LoadOptions::new().allow_non_finite(true)).unwrap().params()[1].is_nan());
    let e = Other::load(&path).unwrap_err().to_string();
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn concurrent_saves_to_one_path_leave_one_whole_file() {
    let dir = scratch("concurrent");
    let path = dir.join("net.nnw");
    let nets: Vec<Box<Net>> = (0..6).map(net).collect();
    std::thread::scope(|s| {
        for n in &nets {
            let path = &path;
            s.spawn(move || {
                for _ in 0..25 {
                    n.save(path).unwrap();
                }
            });
        }
    });
    let loaded = Net::load(&path).unwrap();
    assert!(nets.iter().any(|n| n.params() == loaded.params()), "the file is one of the saved networks, whole");
    assert_eq!(entries(&dir), ["net.nnw"]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stale_temporary_file_is_neither_used_nor_removed() {
    // A crash can leave a temporary file; a later save must not write into
    // it (it could be another process's) nor fail because of it.
    let dir = scratch("stale");
    let path = dir.join("net.nnw");
    // The names this process's next saves would pick (a counter after the pid).
    let stale: Vec<PathBuf> = (0..300).map(|n| dir.join(format!(".net.nnw.tmp{}.{n}", std::process::id()))).collect();
    for s in &stale {
        fs::write(s, b"left by a crash").unwrap();
    }
    for _ in 0..3 {
        net(1).save(&path).unwrap();
    }
    assert_eq!(Net::load(&path).unwrap().params(), net(1).params());
    assert!(stale.iter().all(|s| fs::read(s).unwrap() == b"left by a crash"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_path_that_is_a_directory() {
    let dir = scratch("is-a-dir");
    let target = dir.join("model.nnw");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("inside.txt"), b"keep me").unwrap();
    let e = net(1).save(&target).unwrap_err().to_string();
    assert!(e.starts_with(&target.display().to_string()), "{e}");
    assert_eq!(fs::read(target.join("inside.txt")).unwrap(), b"keep me");
    assert_eq!(entries(&dir), ["model.nnw"], "no temporary file is left behind");
    let e = Net::load(&target).unwrap_err().to_string();
    assert!(e.starts_with(&target.display().to_string()), "{e}");
    // The directory itself, and a path ending in `..`, are not file names.
    assert!(net(1).save(&dir).is_err());
    assert!(net(1).save(dir.join("..")).is_err());
    assert!(net(1).save(dir.join("missing").join("net.nnw")).is_err());
    assert_eq!(entries(&dir), ["model.nnw"]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_read_only_file_is_not_replaced() {
    // Checked from the mode bits, so this holds for root too.
    let dir = scratch("read-only-file");
    let path = dir.join("net.nnw");
    net(1).save(&path).unwrap();
    let old = fs::read(&path).unwrap();
    let mut perms = fs::metadata(&path).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&path, perms.clone()).unwrap();
    let e = net(2).save(&path).unwrap_err().to_string();
    assert!(e.contains("read-only") && e.starts_with(&path.display().to_string()), "{e}");
    assert_eq!(fs::read(&path).unwrap(), old);
    assert_eq!(entries(&dir), ["net.nnw"]);
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    fs::set_permissions(&path, perms).unwrap();
    fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn no_write_permission_on_the_directory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("read-only-dir");
    let path = dir.join("net.nnw");
    net(1).save(&path).unwrap();
    let old = fs::read(&path).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
    // Root (CAP_DAC_OVERRIDE) writes into a directory whatever its mode.
    let probe = dir.join("probe");
    let privileged = fs::write(&probe, b"").is_ok();
    let result = net(2).save(&path);
    if privileged {
        let _ = fs::remove_file(&probe);
        println!(
            "no_write_permission_on_the_directory: the permission failure is not observable here (running \
             with privileges that ignore directory modes, e.g. as root); checking instead that the save \
             went through whole"
        );
        result.unwrap();
        assert_eq!(Net::load(&path).unwrap().params(), net(2).params());
    } else {
        let e = result.unwrap_err().to_string();
        assert!(e.starts_with(&path.display().to_string()) && e.contains("ermission denied"), "{e}");
        assert_eq!(fs::read(&path).unwrap(), old);
    }
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(entries(&dir), ["net.nnw"], "no temporary file is left behind");
    fs::remove_dir_all(&dir).unwrap();
}

/// A full disk in the middle of writing, made by the kernel: the test runs
/// itself again in a child process whose file size limit (`ulimit -f`,
/// RLIMIT_FSIZE, honoured for root too) is smaller than the new file, with
/// SIGXFSZ ignored so that the write fails with EFBIG instead of killing
/// the process. The child's save must fail and the old file survive.
#[cfg(unix)]
#[test]
fn a_failure_mid_write_keeps_the_old_file() {
    const CHILD: &str = "NN_FILES_FULL_DISK_CHILD";
    if let Ok(path) = std::env::var(CHILD) {
        let new = Big::boxed(&mut nn_core::rng(2));
        match new.save(&path) {
            Ok(()) => panic!("the save went through despite the file size limit"),
            Err(e) => println!("CHILD-ERROR: {e}"),
        }
        return;
    }
    let dir = scratch("mid-write");
    let path = dir.join("big.nnw");
    let old_net = Big::boxed(&mut nn_core::rng(1));
    old_net.save(&path).unwrap();
    let old = fs::read(&path).unwrap();
    assert!(old.len() > 32 * 1024);
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 16 && exec \"$0\" \"$@\"")
        .arg(&exe)
        .args(["--exact", "a_failure_mid_write_keeps_the_old_file", "--nocapture", "--test-threads=1"])
        .env(CHILD, &path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let at = stdout.find("CHILD-ERROR: ").unwrap_or_else(|| panic!("the child reports no error: {stdout}"));
    let line = stdout[at..].lines().next().unwrap();
    println!("{line}");
    assert!(line.contains(&path.display().to_string()) && line.contains("too large"), "{line}");
    assert_eq!(fs::read(&path).unwrap(), old, "the old file is intact");
    assert_eq!(Big::load(&path).unwrap().params(), old_net.params());
    assert_eq!(entries(&dir), ["big.nnw"], "the partial temporary file was removed");
    fs::remove_dir_all(&dir).unwrap();
}
