# syntax=docker/dockerfile:1
# The segloop CLI image: the nightly training-set CronJob (`segloop dataset build`) and operator
# one-offs (`segloop errors list|replay`). A run-to-completion tool, not a server: no port, no probe.
# Build from the repository root:  docker build -f deploy/docker/Cli.Dockerfile -t segloop/cli .
# OpenCV comes with the build (NuGet OpenCvSharp4 runtime); its native library links GTK 3 (libgtk-3-0t64 on noble).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt ./
COPY contracts/ contracts/
COPY src/ src/
COPY services/ services/
RUN dotnet publish src/SegLoop.Cli/SegLoop.Cli.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libgtk-3-0t64 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
ENV PATH=/app:$PATH
# The image's built-in non-root user (uid 1654).
USER app
# A batch tool: the job's exit status is its health.
HEALTHCHECK NONE
ENTRYPOINT ["segloop"]
