#!/bin/bash
# Starts a streaming hot standby of the server that .ci/start-postgres.sh started, on a free
# loopback port: pg_basebackup -R (replication over loopback, trust authentication as initdb set
# it up), the same test settings, hot_standby on.
#
#   .ci/start-standby.sh PRIMARY_PGTMP
#
# Prints two lines for the caller to read:
#   STANDBY_PGTMP=/tmp/pgci.XXXXXX
#   STANDBY_URL=postgres://postgres@127.0.0.1:PORT      (append /DATABASE)
# Stop it and remove the dir with: .ci/stop-postgres.sh "$STANDBY_PGTMP".
set -euo pipefail
PRIMARY=${1:?usage: start-standby.sh PRIMARY_PGTMP}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PPORT=$(sed -n 4p "$PRIMARY/data/postmaster.pid")
[ -n "$PPORT" ] || { echo "no server running in $PRIMARY" >&2; exit 1; }
SPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
STMP=$(mktemp -d /tmp/pgci.XXXXXX)
ok=0
cleanup_on_failure() {
  if [ "$ok" != 1 ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STMP/data" -m immediate -w stop >/dev/null 2>&1 || true
    [ -f "$STMP/server.log" ] && { echo "--- $STMP/server.log" >&2; tail -n 30 "$STMP/server.log" >&2; }
    rm -rf "$STMP"
  fi
}
trap cleanup_on_failure EXIT
chown postgres:postgres "$STMP"
runuser -u postgres -- "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PPORT" -U postgres -D "$STMP/data" -R -X stream -c fast --no-sync \
  >"$STMP/basebackup.log" 2>&1
# In its configuration, so that a plain `pg_ctl start` (the replica test stops and starts it) finds them.
cat >>"$STMP/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $SPORT
unix_socket_directories = '$STMP'
fsync = off
hot_standby = on
max_connections = 200
CONF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$STMP/data" -l "$STMP/server.log" -w -t 30 start >/dev/null
ok=1
echo "STANDBY_PGTMP=$STMP"
echo "STANDBY_URL=postgres://postgres@127.0.0.1:$SPORT"
