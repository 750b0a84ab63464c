#!/bin/bash
# Schemathesis against the live server: the OpenAPI document (/api/openapi.json) drives the
# requests, checked for server errors and for answers (body schema, content type) that do not
# match the document; its negative cases (wrong types, missing members) hold every error to the
# documented JSON shape.
#
#   .ci/schemathesis.sh BIN DATABASE_URL PORT REPORT_DIR
#
# Starts `BIN demo` on DATABASE_URL (a SQLite file is rebuilt; a PostgreSQL database must be new
# and empty), then runs Schemathesis once per role, each logged in through the API with its own
# session cookie and CSRF header: the administrator (quantri), a commune officer (xa.canbo) and
# a commune reviewer (xa.thamdinh). Exits non-zero on any failure. The demo server is stopped on
# exit. Schemathesis itself (pinned) lives in a venv under e2e/.venv, installed once per version.
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 5), SCHEMATHESIS_SEED (default 14).
set -euo pipefail

BIN=$1 DB=$2 PORT=$3 OUT=$4
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/e2e/.venv"
ST="$VENV/bin/schemathesis"
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-5}
SEED=${SCHEMATHESIS_SEED:-14}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

"$ROOT/.ci/schemathesis-install.sh"

# A PostgreSQL database is made anew (postgres://postgres@HOST:PORT/NAME, as start-postgres.sh gives).
case "$DB" in
  postgres://* | postgresql://*)
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    rest=${DB#*://}; user=${rest%%@*}; rest=${rest#*@}; hostport=${rest%%/*}; name=${rest#*/}; name=${name%%\?*}
    "$PGBIN/dropdb" --if-exists -h "${hostport%%:*}" -p "${hostport##*:}" -U "$user" "$name"
    "$PGBIN/createdb" -h "${hostport%%:*}" -p "${hostport##*:}" -U "$user" "$name"
    ;;
esac

BASE="http://127.0.0.1:$PORT"
"$BIN" demo --bind "127.0.0.1:$PORT" --database-url "$DB" --stat-communes 1 >"$OUT/server.log" 2>&1 &
SERVER=$!
pids=()
cleanup() {
  for p in "${pids[@]}" "$SERVER"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
for _ in $(seq 1 240); do
  if curl -fsS "$BASE/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER" 2>/dev/null; then echo "the demo server stopped:"; tail -n 30 "$OUT/server.log"; exit 1; fi
  sleep 0.5
done
curl -fsS "$BASE/healthz" >/dev/null || { echo "the demo server did not start"; tail -n 30 "$OUT/server.log"; exit 1; }

# Logs each role in first: the runs that follow may change data, never these sessions.
declare -A COOKIE CSRF
ROLES=(quantri xa.canbo xa.thamdinh)
for user in "${ROLES[@]}"; do
  hdr=$(mktemp)
  body=$(curl -fsS -D "$hdr" -H 'content-type: application/json' \
    -d "{\"username\": \"$user\", \"password\": \"hoctap-2025\"}" "$BASE/api/v1/session")
  COOKIE[$user]=$(grep -i '^set-cookie: hoctap_session=' "$hdr" | head -n 1 | sed -E 's/^[Ss]et-[Cc]ookie: ([^;]*).*/\1/')
  CSRF[$user]=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])' <<<"$body")
  rm -f "$hdr"
  [ -n "${COOKIE[$user]}" ] && [ -n "${CSRF[$user]}" ] || { echo "login of $user failed"; exit 1; }
done

# Schemathesis keeps a cache in its working directory: the report directory, not the checkout.
cd "$OUT"
# The three roles at once (one Schemathesis process each, its output in REPORT_DIR/ROLE.log).
for user in "${ROLES[@]}"; do
  # Not fuzzed: logging out and resetting a password (they end sessions the runs use). One
  # worker each: Schemathesis 4.32's coverage phase can fail inside Hypothesis with threads.
  "$ST" run "$BASE/api/openapi.json" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 \
    --phases examples,coverage,fuzzing \
    --generation-database none --no-color --output-truncate true \
    --request-timeout 60 \
    --exclude-path /healthz \
    --exclude-name 'DELETE /api/v1/session' --exclude-name 'POST /api/v1/users/{id}/password-reset' \
    -H "Cookie: ${COOKIE[$user]}" -H "X-CSRF-Token: ${CSRF[$user]}" \
    --report junit --report-junit-path "$OUT/junit-$user.xml" \
    >"$OUT/$user.log" 2>&1 &
  pids+=($!)
done
rc=0
for i in "${!ROLES[@]}"; do
  user=${ROLES[$i]}
  if wait "${pids[$i]}"; then status=ok; else status=FAILED; rc=1; fi
  echo "--- Schemathesis as $user: $status"
  if [ "$status" = ok ]; then
    sed -n '/^Test cases:/,/^Seed:/p' "$OUT/$user.log" | grep -v '^$'
  else
    cat "$OUT/$user.log"
  fi
done
echo "demo server CPU time (seeding and answering): $(ps -o cputime= -p "$SERVER" | tr -d ' ')"
exit "$rc"
