#!/bin/bash
set -euo pipefail
pg_dump "$DATABASE_URL" | gzip > /backups/latest.sql.gz
aws s3 cp /backups/latest.sql.gz s3://marketing-engine-backups/postgres/
