#!/usr/bin/env bash
# End-to-end test of the `lambda-invoke` CLI against moto, a real AWS emulator that checks SigV4
# signatures against IAM users (tests/moto/README.md). Installs pinned moto in a venv under
# target/, builds the CLI, starts moto_server on 127.0.0.1 on a free port, runs
# test_lambda_invoke.py (unittest: its last line is "OK" on success) and always stops moto.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/tests/moto
VENV=$ROOT/target/moto-venv
PY=$VENV/bin/python
LOG=$ROOT/target/moto-server.log
START=$SECONDS
# No __pycache__ in tests/moto (run.sh imports the test module to read SETUP_CALLS).
export PYTHONDONTWRITEBYTECODE=1

step() { printf '\n== moto: %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "venv"
# Reinstall only when requirements.txt changed (its hash is kept in the venv).
STAMP=$VENV/.requirements.sha256
WANT=$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)
if [[ ! -x $PY || ! -f $STAMP || $(cat "$STAMP") != "$WANT" ]]; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$PY" -m pip install --disable-pip-version-check --quiet -r "$HERE/requirements.txt"
    echo "$WANT" >"$STAMP"
fi
"$PY" -c 'import moto, boto3; print("moto", moto.__version__, "boto3", boto3.__version__)'

step "build"
# With the tests' feature set (--tests), so that after `cargo test --workspace` (as in .ci/run)
# this only links the binary instead of building wasmtime again with other features.
cargo build --locked --workspace --bins --tests
# The binary is where cargo put it (CARGO_TARGET_DIR and build.target-dir respected).
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps --locked |
    "$PY" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
BIN=$TARGET_DIR/debug/lambda-invoke
[[ -x $BIN ]] || { echo "no CLI at $BIN" >&2; exit 1; }

step "moto_server"
# moto authenticates every request after the first INITIAL_NO_AUTH_ACTION_COUNT ones: exactly
# the test's unauthenticated setup calls (SETUP_CALLS in test_lambda_invoke.py).
SETUP_CALLS=$(cd "$HERE" && "$PY" -c 'import test_lambda_invoke as t; print(t.SETUP_CALLS)')
MOTO_PID=
stop_moto() {
    if [[ -n $MOTO_PID ]]; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
        MOTO_PID=
    fi
}
trap stop_moto EXIT
trap 'exit 130' INT TERM

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
# Ready when /moto-api/config answers; bounded (20 s), and given up at once if moto exited
# (e.g. the port was taken between choosing and binding it: then another port is tried).
wait_ready() {
    "$PY" - "$1" "$MOTO_PID" <<'EOF'
import os, sys, time, urllib.request
url, pid = f"http://127.0.0.1:{sys.argv[1]}/moto-api/config", int(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("moto_server exited")
    try:
        with opener.open(url, timeout=1) as response:
            if response.status in (200, 201):
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit("moto_server not ready after 20 s")
EOF
}
PORT=
for attempt in 1 2 3; do
    PORT=$(free_port)
    env -i PATH="$PATH" LANG=C.UTF-8 INITIAL_NO_AUTH_ACTION_COUNT="$SETUP_CALLS" \
        "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
    MOTO_PID=$!
    if wait_ready "$PORT"; then
        break
    fi
    stop_moto
    echo "moto_server did not start on 127.0.0.1:$PORT (attempt $attempt); its log:" >&2
    tail -n 20 "$LOG" >&2
    [[ $attempt -lt 3 ]] || exit 1
done
echo "moto_server $MOTO_PID on 127.0.0.1:$PORT, INITIAL_NO_AUTH_ACTION_COUNT=$SETUP_CALLS, log $LOG"

step "test"
status=0
(cd "$HERE" && MOTO_ENDPOINT="http://127.0.0.1:$PORT" LAMBDA_INVOKE_BIN="$BIN" \
    "$PY" -u test_lambda_invoke.py) || status=$?
if [[ $status -ne 0 ]]; then
    echo "moto_server log (last 40 lines):" >&2
    tail -n 40 "$LOG" >&2
fi
stop_moto
step "done in $((SECONDS - START)) s"
exit "$status"
