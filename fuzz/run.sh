#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_SECONDS (default 30) each, starting from the checked-in seeds
# and the regression inputs, and fails if any target finds a crash. A single target:
# `fuzz/run.sh response`. See fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-30}"
# One job per target; libFuzzer's own -jobs/-workers would take both cores of a shared machine.
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(function_name payload_and_client_context response retry_decision sigv4_canonical)
fi

# cargo-fuzz needs a nightly compiler for -Zsanitizer. Where the nightly toolchain is missing
# (a machine that has only the pinned one), the pinned compiler is told to accept nightly flags.
# FUZZ_TOOLCHAIN picks one explicitly.
toolchain="${FUZZ_TOOLCHAIN:-}"
if [ -z "$toolchain" ]; then
    if rustup run nightly rustc --version >/dev/null 2>&1; then
        toolchain=nightly
    else
        toolchain="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' ../rust-toolchain.toml)"
    fi
fi
case "$toolchain" in
    nightly*) ;;
    *)
        export RUSTC_BOOTSTRAP=1
        echo "fuzz: using $toolchain with RUSTC_BOOTSTRAP=1 (no nightly toolchain)"
        ;;
esac
if ! cargo "+$toolchain" fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# cargo-fuzz's defaults: optimised, with debug assertions and overflow checks, and
# AddressSanitizer (its runtime ships with the x86_64 Linux std of both toolchains).
cargo "+$toolchain" fuzz build
failed=()
for target in "${targets[@]}"; do
    corpus="corpus/$target"
    mkdir -p "$corpus"
    # The regression inputs run first thing, with the seeds: a regression fails the run.
    cp "seeds/$target"/* "$corpus"/
    if [ -d "regressions/$target" ]; then
        cp "regressions/$target"/* "$corpus"/
    fi
    log="$(mktemp)"
    # Crashes land in artifacts/<target>/. An input taking over 10 s counts as one (the work per
    # input is linear: anything slower is a bug).
    if cargo "+$toolchain" fuzz run "$target" "$corpus" -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$target")
        tail -n 60 "$log"
    fi
    done_line="$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)"
    corpus_line="$(grep -E '^#[0-9]+.*(DONE|INITED)' "$log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || true)"
    echo "fuzz $target: $status: ${done_line:-no Done line} (${corpus_line:-no stats})"
    rm -f "$log"
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: crashes in ${failed[*]}; the inputs are in fuzz/artifacts/<target>/" >&2
    exit 1
fi
