#!/usr/bin/env bash
# README command 1: set up, then run the default experiment and print where the results are.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec ./scripts/with-docker.sh node dist/cli.js run "$@"
