#!/usr/bin/env bash
# ONNX Runtime for SegLoop.ModelRuntime: the CPU build of libonnxruntime.so.1 shipped inside the npm package
# onnxruntime-node@1.30.0 (bin/napi-v6/linux/x64/), checked against a pinned sha256 and installed into
# .tools/onnxruntime/ (gitignored). The C# project copies it next to the binaries. A GPU build can replace it
# at run time: ModelRuntime:LibraryPath or SEGLOOP_ONNXRUNTIME_PATH.
set -euo pipefail
root="${SEGLOOP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
version="1.30.0"
member="package/bin/napi-v6/linux/x64/libonnxruntime.so.1"
expected_sha256="ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23"
dest="$root/.tools/onnxruntime"

if [ -f "$dest/libonnxruntime.so.1" ]; then
  actual="$(sha256sum "$dest/libonnxruntime.so.1" | cut -d' ' -f1)"
  if [ "$actual" = "$expected_sha256" ]; then
    exit 0
  fi
  echo "onnxruntime: $dest/libonnxruntime.so.1 has sha256 $actual, expected $expected_sha256; fetching it again" >&2
fi

command -v npm >/dev/null || { echo "onnxruntime: npm is required to fetch onnxruntime-node@$version (apt-get install npm)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "onnxruntime: fetching onnxruntime-node@$version from the npm registry" >&2
(cd "$tmp" && npm pack "onnxruntime-node@$version" --silent >/dev/null)
tarball="$(ls "$tmp"/onnxruntime-node-*.tgz)"
tar -xzf "$tarball" -C "$tmp" "$member"
actual="$(sha256sum "$tmp/$member" | cut -d' ' -f1)"
if [ "$actual" != "$expected_sha256" ]; then
  echo "onnxruntime: checksum mismatch for $member in $(basename "$tarball"): got $actual, expected $expected_sha256" >&2
  exit 1
fi
mkdir -p "$dest"
install -m 0755 "$tmp/$member" "$dest/libonnxruntime.so.1.tmp"
mv -f "$dest/libonnxruntime.so.1.tmp" "$dest/libonnxruntime.so.1"
ln -sfn libonnxruntime.so.1 "$dest/libonnxruntime.so"
echo "onnxruntime: installed $dest/libonnxruntime.so.1 ($version)" >&2
