# syntax=docker/dockerfile:1
#
# flyteshim executor image: `deno compile` binaries on distroless. `flyteshim` (the entrypoint)
# runs the prebuilt tasks without the right to start programs; `flyteshim-command` is the same
# program with --allow-run, for the command executor, and is what other images copy
# (docs/guides/bring-your-own-image.md).
#
#   docker build -t flyteshim:0.1.0 .
#
# The binary answers both as `flyteshim` (the ENTRYPOINT) and as `pyflyte-execute` on PATH, so a
# template written by flytekit (container args `pyflyte-execute --inputs ... -- <template> <executor>`)
# runs with no change but the image name. Flyte 2's args (`a0 --inputs ... --resolver ...`, from
# `deno task serialize --flyte2`) run through the ENTRYPOINT, or through `a0` on PATH.

# Builder: pinned Deno; compiles with exactly the flags of `deno task compile` in deno.json.
# A compiled binary keeps V8's code cache in $TMPDIR/deno-compile-<file name>.cache and writes it
# on its first start; a pod's container starts with an empty /tmp, so without the file every task
# would be a first start (no cache, and the cost of writing one). One start of each binary here
# writes the cache for the start-up module graph, and the runtime stage ships it in /tmp.
FROM denoland/deno:debian-2.9.6 AS build
WORKDIR /src
COPY . .
RUN deno task compile \
 && deno task compile:command \
 && mkdir -p /out/bin /out/tmp \
 && cp dist/flyteshim /out/bin/flyteshim \
 && cp dist/flyteshim-command /out/bin/flyteshim-command \
 && ln -s flyteshim /out/bin/pyflyte-execute \
 && ln -s flyteshim /out/bin/a0 \
 && /out/bin/flyteshim describe \
 && /out/bin/flyteshim-command describe > /dev/null \
 && (cp /tmp/deno-compile-flyteshim.cache /tmp/deno-compile-flyteshim-command.cache /out/tmp/ \
     || echo "no V8 code cache written: the binaries start without one")

# Runtime: glibc + libgcc_s (the compiled binary links them) and CA certificates, no shell, non-root.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build /out/tmp/ /tmp/
# Trust the system store (corporate CAs for S3 endpoints) as well as Deno's bundled roots.
ENV DENO_TLS_CA_STORE=system,mozilla \
    DENO_NO_UPDATE_CHECK=1 \
    TMPDIR=/tmp
USER nonroot:nonroot
WORKDIR /home/nonroot
# Exec form: the binary is PID 1 and receives SIGTERM itself; flyteshim handles it (aborts the
# executor, writes a recoverable error.pb, exits).
ENTRYPOINT ["/usr/local/bin/flyteshim"]
CMD ["--help"]
