#!/usr/bin/env bash
# Validates every .html file of a built archsite site with the Nu HTML Checker (vnu-jar, from npm).
#   usage: bash tests/browser/vnu.sh [public-dir]     (default: $ARCHSITE_PUBLIC, else <repo>/public)
# Needs Java 11+ and `npm ci` in tests/browser. Exits non-zero on any HTML error.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
site="${1:-${ARCHSITE_PUBLIC:-$repo/public}}"
case "$site" in /*) ;; *) site="$repo/$site" ;; esac
jar="$here/node_modules/vnu-jar/build/dist/vnu.jar"
[ -f "$jar" ] || { echo "vnu.sh: $jar missing: run 'npm ci' in tests/browser" >&2; exit 2; }
[ -d "$site" ] || { echo "vnu.sh: no built site at $site" >&2; exit 2; }
mapfile -d '' files < <(find "$site" -type f -name '*.html' -print0 | sort -z)
[ "${#files[@]}" -gt 0 ] || { echo "vnu.sh: no .html files in $site" >&2; exit 2; }
if java -Xss4m -jar "$jar" --errors-only --format gnu "${files[@]}"; then
  echo "vnu: ${#files[@]} passed, 0 failed"
else
  echo "vnu: HTML errors in $site (see above)" >&2
  exit 1
fi
