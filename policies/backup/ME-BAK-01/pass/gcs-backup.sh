#!/bin/bash
set -euo pipefail
FILE="/var/backups/pg-$(date +%F).dump"
pg_dump --format=custom --file="$FILE" "$DATABASE_URL"
gsutil cp "$FILE" gs://marketing-engine-backups/postgres/
find /var/backups -name 'pg-*.dump' -mmin +10080 -exec rm {} \;
