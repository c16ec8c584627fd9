#!/usr/bin/env bash
# Builds the OpenCV shim into native/build/ (Release, -O2), only when a source is newer than the built library.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/native/opencv-shim"
out="$root/native/build"
lib="$out/libsegloop_cv.so"

if [ -f "$lib" ] && [ -x "$out/crop_bench" ] && [ -z "$(find "$src" -type f -newer "$lib" -print -quit)" ]; then
  exit 0
fi
echo "opencv: building $lib"
cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$out" --parallel "$(nproc)"
touch "$lib"
