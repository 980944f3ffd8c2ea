#!/usr/bin/env bash
# End-to-end checks of the `infercost` command: the default scenario shows the golden strings,
# every format parses, and bad input exits with status 2 and a message naming the fix.
# Usage: cli_test.sh INFERCOST PLUGIN_DIR PRESET_DIR DATA_DIR ABI_TEST_DIR
set -u
bin=$1 plugins=$2 presets=$3 data=$4 abi=$5
export INFERCOST_PLUGIN_PATH=$plugins INFERCOST_PRESET_PATH=$presets
failures=0
TMPDIR_CLI=$(mktemp -d)
export INFERCOST_CACHE_DIR=$TMPDIR_CLI/cache  # plugin probe verdicts of this run only
trap 'rm -rf "$TMPDIR_CLI"' EXIT
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
for p in mha gqa mqa mla gated_deltanet dsa naive flash roofline; do
  grep -qE "loaded +[a-z_]+ +$p " <<<"$plugins_out" || fail "plugins does not list $p as loaded"
done

# Bad input: exit 2 and a message naming the allowed values.
out=$(expect_status 2 "unknown model" "$bin" report --model no-such-model)
grep -q "llama-3-70b" <<<"$out" || fail "unknown model message does not list models: $out"
out=$(expect_status 2 "unknown hardware" "$bin" report --hardware tpu-v9)
grep -q "h100-sxm" <<<"$out" || fail "unknown hardware message does not list devices: $out"
out=$(expect_status 2 "unknown dtype" "$bin" report --weights fp7)
grep -q "int4" <<<"$out" || fail "unknown dtype message does not list dtypes: $out"
grep -q "nvfp4, mxfp4" <<<"$out" || fail "unknown weights dtype message does not list the fp4 layouts: $out"
# Weights may name their 4-bit float layout; the report says which.
# A Hugging Face id that is not a file names the preset of its architecture (said on stderr); a
# benchmark's device label is a preset's alias.
out=$(expect_status 0 "hugging face id" "$bin" --format json report --model meta-llama/Llama-3.3-70B-Instruct --hardware h100_sxm)
grep -q -- "--model meta-llama/Llama-3.3-70B-Instruct: the preset llama-3.1-70b" <<<"$out" || fail "report --model <hf id>: $out"
grep -q '"model": "llama-3.1-70b"' <<<"$out" || fail "report --model <hf id> does not report llama-3.1-70b"
grep -q '"hardware": "h100-sxm"' <<<"$out" || fail "report --hardware h100_sxm does not report h100-sxm"
out=$(expect_status 2 "unknown hugging face id" "$bin" report --model acme/Frob-9B-Chat)
grep -q "model acme/Frob-9B-Chat: no such file, and no model preset for 'acme/Frob-9B-Chat' (tried .*frob-9b)" <<<"$out" || fail "report --model <unknown id>: $out"
# A model file that replaces a shipped preset of its name keeps every measured error band.
shipped=$(expect_status 0 "shipped preset" "$bin" --format json report --model llama-3-70b --engine vllm)
replaced=$(expect_status 0 "preset file" "$bin" --format json report --model "$presets/models/llama-3-70b.toml" --engine vllm)
grep -q '"calibrated": true' <<<"$shipped" || fail "vllm llama-3-70b on h100 has no calibrated band: $shipped"
[[ "$(grep -A30 '"bands"' <<<"$shipped")" == "$(grep -A30 '"bands"' <<<"$replaced")" ]] || fail "a model file loses the error bands: $replaced"
out=$(expect_status 0 "weights mxfp4" "$bin" --format json report --weights mxfp4)
grep -q '"weights": "mxfp4"' <<<"$out" || fail "report --weights mxfp4 does not say mxfp4"
out=$(expect_status 2 "unknown kernel" "$bin" report --attention-kernel turbo)
grep -q "flash" <<<"$out" || fail "unknown kernel message does not list kernels: $out"
expect_status 2 "bad flag" "$bin" --no-such-flag >/dev/null
# An engine fit that does not exist lists the fits there are (from the fit specs).
out=$(expect_status 2 "unknown engine fit" "$bin" calibrate --engines --engine no-such-engine \
  --data-dir "$data/validation")
grep -q "trtllm-0.11 on h100-sxm" <<<"$out" || fail "unknown fit message does not list fits: $out"
# A preset that names what is not there: the message names the preset's file and key.
mkdir -p "$TMPDIR_CLI/odd/engines" "$TMPDIR_CLI/odd/hardware"
sed 's/^attention_variant = .*/attention_variant = "foo"/' "$presets/models/llama-3-8b.toml" >"$TMPDIR_CLI/badvar.toml"
out=$(expect_status 2 "model names an unloaded variant" "$bin" report --model "$TMPDIR_CLI/badvar.toml")
grep -q "badvar.toml): attention_variant = \"foo\": no attention_variant plugin named 'foo'" <<<"$out" || fail "model names an unloaded variant: $out"
sed 's/^reference_hardware = .*/reference_hardware = "nope"/; s/^name = "vllm"/name = "vllm-odd"/' "$presets/engines/vllm.toml" >"$TMPDIR_CLI/odd/engines/vllm-odd.toml"
out=$(expect_status 2 "engine reference device unknown" "$bin" --presets-dir "$TMPDIR_CLI/odd" report --engine vllm-odd)
grep -q "vllm-odd.toml): reference_hardware = \"nope\" names no hardware preset" <<<"$out" || fail "engine reference device unknown: $out"
sed 's/^plugin = .*/plugin = "nonexist"/; s/^name = "h100-sxm"/name = "h100-odd"/' "$presets/hardware/h100-sxm.toml" >"$TMPDIR_CLI/odd/hardware/h100-odd.toml"
out=$(expect_status 2 "hardware names an unloaded plugin" "$bin" --presets-dir "$TMPDIR_CLI/odd" report --hardware h100-odd)
grep -q "h100-odd.toml): plugin = \"nonexist\": no hardware plugin named 'nonexist'" <<<"$out" || fail "hardware names an unloaded plugin: $out"
out=$(expect_status 2 "validate unknown engine" "$bin" validate --engine foo --data "$data/validation/anl_static_batch.csv")
grep -q "no such preset; allowed: deepspeed-mii" <<<"$out" || fail "validate unknown engine lists the engines: $out"
out=$(expect_status 2 "validate a directory" "$bin" validate --data "$data/validation")
grep -q "is a directory, not a file" <<<"$out" || fail "validate a directory: $out"
# A pipe or a device is not a data file either (reading /dev/zero once ran out of memory, and a
# pipe with no writer hung the run).
out=$(expect_status 2 "validate a device" timeout 60 "$bin" validate --data /dev/zero)
grep -q "/dev/zero: not a regular file" <<<"$out" || fail "validate a device: $out"
out=$(expect_status 2 "search a device as the workload" timeout 60 "$bin" search --workload /dev/zero)
grep -q "/dev/zero: not a regular file" <<<"$out" || fail "search --workload a device: $out"
# A request without one of its lengths is named as such (it read as "input_tokens -1").
printf 'input_tokens,output_tokens\n1000,200\n,300\n' >"$TMPDIR_CLI/blank_workload.csv"
out=$(expect_status 2 "search workload with a blank length" "$bin" search --workload "$TMPDIR_CLI/blank_workload.csv")
grep -q "blank_workload.csv:3: input_tokens is empty" <<<"$out" || fail "search workload with a blank length: $out"
# A file whose rows all name what has no preset says which (it said only "no row matches").
printf 'Hardware,Num of Hardware,Framework,Model,Input Output Length,Batch Size,Latency,Throughput\nNvidia Z999 GPU,1,vLLM,meta-llama/Meta-Llama-3-8B,128,1,0.99,257.5\n' >"$TMPDIR_CLI/unknown_device.csv"
out=$(expect_status 2 "validate rows without presets" "$bin" validate --data "$TMPDIR_CLI/unknown_device.csv")
grep -q "unknown_device.csv:2: no hardware preset for 'Nvidia Z999 GPU' (tried .*z999); add one, or add the name to a preset's .aliases." <<<"$out" || fail "validate rows without presets: $out"
# A refused value of megabytes is quoted by its start, not echoed whole.
long_name=$(head -c 100000 /dev/zero | tr '\0' 'x')
out=$(expect_status 2 "a 100 kB model name" "$bin" report --model "$long_name")
(( ${#out} < 6000 )) || fail "a 100 kB model name: ${#out} bytes of error message"
grep -q "more bytes of this message left out" <<<"$out" || fail "a 100 kB model name: $out"
# --out belongs to --bands: with --engines it wrote nothing, silently.
out=$(expect_status 2 "engine fit with --out" "$bin" calibrate --engines --engine vllm \
  --hardware b200 --out "$TMPDIR_CLI/fit.toml" --data-dir "$data/validation")
grep -q -- "--out $TMPDIR_CLI/fit.toml writes the error bands only" <<<"$out" || fail "engine fit with --out: $out"
# A per-operator file with its header and no rows is an error, not a perfect 0 % over nothing.
mkdir -p "$TMPDIR_CLI/perop/per_op"
cp -r "$data/validation/per_op/." "$TMPDIR_CLI/perop/per_op/"
f=$(ls "$TMPDIR_CLI/perop/per_op"/*all_reduce*.csv | head -1)
head -1 "$f" >"$f.head" && mv "$f.head" "$f"
out=$(expect_status 2 "per-op file without rows" "$bin" validate --suite per-op --data "$TMPDIR_CLI/perop")
grep -q "no measurement rows" <<<"$out" || fail "per-op file without rows: $out"
# A NaN coverage (which CLI11's range check lets by) is refused, not written as coverage = nan.
out=$(expect_status 2 "coverage nan" "$bin" calibrate --bands --coverage nan --data-dir "$data/validation")
grep -q "is not a share in \[0.5, 0.99\]" <<<"$out" || fail "coverage nan: $out"
# An empty value (an unset shell variable) is an error naming the flag, never a silent default.
out=$(expect_status 2 "empty value" "$bin" report --mfu "")
grep -q -- "--mfu: an empty value" <<<"$out" || fail "empty value: $out"
out=$(expect_status 2 "empty value after =" "$bin" report --gpus=)
grep -q -- "--gpus: an empty value" <<<"$out" || fail "empty value after =: $out"
expect_status 2 "zero tokens" "$bin" report --input-tokens 0 >/dev/null
# --tp 0 is refused as --pp/--dp/--ep 0 are (it was read as the default, silently).
out=$(expect_status 2 "zero tensor parallel" "$bin" report --tp 0)
grep -q -- "--tp: 0 is not a count" <<<"$out" || fail "--tp 0: $out"
expect_status 2 "negative concurrency" "$bin" report --concurrency -3 >/dev/null
# A tensor-parallel degree taken from --gpus is named as such, not as a --tp the user never gave.
out=$(expect_status 2 "tp from gpus" "$bin" report --gpus 3)
grep -qF "tensor parallel 3 (--gpus 3 / (--pp 1 x --dp 1); no --tp given) does not divide the 64 attention heads of llama-3-70b; valid layouts for 3 GPUs: --tp 1 --pp 1 --dp 3" <<<"$out" || fail "tp from gpus: $out"
out=$(expect_status 2 "tp given" "$bin" report --gpus 3 --tp 3)
grep -qF "infercost: error: --tp 3 does not divide the 64 attention heads" <<<"$out" || fail "tp given: $out"
expect_status 2 "overflow context" "$bin" report --input-tokens 99999999999 >/dev/null
expect_status 2 "bad format" "$bin" models --format xml >/dev/null
out=$(expect_status 2 "malformed model file" "$bin" report --model "$data/bad_models/negative_layers.toml")
grep -q "num_layers" <<<"$out" || fail "malformed model message does not name the key: $out"

# Issue 9: hostile flags are errors naming the flag (exit 2), never a crash or an inf/null.
out=$(expect_status 2 "pp x dp overflow" "$bin" report --pp 4294967296 --dp 4294967296)
grep -q -- "--pp = 4294967296 exceeds --gpus" <<<"$out" || fail "pp overflow message: $out"
out=$(expect_status 2 "tp x pp overflow" "$bin" report --tp 4294967296 --pp 4294967296 --gpus 1)
grep -q -- "exceeds --gpus 1" <<<"$out" || fail "tp overflow message: $out"
for value in 0 1e-300 5e-324 1.5; do
  out=$(expect_status 2 "--mfu $value" "$bin" report --mfu "$value")
  grep -q -- "--mfu" <<<"$out" || fail "--mfu $value message does not name the flag: $out"
  out=$(expect_status 2 "--bw-efficiency $value" "$bin" report --bw-efficiency "$value")
  grep -q -- "--bw-efficiency" <<<"$out" || fail "--bw-efficiency $value message: $out"
done
out=$(expect_status 2 "missing plugin dir" "$bin" report --plugin-dir /nonexistent/plugins)
grep -q "/nonexistent/plugins" <<<"$out" || fail "--plugin-dir message does not name it: $out"
out=$(expect_status 2 "beyond context" "$bin" report --input-tokens 8192)
grep -q -- "--allow-beyond-context" <<<"$out" || fail "beyond-context message: $out"
out=$(expect_status 0 "beyond context allowed" "$bin" report --input-tokens 8192 --allow-beyond-context)
grep -q "warning: .*8692 tokens exceeds the 8192-token maximum" <<<"$out" ||
  fail "no warning for a context beyond the model: $out"
json=$(expect_status 0 "json never null" "$bin" report --format json --mfu 0.001 --bw-efficiency 0.001)
grep -qE 'null|inf|nan' <<<"$json" && fail "json report has null/inf/nan: $(grep -oE '.{40}(null|inf|nan).{10}' <<<"$json" | head -3)"
printf '{"architectures": ["LlamaForCausalLM"], "num_hidden_layers": 1e400}' >"$TMPDIR_CLI/config.json"
out=$(expect_status 2 "json number out of range" "$bin" report --model "$TMPDIR_CLI/config.json")
grep -q "out of range" <<<"$out" || fail "1e400 config.json message: $out"
mkdir -p "$TMPDIR_CLI/dir.toml"
out=$(expect_status 2 "directory as a model" "$bin" report --model "$TMPDIR_CLI/dir.toml")
grep -q "is a directory" <<<"$out" || fail "directory model message: $out"

# Issue 9: a third-party plugin named like the host's own is refused unless overridden; the
# listing says which one wins and why.
out=$(expect_status 0 "shadowing plugin" "$bin" plugins --plugin-dir "$abi/shadow_plugins")
grep -qE "loaded +attention_variant +gqa .*$plugins/.*the host's own plugin" <<<"$out" ||
  fail "plugins does not show the host's own gqa winning: $out"
grep -qF "$abi/shadow_plugins/infercost-gqa" <<<"$out" && grep -q -- "--plugin-override gqa" <<<"$out" ||
  fail "plugins does not list the shadowing gqa as refused with the override hint: $out"
out=$(expect_status 0 "overriding plugin" "$bin" plugins --plugin-dir "$abi/shadow_plugins" \
  --plugin-override gqa)
grep -qE "loaded +attention_variant +gqa .*shadow_plugins/.*replaces the host's own 'gqa'" <<<"$out" ||
  fail "--plugin-override gqa does not make the third-party gqa win: $out"
grep -q "overridden by" <<<"$out" || fail "the overridden host gqa is not listed: $out"
out=$(expect_status 0 "override matching nothing" "$bin" plugins --plugin-override nosuch)
grep -q "warning: --plugin-override nosuch" <<<"$out" || fail "no warning for a vain override: $out"
# A plugin that segfaults when called is probed in a child process and never loaded: the host
# lists it as rejected with the crashing call, and the default scenario still runs.
out=$(expect_status 0 "crashing plugin listed" "$bin" plugins --plugin-dir "$abi/crash_plugins")
grep -qE "abi_segfaults.*conformance probe.*SIGSEGV.*emit_phases" <<<"$out" ||
  fail "the crashing plugin is not rejected with its crash: $out"
table=$(expect_status 0 "report beside a crashing plugin" "$bin" report --plugin-dir "$abi/crash_plugins")
grep -qF "983.0 M" <<<"$table" || fail "default scenario beside a crashing plugin: $table"
# A plugin of a directory the user named that is not loaded is said at once (it was listed by
# `infercost plugins` and named only when asked for), with what is wrong; not by `plugins`.
grep -q "warning: plugin .*infercost-abi_segfaults.so (abi_segfaults) (in --plugin-dir .*crash_plugins) is not loaded: .*SIGSEGV" <<<"$table" ||
  fail "no warning of the crashing plugin in --plugin-dir: $table"
out=$(expect_status 0 "broken manifest in --plugin-dir" "$bin" hardware --plugin-dir "$abi/bad_plugins")
grep -q "warning: plugin .*abi_future_major.icplugin.toml (abi_future_major) (in --plugin-dir .*bad_plugins) is not loaded: manifest declares ABI major 2" <<<"$out" ||
  fail "no warning of a wrong-ABI manifest in --plugin-dir: $out"
out=$(expect_status 0 "plugins lists, not warns" "$bin" plugins --plugin-dir "$abi/crash_plugins")
grep -q "warning: plugin .*(in --plugin-dir" <<<"$out" && fail "plugins repeats its rejected list as warnings: $out"
out=$(expect_status 2 "using the crashing plugin" "$bin" report --plugin-dir "$abi/crash_plugins" \
  --attention-variant abi_segfaults)
grep -q "was rejected: .*SIGSEGV" <<<"$out" || fail "asking for the crashing plugin: $out"

# Issue 10: the variant plugin, not the host, judges a model and its options (exit 2, message
# naming the option or field and where it was set).
out=$(expect_status 2 "kv heads not grouping" "$bin" report --model "$data/bad_models/kv_heads_not_grouping.toml")
grep -q "not a multiple of num_kv_heads = 3" <<<"$out" || fail "gqa did not refuse 32/3 heads: $out"
out=$(expect_status 2 "mla without ranks" "$bin" report --model "$data/bad_models/mla_without_ranks.toml")
grep -q "needs the option kv_lora_rank" <<<"$out" || fail "mla without ranks: $out"
out=$(expect_status 2 "huge mla rank" "$bin" report --model "$data/bad_models/huge_mla_rank.toml")
grep -q "qk_nope_head_dim = 9223372036854775807 is beyond any model" <<<"$out" || fail "huge rank: $out"
out=$(expect_status 2 "gqa on an mla model" "$bin" report --model deepseek-v3 --attention-variant gqa)
grep -q "option kv_lora_rank is not an option of the gqa variant.*deepseek-v3.toml \[variant\]" <<<"$out" ||
  fail "gqa given MLA's options: $out"
out=$(expect_status 2 "unknown variant option" "$bin" report --variant-option nosuch=1)
grep -q "option nosuch is not an option of the gqa variant; it takes output_gate (set in --variant-option)" <<<"$out" ||
  fail "unknown --variant-option: $out"
out=$(expect_status 2 "bad variant option" "$bin" report --variant-option "no value")
grep -q "is not key=value" <<<"$out" || fail "malformed --variant-option: $out"
out=$(expect_status 2 "bad mla form" "$bin" report --model deepseek-v3 --mla-form sideways)
grep -q 'option mla_form = "sideways" is not known' <<<"$out" || fail "bad --mla-form: $out"
a=$(expect_status 0 "mla form option" "$bin" report --model deepseek-v3 --format json --variant-option mla_form=decompress)
b=$(expect_status 0 "mla form flag" "$bin" report --model deepseek-v3 --format json --mla-form decompress)
[[ "$a" == "$b" ]] || fail "--mla-form X and --variant-option mla_form=X differ"
c=$(expect_status 0 "mla default form" "$bin" report --model deepseek-v3 --format json)
[[ "$a" != "$c" ]] || fail "--variant-option mla_form=decompress changed nothing"

# compare (issue 13, point 4): shared flags for both sides, --a./--b. for one, a TOML side file;
# every value with its difference and ratio. Hand-derived: the model's parameters do not depend on
# the GPU count, so params are equal; one GPU holds the whole model's weights and two hold half
# each, so the weights per GPU of B (2 GPUs) over A (1 GPU) are within a few % of 1/2 (norms are
# replicated).
out=$(expect_status 0 "compare json" "$bin" compare --model llama-3-8b --a.gpus 1 --b.gpus 2 --format json)
printf '%s' "$out" >"$TMPDIR_CLI/compare.json"
python3 - "$TMPDIR_CLI/compare.json" <<'PY' || fail "compare json"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["a"]["gpus"] == 1 and c["b"]["gpus"] == 2 and c["a"]["model"] == c["b"]["model"] == "llama-3-8b"
m = {r["metric"]: r for r in c["metrics"]}
assert m["scenario.gpus"]["differs"] and m["scenario.gpus"]["ratio"] == 2
assert not m["stages.decode.totals.params"]["differs"]
w = m["summary.memory.per_gpu.weights_bytes"]
assert w["differs"] and 0.49 < w["ratio"] < 0.52, w
assert abs(w["difference"] - (w["b"] - w["a"])) < 1e-6 * w["a"]
PY
printf 'model = "llama-3-8b"\ngpus = 1\ninput_tokens = 1000\n' >"$TMPDIR_CLI/side.toml"
# A flag given twice for one side is refused, as report refuses it (the last one used to win).
# A per-layer variant's option, from a side file's [variant_options] table (a table per variant)
# and as --variant-option VARIANT.KEY=VALUE: Qwen3-Next's short conv of kernel 8 holds
# (2·16·128 + 32·128) x 8 = 65,536 weights per layer, kernel 4 (the preset's) 32,768.
printf 'model = "qwen3-next-80b-a3b"\n[variant_options]\ngated_deltanet.conv_kernel = 8\n' >"$TMPDIR_CLI/conv8.toml"
out=$(expect_status 0 "compare per-layer variant option" "$bin" --format csv compare --a "$TMPDIR_CLI/conv8.toml" --b.model qwen3-next-80b-a3b --b.variant-option gated_deltanet.conv_kernel=4)
grep -q '^stages.decode.per_layer.groups\[moe-linear\].phases\[short_conv\].params,65536,32768,-32768,0.5,1$' <<<"$out" || fail "compare per-layer variant option: $out"
out=$(expect_status 0 "per-layer variant option on the command line" "$bin" --format csv compare --model qwen3-next-80b-a3b --a.variant-option gated_deltanet.conv_kernel=8)
grep -q '^stages.decode.per_layer.groups\[moe-linear\].phases\[short_conv\].params,65536,32768,' <<<"$out" || fail "per-layer variant option on the command line: $out"
out=$(expect_status 2 "compare repeated flag" "$bin" compare --gpus 2 --gpus 4)
grep -q "compare: --gpus is given more than once for both sides" <<<"$out" || fail "compare repeated flag: $out"
out=$(expect_status 2 "compare repeated side flag" "$bin" compare --a.gpus 2 --a.gpus=4)
grep -q "compare: --a.gpus is given more than once" <<<"$out" || fail "compare repeated side flag: $out"
out=$(expect_status 0 "compare file" "$bin" compare --a "$TMPDIR_CLI/side.toml" --b.model mistral-7b --b.gpus 1 --format csv)
grep -q '^scenario.input_tokens,1000,500,-500,0.5,1' <<<"$out" || fail "compare csv input tokens: $out"
grep -q '^scenario.model,llama-3-8b,mistral-7b,,,1' <<<"$out" || fail "compare csv model: $out"
# A side file's misspelt key names the file, its line and the keys there are; a side that is
# neither a nor b is refused as such (it once read as side a's error).
printf 'gpus = 1\nmodle = "llama-3-8b"\n' >"$TMPDIR_CLI/typo.toml"
out=$(expect_status 2 "compare side file typo" "$bin" compare --a "$TMPDIR_CLI/typo.toml" --b.gpus 2)
grep -q "typo.toml:2: unknown key 'modle'; a scenario file's keys are the scenario flags" <<<"$out" || fail "compare side file typo: $out"
# A side file's value out of range names the file it came from (the message names the flag).
printf 'model = "llama-3-8b"\nmoe_imbalance = 70\n' >"$TMPDIR_CLI/imbalance.toml"
out=$(expect_status 2 "compare side file value" "$bin" compare --b "$TMPDIR_CLI/imbalance.toml" --a.gpus 2)
grep -qF -- "side b (from $TMPDIR_CLI/imbalance.toml: its keys are the flags named here without their dashes, [variant_options] is --variant-option): --moe-imbalance = 70 must be in [1, 64]" <<<"$out" || fail "compare side file value: $out"
out=$(expect_status 2 "sweep base file value" "$bin" sweep --grid-file "$TMPDIR_CLI/imbalance.toml" --grid concurrency=1,2)
grep -qF -- "the first: --moe-imbalance = 70 must be in [1, 64] (1 = perfectly balanced experts) (the base scenario from $TMPDIR_CLI/imbalance.toml: its keys" <<<"$out" || fail "sweep base file value: $out"
out=$(expect_status 2 "compare side c" "$bin" compare --c.gpus 1)
grep -q "unexpected argument '--c.gpus'" <<<"$out" || fail "compare side c: $out"
# Sides with nothing of their own are one scenario twice (it printed a table of equal values).
out=$(expect_status 2 "compare no side" "$bin" compare --model llama-3-8b)
grep -q "compare: nothing sets side A apart from side B" <<<"$out" || fail "compare no side: $out"
out=$(expect_status 0 "compare table" "$bin" compare --a.concurrency 1 --b.concurrency 8 --only-different)
grep -q '^\*  summary.tokens_per_s_aggregate' <<<"$out" || fail "compare table marks differences: $out"
# A band's reason (about 100 characters) is shortened in the table, which stays narrow; the
# CSV holds it whole.
out=$(expect_status 0 "compare long texts" "$bin" compare --a.hardware h100-sxm --b.hardware b200)
grep -q "Texts longer than 40 characters are shortened here" <<<"$out" || fail "compare long texts note: $out"
grep -v '^[AB]: ' <<<"$out" | awk 'length > 200 { bad = 1 } END { exit bad }' || fail "compare table too wide: $out"
out=$(expect_status 0 "compare long texts csv" "$bin" compare --a.hardware h100-sxm --b.hardware b200 --format csv)
grep -q 'no measurements of regime [^,]*: the band of every measured regime of this time, doubled' <<<"$out" || fail "compare csv whole texts: $out"
out=$(expect_status 2 "compare bad flag" "$bin" compare --b.nosuch 1)
grep -q "compare, side b" <<<"$out" || fail "compare bad flag names the side: $out"
echo 'model = [1, 2]' >"$TMPDIR_CLI/bad.toml"
out=$(expect_status 2 "compare bad file" "$bin" compare --a "$TMPDIR_CLI/bad.toml")
grep -q "bad.toml: key 'model' must be a string or a number" <<<"$out" || fail "compare bad file: $out"

# sweep (issue 13, point 3): a grid from flags and a file, streamed as CSV or JSON lines; invalid
# points are lines with their error. Hand-derived: 3 GPU counts x 3 concurrencies (1..16*4 = 1,
# 4, 16) = 9 lines; 3 GPUs cannot split Llama-3-8B's 32 heads by TP 3; in a static batch every
# sequence decodes each step, so tokens/s aggregate = concurrency x tokens/s per user.
out=$(expect_status 0 "sweep csv" "$bin" sweep --model llama-3-8b --engine vllm --grid gpus=1,2,3 --grid concurrency=1..16*4)
[[ $(wc -l <<<"$out") -eq 10 ]] || fail "sweep: 1 header + 9 points: $out"
grep -q '^3,4,.*does not divide the 32 attention heads' <<<"$out" || fail "sweep: invalid point's error: $out"
printf '%s' "$out" >"$TMPDIR_CLI/sweep.csv"
# A decimal range is each value from LO, written with the range's decimals (adding up steps
# labelled 0.8 as 0.7999999999999999 and ran 0.1..0.3+0.1 to 0.30000000000000004).
out=$(expect_status 0 "sweep decimal range" "$bin" sweep --model llama-3-8b --gpus 1 --grid mfu=0.7..1.0+0.1 --grid bw_efficiency=0.1..0.3+0.1)
[[ $(cut -d, -f1,2 <<<"$out" | tr '\n' ' ') == "mfu,bw_efficiency 0.7,0.1 0.7,0.2 0.7,0.3 0.8,0.1 0.8,0.2 0.8,0.3 0.9,0.1 0.9,0.2 0.9,0.3 1.0,0.1 1.0,0.2 1.0,0.3 " ]] || fail "sweep decimal range: $out"

python3 - "$TMPDIR_CLI/sweep.csv" <<'PY' || fail "sweep csv identity"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if not r["error"]]
assert len(rows) == 6, rows
for r in rows:
    c, user, agg = int(r["concurrency"]), float(r["tokens_per_s_per_user"]), float(r["tokens_per_s_aggregate"])
    assert abs(agg - c * user) <= 1e-6 * agg, r
PY
# Points run on several threads and print in grid order: one thread and two give the same bytes.
# A base flag the grid also sets (--concurrency 3) is overridden by the grid's value, and a
# point is the report of its flags (same ttft_s and max_concurrency as `report --format json`).
one=$(expect_status 0 "sweep 1 thread" "$bin" sweep --model llama-3-8b --engine vllm --concurrency 3 --grid gpus=1,2,3 --grid concurrency=1..64*2 --threads 1)
two=$(expect_status 0 "sweep 2 threads" "$bin" sweep --model llama-3-8b --engine vllm --concurrency 3 --grid gpus=1,2,3 --grid concurrency=1..64*2 --threads 2)
[[ "$one" == "$two" ]] || fail "sweep: 1 and 2 threads differ"
[[ $(wc -l <<<"$one") -eq 22 ]] || fail "sweep: 1 header + 3 x 7 points: $one"
printf '%s' "$one" >"$TMPDIR_CLI/sweep_threads.csv"
for point in "2 16" "1 64"; do
  read -r g c <<<"$point"
  "$bin" report --model llama-3-8b --engine vllm --gpus "$g" --concurrency "$c" --format json >"$TMPDIR_CLI/point.json"
  python3 - "$TMPDIR_CLI/sweep_threads.csv" "$TMPDIR_CLI/point.json" "$g" "$c" <<'PY' || fail "sweep point $point is not its report"
import csv, json, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["gpus"] == sys.argv[3] and r["concurrency"] == sys.argv[4]]
assert len(rows) == 1, rows
summary = json.load(open(sys.argv[2]))["summary"]
assert float(rows[0]["ttft_s"]) == float(f'{summary["ttft_s"]:.9g}'), (rows[0], summary["ttft_s"])
assert float(rows[0]["tpot_s"]) == float(f'{summary["tpot_s"]:.9g}'), (rows[0], summary["tpot_s"])
PY
done
printf 'model = "llama-3-8b"\ngpus = 1\n[grid]\ninput_tokens = [100, 200]\nkv = ["fp8", "bf16"]\n' >"$TMPDIR_CLI/grid.toml"
out=$(expect_status 0 "sweep file" "$bin" sweep --grid-file "$TMPDIR_CLI/grid.toml" --format json)
[[ $(wc -l <<<"$out") -eq 4 ]] || fail "sweep file: 4 JSON lines: $out"
grep -q '"input_tokens":200,"kv":"bf16"' <<<"$out" || grep -q '"kv":"bf16"' <<<"$out" || fail "sweep json: $out"
# A switch is a grid field too (true/false), from flags and from a file; a file's own bad key is
# named by its file, not by the first grid value it meets, and a switch there must be true/false.
out=$(expect_status 0 "sweep switch field" "$bin" sweep --model llama-3-8b --gpus 1 --input-tokens 9000 --grid allow_beyond_context=false,true)
grep -q '^false,,.*exceeds the 8192-token maximum context' <<<"$out" || fail "sweep switch field, false: $out"
grep -Eq '^true,[0-9.]+,' <<<"$out" || fail "sweep switch field, true: $out"
printf 'model = "llama-3-8b"\ngpus = 1\ninput_tokens = 9000\n[grid]\nallow_beyond_context = [true, false]\n' >"$TMPDIR_CLI/switch.toml"
out=$(expect_status 0 "sweep switch in a file" "$bin" sweep --grid-file "$TMPDIR_CLI/switch.toml" --format json)
grep -q '"allow_beyond_context":"true",.*"error":null' <<<"$out" || fail "sweep switch in a file: $out"
printf 'gpus = "x"\n[grid]\nconcurrency = [1, 2]\n' >"$TMPDIR_CLI/badbase.toml"
out=$(expect_status 2 "sweep file bad base key" "$bin" sweep --grid-file "$TMPDIR_CLI/badbase.toml")
grep -qF "sweep, $TMPDIR_CLI/badbase.toml (the keys outside [grid]): Could not convert: --gpus = x" <<<"$out" || fail "sweep file bad base key: $out"
printf 'allow_beyond_context = 1\n[grid]\nconcurrency = [1]\n' >"$TMPDIR_CLI/badswitch.toml"
out=$(expect_status 2 "sweep file switch not boolean" "$bin" sweep --grid-file "$TMPDIR_CLI/badswitch.toml")
grep -qF "$TMPDIR_CLI/badswitch.toml:1: key 'allow_beyond_context' is a true/false setting" <<<"$out" || fail "sweep file switch not boolean: $out"
out=$(expect_status 2 "sweep bad range" "$bin" sweep --grid concurrency=8..1)
grep -q "a range is LO..HI+STEP" <<<"$out" || fail "sweep bad range: $out"
out=$(expect_status 2 "sweep too many threads" "$bin" sweep --grid gpus=1,2 --threads 5000)
grep -q -- "--threads" <<<"$out" || fail "sweep --threads 5000: the message names the flag: $out"
out=$(expect_status 2 "sweep bad field" "$bin" sweep --grid nosuch=1,2)
grep -q "grid field 'nosuch'" <<<"$out" || fail "sweep bad field: $out"
# A field given twice (either spelling), a range beyond 2^53 (doubles skip integers there; it
# once wrapped to negative concurrencies), and a value its flag cannot take are refused up front.
out=$(expect_status 2 "sweep field twice" "$bin" sweep --grid gpus=1,2 --grid gpus=4,8)
grep -q "grid field 'gpus' is given twice" <<<"$out" || fail "sweep field twice: $out"
out=$(expect_status 2 "sweep field twice spelled apart" "$bin" sweep --grid input_tokens=100 --grid input-tokens=200)
grep -q "is given twice" <<<"$out" || fail "sweep field twice spelled apart: $out"
out=$(expect_status 2 "sweep range beyond 2^53" "$bin" sweep --grid concurrency=1..1e30*2)
grep -q "within +-2^53" <<<"$out" || fail "sweep range beyond 2^53: $out"
out=$(expect_status 2 "sweep fractional value" "$bin" sweep --grid input_tokens=1..10*1.5)
grep -q "grid field 'input_tokens' = '1.5'" <<<"$out" || fail "sweep fractional value: $out"
# A million values in one field are checked at once (each one's parse, and a linear search among
# them for repeats, once made this take half an hour).
lines=$(timeout 120 "$bin" sweep --model llama-3-8b --grid concurrency=1..1000000+1 | wc -l)
[[ "$lines" -eq 1000001 ]] || fail "sweep of a million concurrencies: 1 header + 1,000,000 points, got $lines lines"

# search (issue 13, point 2): best per objective and the Pareto frontier, JSON / CSV / SVG; bad
# names are errors, not "nothing feasible".
out=$(expect_status 0 "search json" "$bin" search --model llama-3-8b --hardware h100-sxm,l40s --gpus 1,2 --concurrency 8 --max-tpot 0.05 --plot "$TMPDIR_CLI/front.svg" --format json)
printf '%s' "$out" >"$TMPDIR_CLI/search.json"
python3 - "$TMPDIR_CLI/search.json" <<'PY' || fail "search json"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["feasible"] > 0 and s["frontier"], s["feasible"]
best = s["best"]["most tokens/s per user"]
assert best["tokens_per_s_per_user"] == max(c["tokens_per_s_per_user"] for c in s["candidates"] if c["feasible"])
for c in s["candidates"]:
    if c["feasible"]:
        assert c["tpot_s"] <= 0.05
PY
grep -q "<svg" "$TMPDIR_CLI/front.svg" && grep -q "Pareto frontier" "$TMPDIR_CLI/front.svg" || fail "search --plot"
# A workload CSV: the search runs at its mean lengths ((100 + 300) / 2 = 200 in, (10 + 30) / 2 =
# 20 out); a row beyond the largest context is refused (a 2^63 - 1 row once wrapped to 1 token).
printf 'input_tokens,output_tokens\n100,10\n300,30\n' >"$TMPDIR_CLI/workload.csv"
out=$(expect_status 0 "search workload" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 1 --workload "$TMPDIR_CLI/workload.csv")
grep -q "2 requests, mean 200 in / 20 out tokens" <<<"$out" || fail "search workload: $out"
printf 'input_tokens,output_tokens\n9223372036854775807,9223372036854775807\n' >"$TMPDIR_CLI/huge.csv"
out=$(expect_status 2 "search huge workload" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 1 --workload "$TMPDIR_CLI/huge.csv")
grep -q "must each be in \[1, 16777216\]" <<<"$out" || fail "search huge workload: $out"
# --model may name a model file, as in report (the search runs under the file's name), and
# --attention-variant overrides every candidate's variant (an unknown one is named).
sed 's/^name = .*/name = "my-8b"/' "$presets/models/llama-3-8b.toml" >"$TMPDIR_CLI/my-8b.toml"
out=$(expect_status 0 "search model file" "$bin" search --model "$TMPDIR_CLI/my-8b.toml" --hardware h100-sxm --gpus 1)
grep -q "^search: my-8b, " <<<"$out" || fail "search model file: $out"
# A disaggregated run the simulation cannot follow is the request's error (exit 2; HTTP 400), as
# in serving mode, not an internal one.
out=$(expect_status 2 "disagg beyond the simulation" "$bin" report --mode disagg --concurrency 1048576 --gpus 8 --model llama-3-8b --input-tokens 1 --output-tokens 16777215 --allow-beyond-context)
grep -q "disagg simulation: no request completed" <<<"$out" || fail "disagg beyond the simulation: $out"
# A degree of parallelism of 0 is named, and a --plot path that cannot be written fails before
# the search, with the reason.
out=$(expect_status 2 "search tp 0" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 2 --tp 0)
grep -q "search: --tp 0 is out of range; allowed: 1..65536" <<<"$out" || fail "search tp 0: $out"
out=$(expect_status 2 "search unwritable plot" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 1 --plot "$TMPDIR_CLI/no-such-dir/front.svg")
grep -q "cannot write --plot .*no-such-dir/front.svg (No such file or directory)" <<<"$out" || fail "search unwritable plot: $out"
out=$(expect_status 2 "calibrate unwritable out" "$bin" calibrate --bands --out "$TMPDIR_CLI")
grep -qF "calibrate: cannot write --out $TMPDIR_CLI (Is a directory); give a file in a writable directory" <<<"$out" || fail "calibrate unwritable out: $out"
out=$(expect_status 2 "search unknown variant" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 1 --attention-variant nosuch)
grep -q "no attention_variant plugin named 'nosuch'" <<<"$out" || fail "search unknown variant: $out"
# The deployment's token budget reaches every candidate: the one configuration searched has the
# TTFT report gives it with the same budget (512 tokens: a 4,000-token prompt in 8 chunks), a
# budget below the one-step prompt's lengthens it, and a negative one is refused by name.
# search_time FIELD FLAGS...: the first candidate's FIELD (ttft_s, tpot_s); report_time the
# same scenario's report summary's.
search_time() {
  local field=$1
  shift
  "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 1 --weights fp8 --kv fp8 --mode serving --concurrency 8 --input-tokens 4000 "$@" --format json |
    python3 -c "import json, sys; print(repr(json.load(sys.stdin)['candidates'][0]['$field']))"
}
report_time() {
  local field=$1
  shift
  "$bin" --format json report --engine vllm --model llama-3-8b --hardware h100-sxm --gpus 1 --weights fp8 --kv fp8 --mode serving --concurrency 8 --input-tokens 4000 "$@" |
    python3 -c "import json, sys; print(repr(json.load(sys.stdin)['summary']['$field']))"
}
search_ttft() { search_time ttft_s "$@"; }
report_ttft() { report_time ttft_s "$@"; }
budget_search=$(search_ttft --max-batched-tokens 512) || fail "search --max-batched-tokens 512"
budget_report=$(report_ttft --max-batched-tokens 512) || fail "report --max-batched-tokens 512"
[ "$budget_search" = "$budget_report" ] || fail "search --max-batched-tokens: $budget_search, report: $budget_report"
python3 -c "import sys; sys.exit(0 if float('$budget_search') > float('$(search_ttft)') else 1)" || fail "search --max-batched-tokens 512 did not lengthen the TTFT"
# Speculative decoding reaches every candidate too: the searched TPOT is report's with the same
# drafts.
drafts_search=$(search_time tpot_s --speculative-tokens 2 --acceptance 0.8,0.5) || fail "search --speculative-tokens 2"
drafts_report=$(report_time tpot_s --speculative-tokens 2 --acceptance 0.8,0.5) || fail "report --speculative-tokens 2"
[ "$drafts_search" = "$drafts_report" ] || fail "search --speculative-tokens: $drafts_search, report: $drafts_report"
[ "$drafts_search" != "$(search_time tpot_s)" ] || fail "search --speculative-tokens 2 did not change the TPOT"
out=$(expect_status 2 "search negative budget" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 1 --max-batched-tokens -5)
grep -q -- "--max-batched-tokens = -5 must be the tokens one step may hold" <<<"$out" || fail "search negative budget: $out"
# Beyond the model's context: refused, naming the flag search takes to go on (as report does).
out=$(expect_status 2 "search beyond context" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 1 --input-tokens 9000)
grep -q "pass --allow-beyond-context" <<<"$out" || fail "search beyond context: $out"
expect_status 0 "search allowed beyond context" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 1 --input-tokens 9000 --allow-beyond-context >/dev/null
out=$(expect_status 0 "search csv" "$bin" search --model llama-3-8b --hardware l4 --gpus 1,3 --format csv)
grep -q '^l4,3,3,1,1,1,vllm,.*does not divide' <<<"$out" || fail "search csv lists invalid layouts: $out"
out=$(expect_status 2 "search bad device" "$bin" search --hardware nosuch)
grep -q "unknown hardware 'nosuch'" <<<"$out" || fail "search bad device: $out"
# A name no candidate can have, a number that is not one, or a grid none of whose points is a
# scenario is an error that says which, not "nothing feasible" with status 0.
out=$(expect_status 2 "search bad dtype" "$bin" search --hardware l4 --weights fp9)
grep -q -- "--weights: unknown dtype 'fp9'" <<<"$out" || fail "search bad dtype: $out"
out=$(expect_status 2 "search bad mode" "$bin" search --hardware l4 --mode wat)
grep -q -- '--mode "wat" is not a mode' <<<"$out" || fail "search bad mode: $out"
out=$(expect_status 2 "search nan budget" "$bin" search --hardware l4 --max-usd-per-hour nan)
grep -q -- "--max-usd-per-hour = nan must be a finite number" <<<"$out" || fail "search nan: $out"
out=$(expect_status 2 "search nothing valid" "$bin" search --model llama-3-8b --hardware l4 --gpus 3 --tp 3)
grep -q "none of the 2 configurations could be evaluated; 2 of them: --tp 3 does not divide" <<<"$out" || fail "search nothing valid: $out"
out=$(expect_status 2 "search no layout" "$bin" search --hardware l4 --gpus 1,2 --tp 4)
grep -q "no configuration matches the candidates given" <<<"$out" || fail "search no layout: $out"
out=$(expect_status 0 "search some valid" "$bin" search --model llama-3-8b --hardware l4 --gpus 1,3)
grep -q "2 not valid (2 of them: --tp 3 does not divide the 32 attention heads" <<<"$out" || fail "search names why a layout is not valid: $out"
# Nothing feasible: the search says what rules the configurations out and which one is nearest.
# Llama-3-8B in bf16 is 16.1 GB of weights that every decode step reads; at H100 SXM's
# 3.35 TB/s that is >= 4.8 ms per token, so no TPOT of 0.1 ms: the one configuration fails
# --max-tpot, and only it (16 GB fits in 80 GB at one request).
out=$(expect_status 0 "search none feasible" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 1 --engine vllm --weights bf16 --kv bf16 --mode static --max-tpot 0.0001)
grep -q "NONE FEASIBLE: what rules the configurations out" <<<"$out" || fail "search none feasible: $out"
grep -Eq -- "^--max-tpot 0.0001 s +1 +h100-sxm x1 tp1 pp1 dp1 ep1 vllm w:bf16 kv:bf16 static +TPOT [0-9.e-]+ s \(fails this one only" <<<"$out" || fail "search names the binding SLO and the nearest configuration: $out"
out=$(expect_status 0 "search none feasible json" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 1 --engine vllm --weights bf16 --kv bf16 --mode static --max-tpot 0.0001 --concurrency 100000 --format json)
printf '%s' "$out" >"$TMPDIR_CLI/none.json"
python3 - "$TMPDIR_CLI/none.json" <<'PY' || fail "search none feasible json: $out"
import json, sys
why = {b["constraint"]: b for b in json.load(open(sys.argv[1]))["none_feasible"]}
# 100,000 requests x 1,000 tokens x 131,072 KV bytes per token (2 x 32 layers x 8 KV heads x
# 128 x 2 bytes) = 13.1 TB: far beyond 80 GB.
assert why["memory at concurrency 100000"]["rules_out"] == 1, why
tpot = why["--max-tpot 0.0001 s"]
assert tpot["rules_out"] == 1 and not tpot["fails_it_alone"], tpot
PY
# Every configuration over the budget: the fewest GPUs any of them needs.
out=$(expect_status 0 "search all over budget" "$bin" search --model llama-3-8b --hardware h100-sxm --gpus 2 --max-gpus 1)
grep -Eq -- "^--max-gpus 1 +[0-9]+ +- +the fewest GPUs one of them needs: 2;" <<<"$out" || fail "search all over budget: $out"
out=$(expect_status 2 "sweep nothing valid" "$bin" sweep --weights fp9 --grid gpus=1,2)
grep -q "none of the 2 points is a valid scenario; the first: --weights: unknown dtype 'fp9'" <<<"$out" || fail "sweep nothing valid: $out"
out=$(expect_status 2 "decode workers 0" "$bin" report --mode disagg --decode-workers 0)
grep -q -- "--decode-workers: 0 is not a count: give at least 1, or leave the flag out for its default" <<<"$out" || fail "decode workers 0: $out"
out=$(expect_status 2 "sweep unknown field" "$bin" sweep --grid concurrency=1,2 --grid foo=3)
grep -q "sweep: unknown grid field 'foo'; a grid field is a scenario flag without its dashes" <<<"$out" || fail "sweep unknown field: $out"
grep -q "input-tokens, output-tokens, concurrency" <<<"$out" || fail "sweep unknown field lists the fields: $out"


# A request rate so low that the server is idle between requests is refused by name.
out=$(expect_status 2 "tiny request rate" "$bin" report --mode serving --request-rate 1e-300)
grep -qF -- "--request-rate = 1e-300 must be 0 (--concurrency closed-loop clients) or in [0.001, 1e6] requests per second" <<<"$out" || fail "tiny request rate: $out"

# The deployment's token budget per step: a negative one is refused by name, with the preset's.
out=$(expect_status 2 "negative token budget" "$bin" report --engine vllm --max-batched-tokens -5)
grep -qF -- "--max-batched-tokens = -5 must be the tokens one step may hold, 1..1000000000 (the deployment's setting, e.g. vLLM's --max-num-batched-tokens), or 0 for the engine preset's (8192)" <<<"$out" || fail "negative token budget: $out"

# Speculative decoding: the report says what was drafted and how many tokens a step adds
# (one draft at the default 0.85: 1.85); a scenario file's acceptance array is the flag's
# comma list (3 drafts at 0.85 then 0.3: 1 + 0.85 + 0.255 + 0.0765 = 2.1815); bad settings are
# refused by name.
out=$(expect_status 0 "speculative decoding" "$bin" report --model deepseek-v3 --hardware b200 --gpus 8 --engine trtllm --speculative-tokens 1)
grep -qF "1 drafted (1 draft layer), 1.85 tokens per step" <<<"$out" || fail "speculative decoding row: $out"
printf 'model = "deepseek-v3"\nhardware = "b200"\ngpus = 8\nspeculative_tokens = 3\nacceptance = [0.85, 0.3]\n' >"$TMPDIR_CLI/mtp.toml"
out=$(expect_status 0 "speculative decoding file" "$bin" --format csv compare --a "$TMPDIR_CLI/mtp.toml" --b.model deepseek-v3 --b.hardware b200 --b.gpus 8)
grep -q '^scenario.speculative_decoding.tokens_per_step,2.1815,1,' <<<"$out" || fail "speculative decoding from a file: $out"
plain_tpot=$("$bin" --format json report --model deepseek-v3 --hardware b200 --gpus 8 | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["tpot_s"])')
mtp_tpot=$("$bin" --format json report --model deepseek-v3 --hardware b200 --gpus 8 --speculative-tokens 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["tpot_s"])')
python3 -c "import sys; sys.exit(0 if float('$mtp_tpot') < float('$plain_tpot') else 1)" || fail "speculative decoding did not shorten the TPOT at batch 1: $mtp_tpot vs $plain_tpot"
out=$(expect_status 2 "too many drafted tokens" "$bin" report --speculative-tokens 17)
grep -qF -- "--speculative-tokens = 17 must be the tokens drafted per decode step, 0..16" <<<"$out" || fail "too many drafted tokens: $out"
out=$(expect_status 2 "acceptance without drafts" "$bin" report --acceptance 0.9)
grep -qF -- "--acceptance and --draft-layers describe speculative decoding; add --speculative-tokens K" <<<"$out" || fail "acceptance without drafts: $out"
# validate --speculative-tokens: a hypothesis applied to the selected rows; TensorRT-LLM's
# DeepSeek-R1 rows at <= 8 clients on B200 fit its minimum-latency recipe (MTP 3) better than
# plain decoding (docs/calibration.md, "Speculative decoding"); ANL's rows refuse it.
mtp_median() {
  "$bin" --format json validate --suite aic --mode serving --engine trtllm --model deepseek-r1 --hardware b200 "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["median_abs_error"])'
}
plain_median=$(mtp_median) || fail "validate plain DeepSeek-R1"
mtp3_median=$(mtp_median --speculative-tokens 3 --acceptance 0.85,0.3) || fail "validate MTP 3"
python3 -c "import sys; sys.exit(0 if float('$mtp3_median') < float('$plain_median') else 1)" || fail "validate MTP 3: median $mtp3_median, plain $plain_median"
out=$(expect_status 2 "validate anl with drafts" "$bin" validate --speculative-tokens 1)
grep -qF -- "--speculative-tokens, --acceptance and --draft-layers apply to the aic suites" <<<"$out" || fail "validate anl with drafts: $out"
# The aiconfigurator suites predict what their rows measured by default: a serving run's TTFT and
# TPOT (every agg row gets a predicted TTFT); --mode static is the one-decode-step view, TPOT only.
"$bin" --format json validate --suite aic --engine vllm --hardware h100-sxm | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["mode"] == "serving", d["mode"]
assert d["rows"] and all(r["ttft_relative_error"] != 0 for r in d["rows"]), "a row without a TTFT"
assert d["ttft_median_abs_error"] > 0
assert all(0 < g["ttft_rows"] <= g["rows"] and g["ttft_median_abs_error"] > 0 for g in d["groups"] + d["regimes"]), "a group without its TTFT error"
# Each regime axis (clients, TP, dense/MoE, prefill- or decode-bound) splits every row once.
for axis in ("batch ", "tp ", ("dense", "moe"), ("prefill-bound", "decode-bound")):
    rows = sum(f["rows"] for f in d["facets"] if f["regime"].startswith(axis))
    assert rows == len(d["rows"]), (axis, rows, len(d["rows"]))' || fail "validate --suite aic does not default to serving"
"$bin" --format json validate --suite aic --engine vllm --hardware h100-sxm --mode static | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["mode"] == "static", d["mode"]
assert d["ttft_median_abs_error"] == 0, "static mode compared an agg row TTFT"
assert all(g["ttft_rows"] == 0 for g in d["groups"]), "static mode compared a group TTFT"' || fail "validate --mode static"
# --requests-per-client N: the benchmark's N requests per client, the start-up burst one of them:
# each served row's predicted TTFT is (burst + (N - 1) steady) / N (10 by default).
for n in 10 1 50; do
  args=()
  [[ $n == 10 ]] || args=(--requests-per-client "$n")
  "$bin" --format json validate --suite aic --engine vllm --hardware h100-sxm "${args[@]}" | python3 -c '
import json, sys
n = float(sys.argv[1])
d = json.load(sys.stdin)
assert d["requests_per_client"] == n, d["requests_per_client"]
bursts = [r for r in d["rows"] if r["predicted_burst_ttft_ms"] > 0]
assert len(bursts) > 50, len(bursts)
for r in bursts:
    want = (r["predicted_burst_ttft_ms"] + (n - 1) * r["predicted_steady_ttft_ms"]) / n
    assert abs(r["predicted_ttft_ms"] / want - 1) < 1e-9, (n, r)' "$n" || fail "validate --requests-per-client $n"
done
out=$(expect_status 2 "requests per client on anl" "$bin" validate --requests-per-client 20)
grep -qF -- "--requests-per-client applies to the aic suites in serving mode (a closed-loop benchmark's mean TTFT), not --suite anl" <<<"$out" || fail "requests per client on anl: $out"
out=$(expect_status 2 "requests per client in static mode" "$bin" validate --suite aic --mode static --requests-per-client 20)
grep -qF -- "not --mode static" <<<"$out" || fail "requests per client in static mode: $out"
out=$(expect_status 2 "no requests per client" "$bin" validate --suite aic --requests-per-client 0)
grep -qF -- "--requests-per-client: Value 0 not in range" <<<"$out" || fail "no requests per client: $out"
# --length-range-ratio R (serving, disagg): each request's lengths drawn from [R x length,
# length]; the JSON says which, and a ratio outside (0, 1] or in static mode is refused by name.
"$bin" --format json report --mode serving --concurrency 4 --length-range-ratio 0.8 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["scenario"]["length_range_ratio"] == 0.8, d["scenario"]["length_range_ratio"]' || fail "report --length-range-ratio"
out=$(expect_status 2 "length range ratio out of range" "$bin" report --mode serving --length-range-ratio 1.5)
grep -qF -- "--length-range-ratio = 1.5 must be in (0, 1]" <<<"$out" || fail "length range ratio out of range: $out"
out=$(expect_status 2 "length range ratio in static mode" "$bin" report --length-range-ratio 0.8)
grep -qF -- "--length-range-ratio needs --mode serving or --mode disagg" <<<"$out" || fail "length range ratio in static mode: $out"
# validate: InferenceX's runs (its dated result files) drew their lengths with 0.8, the
# aiconfigurator team's gap analysis one length.
"$bin" --format json validate --suite aic --engine vllm --hardware h100-sxm | python3 -c '
import json, sys
d = json.load(sys.stdin)
ratios = {r["length_range_ratio"] for r in d["rows"]}
assert ratios == {0.8, 1}, ratios' || fail "validate rows length_range_ratio"
out=$(expect_status 2 "acceptance out of range" "$bin" report --speculative-tokens 2 --acceptance 0.9,1.5)
grep -qF -- "--acceptance rate 1.5 must be in [0, 1]" <<<"$out" || fail "acceptance out of range: $out"

# Bytes that are not UTF-8 in a value end up in JSON as U+FFFD, not as an abort.
bad_model="ll$(printf '\377')x"
out=$("$bin" --format json sweep --grid "model=llama-3-8b,$bad_model" 2>/dev/null)
status=$?
((status < 128)) || fail "sweep json with a non-UTF-8 value: exit $status (a signal)"
python3 -c '
import json, sys
lines = [json.loads(l) for l in sys.stdin if l.strip()]
assert len(lines) == 2 and "\ufffd" in json.dumps(lines[1], ensure_ascii=False), lines
' <<<"$out" || fail "sweep json with a non-UTF-8 value: $out"

# A hardware plugin's devices out of a preset's ranges, or named like a preset, are not offered;
# a warning names the field, the value and the plugin.
devices=$abi/device_plugins
out=$(expect_status 0 "plugin devices" "$bin" --plugin-dir "$devices" hardware)
grep -q "^odd-good " <<<"$out" || fail "plugin devices: odd-good not listed: $out"
grep -q "^odd-negative-price" <<<"$out" && fail "plugin devices: a negative price listed: $out"
grep -q "warning: hardware plugin abi_odd_devices: device odd-negative-price: price_usd_per_gpu_hour is -1; expected a number in \[1e-06, 1000000\]" <<<"$out" || fail "plugin devices: no warning of the price: $out"
grep -q "describes device 'h100-sxm', which .*presets/hardware/h100-sxm.toml names already; that one is used" <<<"$out" || fail "plugin devices: no warning of the shadowed device: $out"
[[ $(grep -c "^h100-sxm " <<<"$out") -eq 1 ]] || fail "plugin devices: h100-sxm listed twice: $out"
out=$(expect_status 2 "plugin device refused" "$bin" --plugin-dir "$devices" report --hardware odd-nan-capacity)
grep -q "memory_capacity_bytes is nan" <<<"$out" || fail "plugin device refused: no reason: $out"

if ((failures > 0)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "cli_end_to_end: all checks passed"
