#!/usr/bin/env bash
# OpenCV shim: installs the Debian OpenCV 4.6 development packages and a C++ toolchain when missing,
# then builds native/build/libsegloop_cv.so (and the crop_bench baseline) if its sources changed.
set -euo pipefail
root="${SEGLOOP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

packages=(cmake g++ libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libjpeg-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "opencv: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

"$root/scripts/build-native.sh"
