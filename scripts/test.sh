#!/usr/bin/env bash
# README command 2 (and .ci/run): set up, then lint, type-check and run every test
# on real engines. Ends with the test runner's summary and a plain count line.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
echo "== lint and format (biome)"
npx biome check .
echo "== type check"
npx tsc -p tsconfig.check.json
# the worker image is built (or found cached) beside the tests that do not need it
exec ./scripts/with-docker.sh node scripts/vitest-summary.mjs "$@"
