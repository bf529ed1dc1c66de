#!/bin/sh
# Creates the Patient Access roles and databases (idempotent).
#
#   PA_BOOTSTRAP_DATABASE_URL  superuser connection URL
#                              (default postgres://postgres@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/postgres)
#   PGHOST / PGPORT            used to build the default URL
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
url=${PA_BOOTSTRAP_DATABASE_URL:-postgres://postgres@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/postgres}
# \connect inside the script reuses the host/port/user of this connection.
exec psql "$url" --no-psqlrc --quiet -v ON_ERROR_STOP=1 -f "$here/bootstrap.sql"
