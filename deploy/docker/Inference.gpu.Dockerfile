# syntax=docker/dockerfile:1
# The Inference worker, GPU variant: ONNX Runtime's CUDA build (official GitHub release tarball) on
# NVIDIA's CUDA 12 + cuDNN 9 runtime image, with the ASP.NET Core runtime copied in from Microsoft's
# image. Needs the NVIDIA container toolkit on the host (compose profile `gpu`; k8s nvidia.com/gpu).
# Build from the repository root:  docker build -f deploy/docker/Inference.gpu.Dockerfile -t segloop/inference-gpu .
# OpenCV comes with the build (NuGet OpenCvSharp4 runtime); its native library links GTK 3 (libgtk-3-0t64 on
# the CUDA image's Ubuntu 24.04).

# --- ONNX Runtime GPU (CUDA 12, cuDNN 9) from its release tarball. Pin its digest in CI with
#     --build-arg ONNXRUNTIME_SHA256=<sha256 of the tgz>; the build verifies it when given.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS onnxruntime
ARG ONNXRUNTIME_VERSION=1.30.0
ARG ONNXRUNTIME_SHA256=
WORKDIR /ort
RUN curl -fsSL -o ort.tgz \
      "https://github.com/microsoft/onnxruntime/releases/download/v${ONNXRUNTIME_VERSION}/onnxruntime-linux-x64-gpu-${ONNXRUNTIME_VERSION}.tgz" \
 && if [ -n "$ONNXRUNTIME_SHA256" ]; then echo "$ONNXRUNTIME_SHA256  ort.tgz" | sha256sum -c -; fi \
 && tar -xzf ort.tgz \
 && mkdir -p /ort/lib \
 && cp -a "onnxruntime-linux-x64-gpu-${ONNXRUNTIME_VERSION}"/lib/libonnxruntime*.so* /ort/lib/ \
 && test -e /ort/lib/libonnxruntime.so.1 \
 && test -e /ort/lib/libonnxruntime_providers_cuda.so

# --- The managed worker.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt ./
COPY contracts/ contracts/
COPY src/ src/
COPY services/ services/
RUN dotnet publish services/Inference/SegLoop.Inference.Worker/SegLoop.Inference.Worker.csproj \
      -c Release -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dotnet

# --- Runtime: CUDA 12 + cuDNN 9 runtime, ASP.NET Core runtime, GTK 3 for OpenCvSharp, ORT GPU.
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libssl3t64 libstdc++6 libgcc-s1 tzdata libgomp1 \
      libgtk-3-0t64 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1654 app \
 && useradd --uid 1654 --gid app --no-create-home --shell /usr/sbin/nologin app
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /app
COPY --from=build /app ./
COPY --from=onnxruntime /ort/lib/ /opt/onnxruntime/lib/
COPY --chmod=0755 deploy/docker/healthcheck.sh /usr/local/bin/segloop-healthcheck
ENV DOTNET_RUNNING_IN_CONTAINER=true \
    ASPNETCORE_HTTP_PORTS=8080 \
    LD_LIBRARY_PATH=/opt/onnxruntime/lib \
    ModelRuntime__LibraryPath=/opt/onnxruntime/lib/libonnxruntime.so.1 \
    ModelRuntime__ExecutionProvider=Cuda \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
EXPOSE 8080
USER 1654
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["/usr/local/bin/segloop-healthcheck", "/healthz/ready"]
ENTRYPOINT ["dotnet", "SegLoop.Inference.Worker.dll"]
