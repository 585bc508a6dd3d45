#!/bin/sh
# Fetch Apache ECharts for the console from the npm registry (`npm pack`), check the pinned
# sha256 of the package, and copy dist/echarts.min.js (and its LICENSE/NOTICE) into
# server/console/static/. The result is committed: halls on government intranets and CI
# need no network and no CDN. To upgrade: change VERSION, run with SHA256=new-sum after
# checking the new tarball's integrity yourself, commit the new files.
set -eu
VERSION="${ECHARTS_VERSION:-6.1.0}"
SHA256="${SHA256:-681aff88cc1038c3fa941a3a53d1b177a52250b05335efc607d6105ae13be481}"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$HERE/server/console/static"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "fetch_echarts: npm pack echarts@$VERSION"
(cd "$WORK" && npm pack --silent "echarts@$VERSION" >/dev/null)
TARBALL="$WORK/echarts-$VERSION.tgz"
GOT="$(sha256sum "$TARBALL" | cut -d' ' -f1)"
if [ "$GOT" != "$SHA256" ]; then
    echo "fetch_echarts: sha256 mismatch for echarts-$VERSION.tgz: got $GOT, pinned $SHA256" >&2
    exit 1
fi
tar -xzf "$TARBALL" -C "$WORK" package/dist/echarts.min.js package/LICENSE package/NOTICE
cp "$WORK/package/dist/echarts.min.js" "$DEST/echarts.min.js"
cat "$WORK/package/LICENSE" "$WORK/package/NOTICE" > "$DEST/echarts.LICENSE.txt"
echo "echarts $VERSION from npm (echarts-$VERSION.tgz sha256 $SHA256)" > "$DEST/echarts.VERSION"
echo "fetch_echarts: server/console/static/echarts.min.js is echarts $VERSION ($(sha256sum "$DEST/echarts.min.js" | cut -c1-16)...)"
