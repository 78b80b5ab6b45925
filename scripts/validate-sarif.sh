#!/usr/bin/env bash
# Validate vendorsec's SARIF output against the official SARIF 2.1.0 JSON schema. Run by the
# test crates/vendorsec-cli/tests/sarif_schema.rs, or by hand.
#
# The schema (sarif-2.1.0-rtm.5.json) comes from the npm package @microsoft/jest-sarif and
# the validator from the PyPI package jsonschema; both are fetched once into
# ~/.cache/vendorsec/ and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${VENDORSEC_CACHE:-$HOME/.cache/vendorsec}"
mkdir -p "$cache"
schema="$cache/sarif-schema/package/lib/schemas/sarif-2.1.0-rtm.5.json"
if [ ! -f "$schema" ]; then
  rm -rf "$cache/sarif-schema" && mkdir -p "$cache/sarif-schema"
  (cd "$cache/sarif-schema" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null && tar xzf microsoft-jest-sarif-1.0.0-beta.0.tgz)
fi
venv="$cache/venv-sarif"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import jsonschema' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'jsonschema>=4,<5'
fi
# The binary under test: $VENDORSEC_BIN (the Rust test that runs this script sets it), else
# a debug build.
if [ -n "${VENDORSEC_BIN:-}" ]; then
  bin="$VENDORSEC_BIN"
else
  cargo build -q --locked -p vendorsec-cli
  bin="${CARGO_TARGET_DIR:-target}/debug/vendorsec"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Inputs: every rule's examples (the rule files), and a nested archive built here.
mkdir -p "$work/in"
cp -r crates/vendorsec-secrets/rules "$work/in/rules"
"$venv/bin/python" - "$work/in" <<'PY'
import io, sys, zipfile
root = sys.argv[1]
inner = io.BytesIO()
with zipfile.ZipFile(inner, "w") as z:
    z.writestr("config.properties", "token = ghp_Rt9QwErTyUiOpAsDfGhJkLzXcVbNm1234567\n")
core = io.BytesIO()
with zipfile.ZipFile(core, "w") as z:
    z.writestr("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
               "groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n")
with zipfile.ZipFile(root + "/app.obr", "w") as z:
    z.writestr("META-INF/lib/x.jar", inner.getvalue())
    z.writestr("META-INF/lib/log4j-core-2.14.1.jar", core.getvalue())
PY
# Dependency findings too: a database of the shared Maven advisories.
shared="${VENDORSEC_SHARED_DATA:-../shared/data}"
"$bin" db import "$shared/advisories/Maven" --db "$work/db" 2>/dev/null
set +e
"$bin" scan "$work/in" --format sarif --output "$work/out.sarif" --no-progress --db "$work/db"
code=$?
set -e
[ "$code" -eq 1 ] || { echo "validate-sarif: expected exit 1 (findings), got $code" >&2; exit 1; }
"$venv/bin/python" - "$schema" "$work/out.sarif" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
errors = sorted(cls(schema).iter_errors(log), key=lambda e: list(e.path))
for e in errors[:20]:
    print("SARIF schema error at %s: %s" % ("/".join(map(str, e.path)), e.message), file=sys.stderr)
results = log["runs"][0]["results"]
nested = [r for r in results if "!/" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]]
deps = [r for r in results if r["ruleId"].startswith("dep/")]
if errors or len(results) < 100 or not nested or not deps:
    print("SARIF 2.1.0 schema: INVALID (%d errors, %d results, %d nested, %d dependency)" % (len(errors), len(results), len(nested), len(deps)), file=sys.stderr)
    sys.exit(1)
print("SARIF 2.1.0 schema: valid (%d results, %d in archives, %d dependency)" % (len(results), len(nested), len(deps)))
PY
