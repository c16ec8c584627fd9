# syntax=docker/dockerfile:1
# The Taxonomy worker: maps source classes to the common taxonomy. Managed code only.
# Build from the repository root:  docker build -f deploy/docker/Taxonomy.Dockerfile -t segloop/taxonomy .
# .NET 10 images are Ubuntu 24.04 (noble) based.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt ./
COPY contracts/ contracts/
COPY src/ src/
COPY services/ services/
RUN dotnet publish services/Taxonomy/SegLoop.Taxonomy.Worker/SegLoop.Taxonomy.Worker.csproj \
      -c Release -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
COPY --chmod=0755 deploy/docker/healthcheck.sh /usr/local/bin/segloop-healthcheck
# The taxonomy file lives on a volume here (Taxonomy__Path); created owned by app so a fresh named
# volume inherits that ownership.
RUN mkdir -p /var/lib/segloop/taxonomy && chown -R app:app /var/lib/segloop
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Taxonomy__Path=/var/lib/segloop/taxonomy/taxonomy.json
EXPOSE 8080
# The image's built-in non-root user (uid 1654).
USER app
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/segloop-healthcheck", "/healthz/ready"]
ENTRYPOINT ["dotnet", "SegLoop.Taxonomy.Worker.dll"]
