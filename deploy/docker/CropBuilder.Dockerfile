# syntax=docker/dockerfile:1
# The CropBuilder worker: cuts object-centred training crops with OpenCV; also builds the nightly training set.
# Build from the repository root:  docker build -f deploy/docker/CropBuilder.Dockerfile -t segloop/cropbuilder .
# OpenCV comes with the build (NuGet OpenCvSharp4 runtime, in runtimes/linux-x64/native/); its native library links
# GTK 3, which .NET 10's Ubuntu 24.04 (noble) images install as libgtk-3-0t64.

# --- The managed worker.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt ./
COPY contracts/ contracts/
COPY src/ src/
COPY services/ services/
RUN dotnet publish services/CropBuilder/SegLoop.CropBuilder.Worker/SegLoop.CropBuilder.Worker.csproj \
      -c Release -o /app -p:UseAppHost=false

# --- Runtime: ASP.NET Core runtime + GTK 3 for OpenCvSharp's native library (no compilers, no -dev packages).
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libgtk-3-0t64 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
COPY --chmod=0755 deploy/docker/healthcheck.sh /usr/local/bin/segloop-healthcheck
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
# The image's built-in non-root user (uid 1654).
USER app
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/segloop-healthcheck", "/healthz/ready"]
ENTRYPOINT ["dotnet", "SegLoop.CropBuilder.Worker.dll"]
