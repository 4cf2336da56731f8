ARG UID=10001
FROM python:3.12-slim AS base
ARG UID
RUN useradd --uid ${UID} worker
USER ${UID}

FROM base AS deps
RUN pip install --no-cache-dir celery==5.3.6

# The final stage inherits USER from "base" through "deps".
FROM deps
COPY worker.py /app/worker.py
ENTRYPOINT ["tini", "--", "celery"]
