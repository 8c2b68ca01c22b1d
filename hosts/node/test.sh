#!/usr/bin/env bash
# CI for the Node host: install the pinned npm packages, build the release component exactly as
# the Rust side does, transpile it with jco, and run the node:test suites (loopback servers only).
set -euo pipefail
cd "$(dirname "$0")"
repo="$(cd ../.. && pwd)"
# Its own target folder under the repository's target/, so a clean clone works and the Rust
# builds of the other CI steps are not invalidated.
export CARGO_TARGET_DIR="$repo/target/node-guest"

step() { printf '\n== node host: %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "npm ci (node $(node --version), npm $(npm --version 2>/dev/null))"
npm ci --no-audit --no-fund

step "component"
(cd "$repo" && cargo build --locked -p lambda-invoke-guest --target wasm32-wasip2 --profile guest)

step "transpile (jco $(npx --no-install jco --version 2>/dev/null))"
rm -rf generated
npm run --silent transpile

step "tests"
node --test --test-reporter=spec --test-timeout=60000 test/*.test.mjs
