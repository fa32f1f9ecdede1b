#!/usr/bin/env bash
# make faults: the fault tests (scripts/faults.py) on throwaway instances of their own.
#
# Needs PostgreSQL 15 with PostGIS 3 (server binaries, not a running cluster), psql and
# redis-server; it starts its own cluster on port 5439, redis-servers on 6389/6390 and
# gunicorn on 8790, never the machine's PostgreSQL (5432) or Redis (6379), and removes
# them at the end. Results: var/faults-results.md. Arguments go to faults.py
# (e.g. FAULTS_ARGS="--only 1,3 --keep").
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
PG_BIN=${FAULTS_PG_BIN:-/usr/lib/postgresql/15/bin}
export KALTARA_DATA_DIR="${KALTARA_DATA_DIR:-$(cd .. && pwd)/shared/data}"

missing=()
[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] || missing+=(postgresql-15)
ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1 \
  || missing+=(postgresql-15-postgis-3)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client-15)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "make faults needs: ${missing[*]} (apt-get install ${missing[*]};" \
    "or FAULTS_PG_BIN=<dir with initdb and pg_ctl> for another PostgreSQL 15)" >&2
  exit 2
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "Running as root: PostgreSQL must run as the 'postgres' user, which does not exist." >&2
  exit 2
fi
if [ ! -d "$KALTARA_DATA_DIR" ]; then
  echo "No real data at $KALTARA_DATA_DIR: set KALTARA_DATA_DIR (see README, Data)." >&2
  exit 2
fi

exec "$PY" scripts/faults.py --pg-bin "$PG_BIN" "$@"
