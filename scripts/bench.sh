#!/usr/bin/env bash
# Runs a benchmark by name (or "all") in Release: ./scripts/bench.sh vision-crop
# vision-crop compares against bench/native/crop_bench (C++ over Debian's OpenCV): built here, into
# bench/native/build/, with the Debian packages it needs installed when missing. Nothing else builds C++.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh" >/dev/null

build_crop_bench() {
  local src="$root/bench/native" out="$root/bench/native/build"
  local packages=(cmake make g++ libopencv-core-dev libopencv-imgcodecs-dev) missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench: installing ${missing[*]} for the C++ baseline" >&2
    local sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ -x "$out/crop_bench" ] && [ -z "$(find "$src" -maxdepth 1 -type f -newer "$out/crop_bench" -print -quit)" ]; then
    return
  fi
  echo "bench: building $out/crop_bench" >&2
  cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$out" >/dev/null
}

for name in "$@"; do
  case "$name" in
    vision-crop|all) build_crop_bench ;;
  esac
done
exec dotnet run -c Release --project "$root/bench/SegLoop.Benchmarks" -- "$@"
