#!/bin/bash
# Stops the server started by .ci/start-postgres.sh and removes its directory.
# Usage: .ci/stop-postgres.sh PGTMP. Safe to call when the server is already down.
set -euo pipefail
PGTMP=${1:?usage: stop-postgres.sh PGTMP}
case "$PGTMP" in /tmp/pgci.*) ;; *) echo "refusing to remove $PGTMP" >&2; exit 2 ;; esac
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -n "$PGBIN" ] && [ -f "$PGTMP/data/postmaster.pid" ]; then
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
    || runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate -w stop >/dev/null 2>&1 \
    || true
fi
rm -rf "$PGTMP"
