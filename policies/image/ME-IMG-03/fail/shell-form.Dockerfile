FROM python:3.12-slim AS base
FROM base
RUN apt-get update && apt-get install -y tini
ENTRYPOINT tini -- python -m worker
