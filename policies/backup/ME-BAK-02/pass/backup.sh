#!/bin/bash
# backup.sh, failing loudly
set -euo pipefail

TIMESTAMP=$(date +%Y%m%d_%H%M%S)
BACKUP_DIR="/backups/postgres"
S3_BUCKET="s3://marketing-engine-backups/postgres"

pg_dump "$DATABASE_URL" | gzip > "$BACKUP_DIR/backup_$TIMESTAMP.sql.gz"
aws s3 cp "$BACKUP_DIR/backup_$TIMESTAMP.sql.gz" "$S3_BUCKET/"
find "$BACKUP_DIR" -name "backup_*.sql.gz" -mtime +7 -delete
echo "Backup successful: backup_$TIMESTAMP.sql.gz"
