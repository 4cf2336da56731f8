FROM python:3.12-slim AS base
RUN apt-get update && apt-get install -y --no-install-recommends tini
ENTRYPOINT ["tini", "-g", "--"]

# Inherits the ENTRYPOINT of "base".
FROM base
USER 10001
CMD ["python", "-m", "worker"]
