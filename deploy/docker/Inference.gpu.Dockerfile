# syntax=docker/dockerfile:1
# The Inference worker, GPU variant: ONNX Runtime's CUDA 13 / cuDNN 9 build (the NuGet package
# Microsoft.ML.OnnxRuntime.Gpu.Linux, chosen by -p:OnnxRuntimeFlavour=Gpu and published beside the worker)
# on NVIDIA's CUDA 13 + cuDNN 9 runtime image, with the ASP.NET Core runtime copied in from Microsoft's
# image. Nothing is fetched outside the package registries (NuGet, apt, container images).
# Without a GPU (or the toolkit) the worker still starts: each model logs one warning and runs on CPU.
# Microsoft.ML.OnnxRuntime.Gpu.Linux 1.32.0's CUDA provider links libcudart.so.13 / libcublas.so.13: a CUDA 12
# base would load it nowhere and every model would quietly run on CPU, so the build checks the libraries resolve
# (all but libcuda.so.1, which the NVIDIA container toolkit mounts from the host driver, >= 580 for CUDA 13).
# Needs the NVIDIA container toolkit on the host (compose profile `gpu`; k8s nvidia.com/gpu).
# Build from the repository root:  docker build -f deploy/docker/Inference.gpu.Dockerfile -t segloop/inference-gpu .
# OpenCV comes with the build (NuGet OpenCvSharp4 runtime); its native library links GTK 3 (libgtk-3-0t64 on
# the CUDA image's Ubuntu 24.04).

# --- The managed worker.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt ./
COPY contracts/ contracts/
COPY src/ src/
COPY services/ services/
RUN dotnet publish services/Inference/SegLoop.Inference.Worker/SegLoop.Inference.Worker.csproj \
      -c Release -o /app -p:UseAppHost=false -p:OnnxRuntimeFlavour=Gpu \
 && test -f /app/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dotnet

# --- Runtime: CUDA 13 + cuDNN 9 runtime, ASP.NET Core runtime, GTK 3 for OpenCvSharp; ORT GPU came with the publish output.
FROM nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04 AS runtime
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
RUN missing="$(ldd /app/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so | grep 'not found' | grep -v 'libcuda\.so\.1' || true)" \
 && if [ -n "$missing" ]; then echo "the CUDA provider's libraries are missing from this base image:"; echo "$missing"; exit 1; fi
COPY --chmod=0755 deploy/docker/healthcheck.sh /usr/local/bin/segloop-healthcheck
ENV DOTNET_RUNNING_IN_CONTAINER=true \
    ASPNETCORE_HTTP_PORTS=8080 \
    ModelRuntime__ExecutionProvider=Cuda \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
EXPOSE 8080
USER 1654
HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["/usr/local/bin/segloop-healthcheck", "/healthz/ready"]
ENTRYPOINT ["dotnet", "SegLoop.Inference.Worker.dll"]
