#!/usr/bin/env bash
# Footprint of nn on a Cortex-M4F (QEMU mps2-an386), measured exactly as the
# MicroFlow anchor (../shared/anchors/microflow-sine/measure.sh): increments of
# flash, static RAM and peak stack over an empty baseline firmware with the same
# runtime, and instructions per inference counted with SysTick under -icount.
#
#   bash embedded/footprint/measure.sh [--out result.json]     # from the repository root
#
# Builds the firmware in this directory for each variant (baseline; sine =
# 1-16-16-1 f32 model baked into flash; train = sine + one Adam step on the
# device; mnist = 784-128-10 baked into flash; sine-int8, mnist-int8 = the same
# models quantized to int8 by nn::quant) at opt-level "s" and 3, runs each
# under QEMU, and prints the table. When the anchor's cm4_cycles.py is found
# (../shared/anchors/microflow-sine/ beside the repository) it also estimates
# Cortex-M4 cycles per inference from an instruction trace. Build output goes to
# $WORK (default /tmp/nn-footprint-measure).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="${WORK:-/tmp/nn-footprint-measure}"
out_json=""
if [[ "${1:-}" == "--out" ]]; then out_json="$(realpath -m "${2:?--out needs a file name}")"; fi
mkdir -p "$work/elf" "$work/log"
anchor="${ANCHOR:-$repo/../shared/anchors/microflow-sine}"
cycles_py="$anchor/cm4_cycles.py"

command -v qemu-system-arm >/dev/null || { echo "qemu-system-arm is missing (apt-get install qemu-system-arm)"; exit 1; }
rustup target add thumbv7em-none-eabihf >/dev/null 2>&1 || true
rustup component add llvm-tools >/dev/null 2>&1 || true
host="$(rustc -vV | sed -n 's/^host: //p')"
bin="$(rustc --print sysroot)/lib/rustlib/$host/bin"
size="$bin/llvm-size"
objdump="$bin/llvm-objdump"

qemu=(timeout 300 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic
      -semihosting-config enable=on,target=native -icount shift=8)
qemu_trace=("${qemu[@]}" -singlestep -d exec,nochain)

rows="$work/rows.tsv"
printf 'variant\topt\ttext\tdata\tbss\tstack_infer\tstack_total\tinsns\tcheck\tcyc_p2\tstack_train\tinsns_train\n' > "$rows"
cd "$here"
for opt in s 3; do
    for variant in baseline sine train mnist sine-int8 mnist-int8; do
        feat=(); [[ $variant != baseline ]] && feat=(--features "$variant")
        CARGO_TARGET_DIR="$work/target-o$opt" CARGO_PROFILE_RELEASE_OPT_LEVEL="$opt" \
            cargo build --release --locked -p nn-footprint "${feat[@]}"
        elf="$work/elf/$variant-o$opt.elf"
        cp "$work/target-o$opt/thumbv7em-none-eabihf/release/nn-footprint" "$elf"
        log="$work/log/$variant-o$opt.txt"
        "$size" -A "$elf" > "$work/log/$variant-o$opt.size.txt"
        # No panicking call in the inference and training code (docs/embedded.md,
        # "Bounds checks in the hot loops").
        panics="$("$objdump" -d --no-show-raw-insn -C "$elf" \
            | awk '/^[0-9a-f]+ <(nn_core|nn_footprint::infer|nn_footprint::train)/{f=1} /^$/{f=0}
                   f && /bl[[:space:]].*(panic_bounds_check|slice_index|unwrap_failed)/')"
        [[ -z $panics ]] || { echo "a panicking call in the hot code ($variant, opt $opt):"; echo "$panics"; exit 1; }
        read -r text data bss _ < <("$size" -B "$elf" | sed -n 2p)
        "${qemu[@]}" -kernel "$elf" > "$log" 2>&1 || { echo "QEMU run failed ($variant, opt $opt):"; cat "$log"; exit 1; }
        echo "== $variant, opt-level $opt"; cat "$log"
        cyc=""
        # (not for MNIST: a trace of its 11 inferences would be millions of lines)
        if [[ -f $cycles_py && $variant != mnist* ]]; then
            "${qemu_trace[@]}" -kernel "$elf" 2>&1 >/dev/null \
                | python3 "$cycles_py" "$elf" "$objdump" > "$work/log/$variant-o$opt.cycles.txt"
            cat "$work/log/$variant-o$opt.cycles.txt"
            cyc="$(sed -n 's/.*cycles_P2=\([0-9]*\).*/\1/p' "$work/log/$variant-o$opt.cycles.txt")"
        fi
        get() { sed -n "s/^$1: *//p" "$log"; }
        insns="$(get insns_per_inference | sed -n 's/.*mean=\([0-9]*\).*/\1/p')"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$opt" "$text" "$data" "$bss" \
            "$(get stack_peak_inference_bytes)" "$(get stack_peak_total_bytes)" "$insns" \
            "$(get 'check' | sed 's/.*bits=//')" "${cyc:-0}" "$(get stack_peak_train_bytes)" "$(get insns_per_train_step)" >> "$rows"
    done
done

# The host's output of the sine model for infer(0.5), which the device must reproduce bit for bit.
expect_bits="$(sed -n 's/^sine x=3f000000 y=\([0-9a-f]*\).*/\1/p' "$here/../assets/sine_expected.txt")"
# The same for the int8 sine model (the host's nn::quant path).
expect_int8="$(sed -n 's/^sine x=3f000000 y=\([0-9a-f]*\).*/\1/p' "$here/../assets/sine_int8_expected.txt")"

python3 - "$rows" "$out_json" "$expect_bits" "$(rustc --version)" "$(qemu-system-arm --version | head -1)" "$expect_int8" <<'PY'
import csv, json, sys, datetime
rows_path, out_json, expect_bits, rustc, qemu, expect_int8 = sys.argv[1:7]
res = {}
for r in csv.DictReader(open(rows_path), delimiter="\t"):
    t, d, b = int(r["text"]), int(r["data"]), int(r["bss"])
    res[(r["variant"], r["opt"])] = dict(
        flash_bytes=t + d, ram_static_bytes=d + b,
        stack_peak_inference_bytes=int(r["stack_infer"]), stack_peak_total_bytes=int(r["stack_total"]),
        insns_per_inference=int(r["insns"]), est_cycles_per_inference=int(r["cyc_p2"] or 0),
        stack_peak_train_bytes=int(r["stack_train"] or 0), insns_per_train_step=int(r["insns_train"] or 0),
        check_bits=r["check"])
bad = [k for k in (("sine", "s"), ("sine", "3"), ("train", "s"), ("train", "3")) if res[k]["check_bits"] != expect_bits]
bad += [k for k in (("sine-int8", "s"), ("sine-int8", "3")) if res[k]["check_bits"] != expect_int8]
# MicroFlow anchor increments (../shared/anchors/microflow-sine/result.json)
mf = {"s": dict(flash=1712, ram=0, stack=396, insns=8889, cyc=10252), "3": dict(flash=2864, ram=0, stack=372, insns=2410, cyc=3046)}
print("\n| model (increment over the empty baseline) | opt | flash B | static RAM B | peak stack B (inference) | insns / inference | est. M4 cycles |")
print("|---|---|---|---|---|---|---|")
inc = {}
for o in ("s", "3"):
    b = res[("baseline", o)]
    print(f"| MicroFlow sine 1-16-16-1, int8 (anchor) | {o} | +{mf[o]['flash']:,} | +{mf[o]['ram']} | +{mf[o]['stack']} | +{mf[o]['insns']:,} | +{mf[o]['cyc']:,} |")
    for v, name in (("sine", "nn sine 1-16-16-1, f32"), ("train", "nn sine + training linked (Adam)"), ("mnist", "nn MNIST 784-128-10, f32"),
                    ("sine-int8", "nn sine 1-16-16-1, int8"), ("mnist-int8", "nn MNIST 784-128-10, int8")):
        m = res[(v, o)]
        i = {k: m[k] - b[k] for k in ("flash_bytes", "ram_static_bytes", "stack_peak_inference_bytes", "insns_per_inference", "est_cycles_per_inference")}
        inc[f"{v}-opt-{o}"] = i
        cyc = f"{i['est_cycles_per_inference']:+,}" if m["est_cycles_per_inference"] else "n/a"
        print(f"| {name} | {o} | +{i['flash_bytes']:,} | +{i['ram_static_bytes']} | {i['stack_peak_inference_bytes']:+} | {i['insns_per_inference']:+,} | {cyc} |")
for o in ("s", "3"):
    t, s_ = res[("train", o)], res[("sine", o)]
    print(f"training at opt {o}: +{t['flash_bytes'] - s_['flash_bytes']:,} B flash over inference only, "
          f"peak stack {t['stack_peak_train_bytes']:,} B in a training step (batch 10, Adam, buffers on the stack), "
          f"{t['insns_per_train_step']:,} instructions per step")
for o in ("s", "3"):
    b = res[("baseline", o)]
    print(f"baseline at opt {o}: {b['flash_bytes']:,} B flash, {b['ram_static_bytes']} B static RAM, "
          f"{b['stack_peak_inference_bytes']} / {b['stack_peak_total_bytes']} B stack (inference / whole run)")
print("sine infer(0.5) bits: host", expect_bits, "| device", {f"{k[0]}-{k[1]}": v["check_bits"] for k, v in res.items() if k[0] in ("sine", "train")})
print("sine int8 infer(0.5) bits: host", expect_int8, "| device", {f"{k[0]}-{k[1]}": v["check_bits"] for k, v in res.items() if k[0] == "sine-int8"})
if out_json:
    doc = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "rustc": rustc, "qemu": qemu,
           "target": "thumbv7em-none-eabihf, QEMU mps2-an386 -cpu cortex-m4 -icount shift=8",
           "builds": {f"{k[0]}-opt-{k[1]}": v for k, v in res.items()}, "increment_over_baseline": inc}
    json.dump(doc, open(out_json, "w"), indent=2)
    print("wrote", out_json)
# The goals of the embedded issue: in f32, no more flash than MicroFlow's sine
# model and fewer instructions per inference, at both opt levels.
missed = [f"opt {o}: {k} {inc[f'sine-opt-{o}'][k]:,} against MicroFlow's {mf[o][m]:,}"
          for o in ("s", "3") for k, m, strict in (("flash_bytes", "flash", False), ("insns_per_inference", "insns", True))
          if inc[f"sine-opt-{o}"][k] > mf[o][m] or (strict and inc[f"sine-opt-{o}"][k] == mf[o][m])]
print("f32 sine against MicroFlow (flash no more, fewer instructions, both opt levels):", "; ".join(missed) or "met")
if bad:
    sys.exit(f"the device's sine output differs from the host's (f32 {expect_bits}, int8 {expect_int8}) in {bad}")
if missed:
    sys.exit("the f32 sine model misses MicroFlow's figures: " + "; ".join(missed))
PY
