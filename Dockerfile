# Driftwatch image: multi-stage. The build stage compiles a release binary with the Swift
# standard library and Foundation linked statically; the runtime stage is Debian slim with only
# what that binary loads (reference LAPACK/BLAS, SQLite, CA certificates for HTTPS receivers).
#   docker build -t driftwatch .
# Size, estimated (Docker does not run where this was written): debian:bookworm-slim ~75 MB +
# liblapack3/libblas3/libgfortran5/libsqlite3-0/ca-certificates ~15 MB + the static binary
# ~75 MB stripped (../shared/NOTES.md) = about 165 MB.
FROM swift:6.2-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends liblapack-dev libblas-dev liblapacke-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Manifest first: the dependency fetch is cached until Package.swift changes.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product driftwatch \
 && install -D -s "$(swift build -c release --static-swift-stdlib --show-bin-path)/driftwatch" /out/driftwatch

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends liblapack3 libblas3 libsqlite3-0 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/driftwatch /usr/local/bin/driftwatch
# The example baseline data (the Kubernetes baseline Job builds from it) and configs.
COPY baselines/examples /opt/driftwatch/examples
COPY config /opt/driftwatch/config
# Non-root (the manifests run it read-only with runAsUser 65532).
USER 65532:65532
EXPOSE 9464
ENTRYPOINT ["driftwatch"]
CMD ["serve", "--config", "/etc/driftwatch/driftwatch.yaml"]
