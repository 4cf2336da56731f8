#!/bin/bash
set -euo pipefail
pg_dump "$DATABASE_URL" | gzip > /backups/latest.sql.gz
aws s3 sync /backups s3://marketing-engine-backups/postgres/
find /backups -mtime +2 -delete
