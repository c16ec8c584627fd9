#!/usr/bin/env bash
# setup-for: cli test
# OpenCV for SegLoop.Vision comes from NuGet (OpenCvSharp4 + OpenCvSharp4.official.runtime.linux-x64, OpenCV 4.13).
# Its native library, libOpenCvSharpExtern.so, links GTK 3 (OpenCV's highgui); on Debian 12 every other library it
# needs is already there (checked with ldd), so this installs only GTK 3's runtime when libgtk-3.so.0 is missing:
# libgtk-3-0 on Debian 12, libgtk-3-0t64 on Ubuntu 24.04 / Debian 13 (whichever apt knows).
set -euo pipefail

libraries="$(ldconfig -p)"
if [[ "$libraries" == *"libgtk-3.so.0 "* && "$libraries" == *"libgdk-3.so.0 "* ]]; then
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
apt() { "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
has_candidate() { [[ "$(apt-cache policy "$1" 2>/dev/null)" == *"Candidate: "[0-9]* ]]; }

package=""
for attempt in 1 2; do
  for candidate in libgtk-3-0t64 libgtk-3-0; do
    if has_candidate "$candidate"; then package="$candidate"; break 2; fi
  done
  [ "$attempt" -eq 1 ] && apt update -q >/dev/null
done
[ -n "$package" ] || { echo "opencv: neither libgtk-3-0t64 nor libgtk-3-0 is known to apt" >&2; exit 1; }
echo "opencv: installing $package (needed by OpenCvSharp's libOpenCvSharpExtern.so)" >&2
apt install -y -q --no-install-recommends "$package" >/dev/null
