#!/bin/bash
set -euo pipefail
export PGPASSWORD="${PGPASSWORD:?from the secret store}"
pg_dump "postgres://backup:${PGPASSWORD}@db/marketing" | gzip > /backups/db.sql.gz
