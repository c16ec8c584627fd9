#!/usr/bin/env bash
# Runs every SegLoop test against real services: installs what is missing (scripts/setup.sh), builds
# the solution once, starts the rig (RabbitMQ + an S3 API server on free loopback ports), runs all
# test projects and stops the rig. Extra arguments go to `dotnet test`, e.g. --filter Hosting.
# The chaos and hostile-input tests (tests/SegLoop.Chaos.Tests, [Trait Category=Chaos]) run here too: they start the
# service workers as processes, SIGKILL them, restart the rig's RabbitMQ (scripts/rig/restart-rabbitmq.sh) and pause
# its S3 server. Scale with SEGLOOP_CHAOS_TASKS / SEGLOOP_CHAOS_REQUESTS; leave them out with --filter "Category!=Chaos".
# Ends with a line "N passed, N failed"; exits non-zero when any test failed or did not run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
configuration=Debug   # the same configuration ./segloop builds, so one build serves both
results="$root/.out/test-results"

"$root/scripts/setup.sh"
dotnet build SegLoop.sln -c "$configuration" -nologo -v q -clp:ErrorsOnly
# The build enforces .editorconfig, but for IDE0003 (no `this.`), which Roslyn never reports in a build.
if git grep -nE '\bthis\.[A-Za-z_]' -- '*.cs'; then echo "members qualified with this. (see .editorconfig)" >&2; exit 1; fi

trap '"$root/scripts/rig/stop.sh" >/dev/null 2>&1 || true' EXIT
"$root/scripts/rig/start.sh"
set -a; . "$root/.rig/env"; set +a

rm -rf "$results"
status=0
dotnet test SegLoop.sln -c "$configuration" --no-build -nologo --logger trx --results-directory "$results" "$@" || status=$?

# Sum the counters of every project's TRX file.
passed=0; failed=0; files=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  files=$((files + 1))
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$files" -eq 0 ] && [ "$status" -ne 0 ]; then failed=$((failed + 1)); fi
echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
