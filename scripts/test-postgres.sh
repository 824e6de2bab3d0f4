#!/usr/bin/env bash
# A scratch PostgreSQL on loopback for the storage tests (CI runs them on it).
#   scripts/test-postgres.sh start   installs the server if missing (Debian), starts a fresh
#                                    cluster in a temp folder, prints its SQLAlchemy URL
#   scripts/test-postgres.sh stop    stops it and removes the folder
# Use: export IMAGECHAT_TEST_PG_URL=$(scripts/test-postgres.sh start)
set -euo pipefail
PORT="${IMAGECHAT_TEST_PG_PORT:-55432}"
DIR="${TMPDIR:-/tmp}/imagechat-test-pg"

as_owner() {  # the server refuses to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

case "${1:-start}" in
  start)
    if [ -z "$(bin_dir)" ]; then
      if [ "$(id -u)" != 0 ]; then echo "error: PostgreSQL is not installed" >&2; exit 1; fi
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    fi
    BIN="$(bin_dir)"
    "$0" stop >/dev/null 2>&1 || true
    mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
      chown postgres "$DIR"
    fi
    as_owner "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >"$DIR/initdb.log" 2>&1
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >/dev/null
    as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres imagechat_test
    echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/imagechat_test"
    ;;
  stop)
    BIN="$(bin_dir)"
    if [ -n "$BIN" ] && [ -d "$DIR/data" ]; then
      as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
