#!/usr/bin/env bash
# The benchmark suite: builds the release harness and the bench binary, times whole processes
# with hyperfine against a fast loopback stub (lambda-invoke with a warm cache and without one,
# curl --aws-sigv4, and the native aws-sdk-lambda peer when built), measures sizes and peak
# memory, then runs the bench binary (in-process parts) and prints one markdown table.
#
#   bench/run.sh [lambda-invoke-bench options, e.g. --tasks 5000]
#   BENCH_NATIVE=1 bench/run.sh      # also builds bench/native-peer (many minutes, once)
#
# Results go to target/bench/ (results.md, whole-process.json, whole-process.md).
# Installs hyperfine and GNU time with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$TARGET/bench
mkdir -p "$OUT"

step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)" >&2; }

step "tools"
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
hyperfine --version >&2

step "build (release)"
cargo build --release --locked -p lambda-invoke -p lambda-invoke-bench
LI=$TARGET/release/lambda-invoke
BENCH=$TARGET/release/lambda-invoke-bench
NATIVE_DIR=$ROOT/bench/native-peer
NATIVE=$NATIVE_DIR/target/release/lambda-invoke-native-peer
if [ "${BENCH_NATIVE:-0}" = 1 ]; then
    step "build the native aws-sdk-lambda peer (BENCH_NATIVE=1)"
    (cd "$NATIVE_DIR" && env -u CARGO_TARGET_DIR cargo build --release --locked)
fi
[ -x "$NATIVE" ] || NATIVE=

# Only what the commands need: no profile, no proxy, no real AWS configuration.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA \
    HTTPS_PROXY HTTP_PROXY NO_PROXY https_proxy http_proxy no_proxy ALL_PROXY all_proxy
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export LAMBDA_INVOKE_CACHE_DIR=$OUT/cache
rm -rf "$LAMBDA_INVOKE_CACHE_DIR"

step "start the fast stub"
"$BENCH" stub >"$OUT/stub.url" &
STUB_PID=$!
trap 'kill "$STUB_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    [ -s "$OUT/stub.url" ] && break
    sleep 0.05
done
URL=$(head -n1 "$OUT/stub.url")
[ -n "$URL" ] || { echo "the stub printed no URL" >&2; exit 1; }
echo "stub: $URL (signature check off)" >&2

ARGS="--function-name echo --region us-east-1 --endpoint-url $URL --payload {}"
CMD_CACHED="$LI $ARGS"
CMD_NO_CACHE="$LI --no-cache $ARGS"
CMD_CURL="curl -sS --fail --aws-sigv4 aws:amz:us-east-1:lambda --user $AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY -X POST -d {} $URL/2015-03-31/functions/echo/invocations"
CMD_NATIVE=${NATIVE:+"$NATIVE --endpoint-url $URL --function-name echo --region us-east-1 --payload {}"}

step "check each command once (and warm the cache)"
for cmd in "$CMD_CACHED" "$CMD_NO_CACHE" "$CMD_CURL" ${CMD_NATIVE:+"$CMD_NATIVE"}; do
    answer=$($cmd)
    [ "$answer" = "{}" ] || { echo "unexpected answer from: $cmd: $answer" >&2; exit 1; }
done
ls "$LAMBDA_INVOKE_CACHE_DIR" >/dev/null

step "part 1: whole process (hyperfine)"
commands=(-n "lambda-invoke (cached)" "$CMD_CACHED"
    -n "lambda-invoke --no-cache" "$CMD_NO_CACHE"
    -n "curl --aws-sigv4" "$CMD_CURL")
[ -n "$CMD_NATIVE" ] && commands+=(-n "native SDK peer" "$CMD_NATIVE")
hyperfine -N --warmup 5 --min-runs 50 --style basic \
    --export-json "$OUT/whole-process.json" --export-markdown "$OUT/whole-process.md" \
    "${commands[@]}" >&2

step "part 5: sizes and peak memory"
# The component is embedded in the binary; this is the file build.rs embedded (newest build).
COMPONENT=$(ls -t "$TARGET"/release/build/lambda-invoke-*/out/lambda-invoke-guest-target/wasm32-wasip2/guest/lambda_invoke_guest.wasm | head -n1)
stat -c '%s bytes  %n' "$COMPONENT" "$LI" >&2

# Peak RSS (KiB, GNU time's %M, as `time -v` reports "Maximum resident set size"): median of 5 runs.
peak_rss() {
    local runs=()
    for _ in 1 2 3 4 5; do
        /usr/bin/time -o "$OUT/time.txt" -f %M "$@" >/dev/null
        runs+=("$(tail -n1 "$OUT/time.txt")")
    done
    printf '%s\n' "${runs[@]}" | sort -n | sed -n 3p
}
rss=(--peak-rss "lambda-invoke (cached)=$(peak_rss $CMD_CACHED)"
    --peak-rss "lambda-invoke --no-cache=$(peak_rss $CMD_NO_CACHE)"
    --peak-rss "curl --aws-sigv4=$(peak_rss $CMD_CURL)")
[ -n "$CMD_NATIVE" ] && rss+=(--peak-rss "native SDK peer=$(peak_rss $CMD_NATIVE)")
printf '%s\n' "${rss[@]}" | grep = >&2

kill "$STUB_PID" 2>/dev/null || true
wait "$STUB_PID" 2>/dev/null || true
trap - EXIT

step "parts 2-4: in process (lambda-invoke-bench), and the table"
"$BENCH" --hyperfine "$OUT/whole-process.json" --harness-binary "$LI" "${rss[@]}" \
    ${NATIVE:+--native-peer "$NATIVE"} "$@" | tee "$OUT/results.md"
