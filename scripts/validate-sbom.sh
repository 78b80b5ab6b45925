#!/usr/bin/env bash
# Validate `vendorsec sbom` output: CycloneDX 1.6 against the official JSON schema (strict,
# through cyclonedx-python-lib's validator, which ships the schemas) and SPDX 2.3 through
# spdx-tools' validator. Run by crates/vendorsec-cli/tests/deps.rs, or by hand with an
# input path: scripts/validate-sbom.sh PATH
#
# Both validators come from PyPI and are installed once into ~/.cache/vendorsec/venv-sbom.
# Each is also shown a broken document, which it must reject (so this check can fail).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${VENDORSEC_CACHE:-$HOME/.cache/vendorsec}"
venv="$cache/venv-sbom"
if [ ! -x "$venv/bin/pyspdxtools" ] || ! "$venv/bin/python" -c 'import cyclonedx.validation.json' 2>/dev/null; then
  mkdir -p "$cache"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'cyclonedx-python-lib[json-validation]>=11,<12' 'spdx-tools>=0.8,<0.9'
fi
if [ -n "${VENDORSEC_BIN:-}" ]; then
  bin="$VENDORSEC_BIN"
else
  cargo build -q --locked -p vendorsec-cli
  bin="${CARGO_TARGET_DIR:-target}/debug/vendorsec"
fi
input="${1:?usage: validate-sbom.sh PATH}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" sbom "$input" --format cyclonedx --output "$work/bom.json"
"$bin" sbom "$input" --format spdx --output "$work/spdx.json"
"$venv/bin/python" - "$work" <<'PY'
import json, sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
work = sys.argv[1]
v = JsonStrictValidator(SchemaVersion.V1_6)
text = open(work + "/bom.json").read()
err = v.validate_str(text)
if err is not None:
    print("CycloneDX 1.6 schema: INVALID: %s" % err, file=sys.stderr)
    sys.exit(1)
broken = json.loads(text)
broken["components"][0]["type"] = "not-a-type"
if v.validate_str(json.dumps(broken)) is None:
    print("CycloneDX validator accepted a broken document", file=sys.stderr)
    sys.exit(1)
bom = json.loads(text)
print("CycloneDX 1.6 schema: valid (%d components)" % len(bom["components"]))
doc = json.load(open(work + "/spdx.json"))
doc["packages"][0].pop("SPDXID")
json.dump(doc, open(work + "/spdx-broken.json", "w"))
PY
"$venv/bin/pyspdxtools" -i "$work/spdx.json"
if "$venv/bin/pyspdxtools" -i "$work/spdx-broken.json" >/dev/null 2>&1; then
  echo "SPDX validator accepted a broken document" >&2
  exit 1
fi
echo "SPDX 2.3: valid ($(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]))' "$work/spdx.json") packages)"
