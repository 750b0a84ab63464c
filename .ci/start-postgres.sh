#!/bin/bash
# Starts a throwaway PostgreSQL (the newest installed, 15 on Debian 12) on a free loopback port,
# as root, in about a second: initdb as the `postgres` user into a new temp dir, trust
# authentication on 127.0.0.1 only, no fsync (test data only), then creates `hoctap_test`.
#
# Prints two lines for the caller to read:
#   PGTMP=/tmp/pgci.XXXXXX
#   DATABASE_URL=postgres://postgres@127.0.0.1:PORT/hoctap_test
# Stop it and remove the dir with: .ci/stop-postgres.sh "$PGTMP".
# PGPORT, if set, is used instead of a free port. On failure it cleans up after itself.
set -euo pipefail

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "no free port found" >&2
  return 1
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

PGBIN=$(pg_bin)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "PostgreSQL server not installed: installing the postgresql package" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  PGBIN=$(pg_bin)
fi

PGPORT=${PGPORT:-$(free_port)}
PGTMP=$(mktemp -d /tmp/pgci.XXXXXX)
ok=0
cleanup_on_failure() {
  if [ "$ok" != 1 ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate -w stop >/dev/null 2>&1 || true
    for log in "$PGTMP/initdb.log" "$PGTMP/server.log"; do
      [ -f "$log" ] && { echo "--- $log" >&2; tail -n 30 "$log" >&2; }
    done
    rm -rf "$PGTMP"
  fi
}
trap cleanup_on_failure EXIT

chown postgres:postgres "$PGTMP"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGTMP/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
  >"$PGTMP/initdb.log" 2>&1
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGTMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres hoctap_test
ok=1
echo "PGTMP=$PGTMP"
echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PGPORT/hoctap_test"
