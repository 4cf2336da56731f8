#!/bin/bash
set -euo pipefail
pg_dump "$DATABASE_URL" | gzip > "/backups/backup_$(date +%s).sql.gz"
find /backups -name "backup_*.sql.gz" -mtime +7 -delete
