#!/bin/bash
# Installs the pinned Schemathesis into e2e/.venv, once per version (a stamp holds the version
# installed), like the npm install of e2e/.
set -euo pipefail
VERSION=4.32.5
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV="$ROOT/e2e/.venv"
if [ "$(cat "$VENV/.hoctap-schemathesis" 2>/dev/null || true)" = "$VERSION" ] && [ -x "$VENV/bin/schemathesis" ]; then
  exit 0
fi
echo "pip: installing schemathesis==$VERSION into e2e/.venv"
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
echo "$VERSION" >"$VENV/.hoctap-schemathesis"
