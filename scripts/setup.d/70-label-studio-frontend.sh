#!/usr/bin/env bash
# setup-for: test
# Label Studio's editor front end (LSF: the JS/CSS bundle Label Studio itself serves), for the browser test that loads
# the ML backend's predictions into the real editor (tests/SegLoop.Inference.Tests/Annotators/LabelStudioEditorTests.cs).
# npm package @heartexlabs/label-studio, pinned by version and by the registry's sha512 integrity, packed with npm and
# unpacked into .tools/label-studio-frontend/<version>/ (gitignored). 1.4.0 is the newest version that ships build/:
# 1.8.0's tarball holds only README images. Needs npm and the registry once; offline it warns and setup carries on,
# and the test fails saying how to get it.
set -uo pipefail
root="${SEGLOOP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
package="@heartexlabs/label-studio"
version="1.4.0"
integrity="sha512-NczF2gDF/Whq7+xI3tYZLrAk8Pq6hacXhYEDmWfHAQIZ0eiieyrMxxHz4KIU7wnagComaGv+QJ2Zc6SBcBmuCg=="
target="$root/.tools/label-studio-frontend/$version"

if [ -f "$target/.integrity" ] && [ "$(cat "$target/.integrity")" = "$integrity" ] && [ -f "$target/build/static/js/main.js" ]; then
  exit 0
fi
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "label-studio-frontend: WARNING: npm/node not found; $package@$version not installed (the Label Studio editor test will fail)" >&2
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "label-studio-frontend: packing $package@$version into .tools/label-studio-frontend" >&2
if ! tarball="$(cd "$work" && npm pack "$package@$version" --silent 2>/dev/null | tail -n1)" || [ ! -f "$work/$tarball" ]; then
  echo "label-studio-frontend: WARNING: npm pack $package@$version failed (offline?); setup carries on. Retry: bash $0" >&2
  exit 0
fi
# The registry's integrity is the base64 SHA-512 of the tarball: check the bytes, not only npm's word.
actual="sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$work/$tarball")"
if [ "$actual" != "$integrity" ]; then
  echo "label-studio-frontend: ERROR: $tarball has $actual, pinned $integrity" >&2
  exit 1
fi
rm -rf "$target" && mkdir -p "$target"
tar xzf "$work/$tarball" -C "$target" --strip-components=1
printf '%s' "$integrity" > "$target/.integrity"
