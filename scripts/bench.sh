#!/usr/bin/env bash
# make bench: the scoring benchmarks on a local PostGIS database, written to var/bench-results.md.
#
# A fresh database $BENCH_DB (default kaltara_bench) on the PostgreSQL at 127.0.0.1:5432 is
# created with PostGIS, migrated and loaded with the real Jakarta data; then
# scripts/bench_scoring.py measures Jakarta, generates the national synthetic set and
# measures it, and times change -> stored score with a real Celery worker on Redis db 13.
# Arguments go to bench_scoring.py (e.g. --no-national, --changes 5).
# BENCH_REUSE=1 keeps an existing benchmark database (migrated again, not reloaded).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
PGHOST=127.0.0.1
PGPORT=5432
BENCH_DB=${BENCH_DB:-kaltara_bench}
export KALTARA_DATA_DIR="${KALTARA_DATA_DIR:-$(cd .. && pwd)/shared/data}"
export DATABASE_URL="postgis://postgres@$PGHOST:$PGPORT/$BENCH_DB"
# The worker and this process share the broker and the cache (the drain flag lives there).
export CELERY_BROKER_URL="redis://127.0.0.1:6379/13"
export CACHE_URL="redis://127.0.0.1:6379/12"
mkdir -p var
bash scripts/system-deps.sh --postgis

if ! pg_isready -h "$PGHOST" -p "$PGPORT" -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -n | tail -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -h "$PGHOST" -p "$PGPORT" -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/bench.log
  for _ in $(seq 1 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 1; done
fi
redis-cli -n 13 flushdb >/dev/null
redis-cli -n 12 flushdb >/dev/null

psql_admin() { psql -h "$PGHOST" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
exists=$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$BENCH_DB'")
if [ "${BENCH_REUSE:-0}" != 1 ] || [ "$exists" != 1 ]; then
  echo "== fresh PostGIS database $BENCH_DB"
  psql_admin -c "DROP DATABASE IF EXISTS $BENCH_DB"
  psql_admin -c "CREATE DATABASE $BENCH_DB"
  psql_admin -d "$BENCH_DB" -c "CREATE EXTENSION IF NOT EXISTS postgis"
  fresh=1
else
  echo "== reusing $BENCH_DB (BENCH_REUSE=1)"
  psql_admin -d "$BENCH_DB" -c "CREATE EXTENSION IF NOT EXISTS postgis"
  fresh=0
fi

echo "== migrate"
$PY manage.py migrate --noinput -v0
if [ "$fresh" = 1 ]; then
  echo "== real Jakarta data"
  # Inline tasks while importing: the import's recompute runs here, not on the bench broker.
  env -u CELERY_BROKER_URL $PY manage.py load_regions
  env -u CELERY_BROKER_URL $PY manage.py import_sites
fi

echo "== benchmarks"
$PY scripts/bench_scoring.py "$@"
