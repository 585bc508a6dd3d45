#!/usr/bin/env bash
# Build the manuals (issue 31): generate the screenshots and the API reference
# (scripts/docs_assets.py), then `mkdocs build --strict` (warnings are errors: a broken link, a
# page left out of the nav, a missing image) into server/console/manual/, which the server
# serves at /docs/. Extra arguments go to docs_assets.py (--no-shots keeps the pictures).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python scripts/docs_assets.py "$@"
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet --site-dir "${KIOSK_DOCS_SITE_DIR:-server/console/manual}"
echo "docs_build: the manuals are in ${KIOSK_DOCS_SITE_DIR:-server/console/manual}/ (served at /docs/)"
