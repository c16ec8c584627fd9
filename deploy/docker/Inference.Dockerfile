# syntax=docker/dockerfile:1
# The Inference worker, CPU variant: batched pre-annotation with an ONNX model (ONNX Runtime's CPU
# build, the NuGet package Microsoft.ML.OnnxRuntime, published beside the worker) or OpenCV GrabCut.
# GPU variant: Inference.gpu.Dockerfile.
# Build from the repository root:  docker build -f deploy/docker/Inference.Dockerfile -t segloop/inference .
# OpenCV comes with the build (NuGet OpenCvSharp4 runtime); its native library links GTK 3 (libgtk-3-0t64 on noble).

# --- The managed worker.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt ./
COPY contracts/ contracts/
COPY src/ src/
COPY services/ services/
RUN dotnet publish services/Inference/SegLoop.Inference.Worker/SegLoop.Inference.Worker.csproj \
      -c Release -o /app -p:UseAppHost=false

# --- Runtime: ASP.NET Core runtime + GTK 3 for OpenCvSharp's native library; ONNX Runtime came with the publish output.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libgtk-3-0t64 libgomp1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
COPY --chmod=0755 deploy/docker/healthcheck.sh /usr/local/bin/segloop-healthcheck
ENV ASPNETCORE_HTTP_PORTS=8080 \
    ModelRuntime__ExecutionProvider=Cpu
EXPOSE 8080
# The image's built-in non-root user (uid 1654).
USER app
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/segloop-healthcheck", "/healthz/ready"]
ENTRYPOINT ["dotnet", "SegLoop.Inference.Worker.dll"]
