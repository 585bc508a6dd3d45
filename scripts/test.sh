#!/usr/bin/env bash
# Set up (Debian packages, .venv) and run the whole test suite; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# The server tests also run against PostgreSQL when one answers here (trust auth, database test).
if [ -z "${KIOSK_TEST_PG_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  export KIOSK_TEST_PG_URL="postgresql://postgres@127.0.0.1:5432/test"
fi
exec .venv/bin/python -m pytest "$@"
