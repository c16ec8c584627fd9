#!/usr/bin/env bash
# Renders the kustomize base and every overlay under deploy/k8s with `kubectl kustomize`; fails on
# the first error. With -o DIR, writes each rendering to DIR/<name>.yaml. Prints the kinds rendered.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out=""
if [ "${1:-}" = "-o" ]; then out="$2"; mkdir -p "$out"; fi

if ! command -v kubectl >/dev/null 2>&1; then
  echo "deploy-check: kubectl not found; run scripts/setup.sh (scripts/setup.d/40-deploy-tools.sh)" >&2
  exit 1
fi

status=0
for dir in "$root/deploy/k8s/base" "$root"/deploy/k8s/overlays/*/; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  tmp="$(mktemp)"
  # kustomize v5 warns on stderr about the v2-compatible fields (bases, patchesStrategicMerge).
  if kubectl kustomize "$dir" > "$tmp" 2> "$tmp.err"; then
    kinds="$(grep -E '^kind: ' "$tmp" | sed 's/^kind: //' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')"
    echo "ok    ${dir#"$root"/}: $kinds"
    [ -n "$out" ] && cp "$tmp" "$out/$name.yaml"
  else
    echo "FAIL  ${dir#"$root"/}:" >&2
    grep -v '^# Warning:' "$tmp.err" >&2 || true
    status=1
  fi
  rm -f "$tmp" "$tmp.err"
done
exit $status
