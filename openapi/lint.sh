#!/usr/bin/env bash
# Lints the spec with two independent validators, installed pinned under target/ (npm, PyPI).
#   @redocly/cli lint        (recommended ruleset; a warning fails the lint too)
#   openapi-spec-validator   (the OpenAPI 3.0 JSON Schema)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
spec="$root/openapi/partner-center.yaml"
tools="$root/target/spec-tools"
REDOCLY_VERSION=2.77.0
OSV_VERSION=0.9.0

mkdir -p "$tools"
if [ ! -x "$tools/node_modules/.bin/redocly" ]; then
  (cd "$tools" && npm install --no-audit --no-fund --silent --prefix "$tools" "@redocly/cli@$REDOCLY_VERSION" >/dev/null)
fi
if [ ! -x "$tools/venv/bin/openapi-spec-validator" ]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==$OSV_VERSION"
fi

echo "== redocly lint ($REDOCLY_VERSION)"
out="$(REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$tools/node_modules/.bin/redocly" lint --max-problems 50 "$spec" 2>&1)" || { echo "$out"; exit 1; }
echo "$out" | grep -v -e '^npm warn' -e '║' -e '╔' -e '╚' -e '^ *$'
if echo "$out" | grep -qE '[0-9]+ warnings?'; then
  echo "redocly reported warnings; fix them" >&2
  exit 1
fi
echo "== openapi-spec-validator ($OSV_VERSION)"
"$tools/venv/bin/openapi-spec-validator" "$spec"
