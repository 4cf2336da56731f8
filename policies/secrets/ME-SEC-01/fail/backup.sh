#!/bin/bash
set -euo pipefail
export PGPASSWORD=Shell-Literal-Passw0rd
pg_dump marketing | gzip > /backups/db.sql.gz
