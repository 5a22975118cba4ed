# Container image of nhiscan, built by goreleaser (dockers_v2 in
# .goreleaser.yaml) from the static binary it already built for each
# platform: the build context holds linux/amd64/nhiscan and
# linux/arm64/nhiscan. Not meant for a plain `docker build .`.
#
# distroless/static: no shell, no package manager; CA certificates (for the
# AWS and GCP APIs) and time zone data; runs as the nonroot user.
FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/nhiscan /usr/bin/nhiscan
WORKDIR /work
ENTRYPOINT ["/usr/bin/nhiscan"]
CMD ["--help"]
