#!/usr/bin/env bash
# End-to-end checks of the `infercost` command: the default scenario shows the golden strings,
# every format parses, and bad input exits with status 2 and a message naming the fix.
# Usage: cli_test.sh INFERCOST PLUGIN_DIR PRESET_DIR DATA_DIR
set -u
bin=$1 plugins=$2 presets=$3 data=$4
export INFERCOST_PLUGIN_PATH=$plugins INFERCOST_PRESET_PATH=$presets
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect_status() {  # expected-status description command...
  local want=$1 what=$2
  shift 2
  local out
  out=$("$@" 2>&1)
  local got=$?
  [[ $got -eq $want ]] || fail "$what: exit $got, want $want; output: $out"
  printf '%s' "$out"
}

# The default scenario (no arguments) shows the explainer's golden strings.
table=$(expect_status 0 "default scenario" "$bin")
for golden in "5.4 GB" "671.1 MB" "983.0 M" "61.4 MB" "18.79 B" "37.6 B" "18.8 GB" "655.4 K" \
  "1.05 B" "855.7 MB" "69.5 GB"; do
  grep -qF -- "$golden" <<<"$table" || fail "default table lacks '$golden'"
done
grep -qF "N = 750" <<<"$table" || fail "default table lacks the mean context N = 750"

# JSON parses and carries the documented schema.
json=$(expect_status 0 "json report" "$bin" report --format json)
python3 - "$json" <<'PY' || fail "json schema"
import json, sys
r = json.loads(sys.argv[1])
d = r["stages"]["decode"]
assert d["context_tokens"] == 750, d["context_tokens"]
qk = [p for p in d["phases"] if p["phase"] == "qk_scores"][0]
assert qk["section"] == "attention" and qk["flops"] == 983040000 and qk["kv_read_bytes"] == 61440000
assert d["stack"]["model_weight_bytes"] == 69503025152
assert "per_layer" in d and "totals" in d and "prefill" in r["stages"]
assert r["scenario"]["model"] == "llama-3-70b"
PY
csv=$(expect_status 0 "csv report" "$bin" report --format csv)
grep -q '^decode,attention,qk_scores,0,983040000,' <<<"$csv" || fail "csv lacks decode qk_scores row"

expect_status 0 "models json" "$bin" models --format json >/dev/null
expect_status 0 "hardware" "$bin" hardware >/dev/null
plugins_out=$(expect_status 0 "plugins" "$bin" plugins)
for p in mha gqa mqa mla naive flash roofline; do
  grep -qE "loaded +[a-z_]+ +$p " <<<"$plugins_out" || fail "plugins does not list $p as loaded"
done

# Bad input: exit 2 and a message naming the allowed values.
out=$(expect_status 2 "unknown model" "$bin" report --model no-such-model)
grep -q "llama-3-70b" <<<"$out" || fail "unknown model message does not list models: $out"
out=$(expect_status 2 "unknown hardware" "$bin" report --hardware tpu-v9)
grep -q "h100-sxm" <<<"$out" || fail "unknown hardware message does not list devices: $out"
out=$(expect_status 2 "unknown dtype" "$bin" report --weights fp7)
grep -q "int4" <<<"$out" || fail "unknown dtype message does not list dtypes: $out"
out=$(expect_status 2 "unknown kernel" "$bin" report --attention-kernel turbo)
grep -q "flash" <<<"$out" || fail "unknown kernel message does not list kernels: $out"
expect_status 2 "bad flag" "$bin" --no-such-flag >/dev/null
expect_status 2 "zero tokens" "$bin" report --input-tokens 0 >/dev/null
expect_status 2 "negative concurrency" "$bin" report --concurrency -3 >/dev/null
expect_status 2 "overflow context" "$bin" report --input-tokens 99999999999 >/dev/null
expect_status 2 "bad format" "$bin" models --format xml >/dev/null
out=$(expect_status 2 "malformed model file" "$bin" report --model "$data/bad_models/negative_layers.toml")
grep -q "num_layers" <<<"$out" || fail "malformed model message does not name the key: $out"

if ((failures > 0)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "cli_end_to_end: all checks passed"
