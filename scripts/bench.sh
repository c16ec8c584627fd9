#!/usr/bin/env bash
# Runs a benchmark by name (or "all") in Release: ./scripts/bench.sh vision-crop
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh" >/dev/null
exec dotnet run -c Release --project "$root/bench/SegLoop.Benchmarks" -- "$@"
