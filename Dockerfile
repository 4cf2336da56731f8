# specdrift as a container image (docs/ci.md):
#   docker build -t specdrift .
#   docker run --rm -v "$PWD:/src:ro" specdrift scan .
# It passes specdrift's own ME-IMG policies (tests/end_to_end/test_container_image.py scans this file):
# two stages, a non-root user in the last one, base images pinned to an exact release, tini as PID 1.
# The base image is pinned by tag; to pin its digest as well, write the one
# `docker buildx imagetools inspect python:3.12.8-slim-bookworm` prints: FROM python:3.12.8-slim-bookworm@sha256:...

# Build stage: specdrift and its dependencies (wheels) in a virtual environment, the policy pack inside the
# package (scanner/policies and scanner/baselines link to the top-level folders copied here).
FROM python:3.12.8-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/specdrift
WORKDIR /build
COPY pyproject.toml README.md ./
COPY baselines/ baselines/
COPY policies/ policies/
COPY scanner/ scanner/
RUN /opt/specdrift/bin/pip install --no-cache-dir --disable-pip-version-check . \
 && /opt/specdrift/bin/specdrift policies list > /dev/null

# Runtime stage: only the virtual environment and a static tini; no compiler, no pip cache, no apt lists.
FROM python:3.12.8-slim-bookworm
COPY --from=build /usr/bin/tini-static /usr/bin/tini
COPY --from=build /opt/specdrift /opt/specdrift
# A numeric UID needs no user to be created; HOME is not writable for it, so caches go to /tmp.
ENV PATH=/opt/specdrift/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    SPECDRIFT_CACHE_DIR=/tmp/specdrift-cache
USER 10001:10001
WORKDIR /src
# A one-shot command: no HEALTHCHECK (nothing long-running to probe). tini forwards signals (Ctrl-C,
# a CI job's cancel) to specdrift and reaps what it starts (checkov, git).
ENTRYPOINT ["tini", "--", "specdrift"]
CMD ["scan", "."]
