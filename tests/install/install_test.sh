#!/usr/bin/env bash
# The installed package, seen from outside: install this build into a temporary prefix, build
# each out-of-tree example against that prefix alone, then drive the installed CLI and the host
# example with no INFERCOST_* environment variables.
#
# Usage: install_test.sh CMAKE BUILD_DIR SOURCE_DIR LIBDIR [MAKE_PROGRAM [CXX_COMPILER]]
#   LIBDIR: CMAKE_INSTALL_LIBDIR of the build (lib, lib64, lib/x86_64-linux-gnu, ...)
# Set INFERCOST_KEEP_INSTALL_TEST=1 to keep the temporary directory for inspection.
set -u
cmake=$1 build=$2 src=$3 libdir=$4 make_program=${5:-} cxx=${6:-}
unset INFERCOST_PLUGIN_PATH INFERCOST_PRESET_PATH

work=$(mktemp -d "${TMPDIR:-/tmp}/infercost-install-test.XXXXXX") || exit 1
export INFERCOST_CACHE_DIR=$work/cache  # plugin probe verdicts of this run only
if [[ -z ${INFERCOST_KEEP_INSTALL_TEST:-} ]]; then
  trap 'rm -rf "$work"' EXIT
else
  echo "work dir: $work"
fi
prefix=$work/prefix
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo "== $*"; }

# run DESCRIPTION COMMAND...: runs the command; its output goes to $out; failure is reported.
run() {
  local what=$1
  shift
  out=$("$@" 2>&1)
  local status=$?
  if [[ $status -ne 0 ]]; then
    fail "$what (exit $status): $*"
    printf '%s\n' "$out" | tail -40
  fi
  return $status
}

step "install into $prefix"
run "cmake --install" "$cmake" --install "$build" --prefix "$prefix" || exit 1

step "installed layout"
for f in bin/infercost \
  include/infercost/c/abi.h include/infercost/c/plugin.h include/infercost/sdk/plugin.h \
  include/infercost/sdk/attention_math.h \
  include/infercost-host/framework/estimate.h include/infercost-host/framework/scenario.h \
  include/infercost-host/framework/loader/plugin_loader.h include/infercost-host/framework/base/status_macros.h \
  include/infercost-host/registry/presets.h \
  "$libdir/libinfercost_framework.a" "$libdir/libinfercost_registry.a" \
  "$libdir/cmake/infercost/infercostConfig.cmake" \
  "$libdir/cmake/infercost/infercostConfigVersion.cmake" \
  "$libdir/cmake/infercost/infercostTargets.cmake" \
  "$libdir/cmake/infercost/infercostSdkTargets.cmake" \
  "$libdir/cmake/infercost/InfercostPlugin.cmake" "$libdir/cmake/infercost/plugin.map" \
  "$libdir/pkgconfig/infercost.pc" "$libdir/pkgconfig/infercost-sdk.pc" \
  share/infercost/presets/models/llama-3-70b.toml share/infercost/presets/hardware/h100-sxm.toml \
  share/infercost/presets/engines/ideal.toml \
  share/infercost/web/index.html share/infercost/web/atlas.html share/infercost/web/js/common.js; do
  [[ -e $prefix/$f ]] || fail "not installed: $f"
done
# The package's ABI version is the headers' (it once said 1.0 for 1.5 headers).
abi_header=$prefix/include/infercost/c/abi.h
abi_version="$(sed -n 's/^#define INFERCOST_ABI_MAJOR \([0-9]*\)$/\1/p' "$abi_header").$(sed -n 's/^#define INFERCOST_ABI_MINOR \([0-9]*\)$/\1/p' "$abi_header")"
grep -qxF "set(infercost_ABI_VERSION $abi_version)" "$prefix/$libdir/cmake/infercost/infercostConfig.cmake" ||
  fail "infercostConfig.cmake does not set infercost_ABI_VERSION $abi_version"
for p in mha gqa mqa mla gated_deltanet dsa naive flash roofline; do
  [[ -e $prefix/$libdir/infercost/plugins/$p.icplugin.toml ]] || fail "no manifest for $p"
  [[ -e $prefix/$libdir/infercost/plugins/infercost-$p.so ]] || fail "no library for $p"
done
[[ -e $prefix/include/infercost-host/registry/toml_reader.h ]] && fail "internal toml_reader.h installed"
[[ -e $prefix/include/infercost-host/framework/include ]] && fail "C API header installed twice"
# Dataset-specific code (validation/) is not part of the installed framework (issue 10, point 5).
grep -rlE "Anl|Aic|PerOp" "$prefix/include/infercost-host" && fail "validation code in installed headers"
if symbols=$(nm -C "$prefix/$libdir/libinfercost_framework.a"); then
  grep -qE "ValidateAnl|ValidateAic|ValidatePerOp" <<<"$symbols" &&
    fail "validation code in the installed framework library"
else
  fail "nm could not read $prefix/$libdir/libinfercost_framework.a"
fi

# build_example NAME SOURCE_DIR: a fresh CMake project that sees only the prefix (SOURCE_DIR
# absolute, or relative to the source tree).
build_example() {
  local name=$1 dir=$2
  [[ $dir == /* ]] || dir=$src/$dir
  local bdir=$work/build-$name
  local args=(-S "$dir" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_PREFIX_PATH=$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF "-DCMAKE_CXX_FLAGS=${CXXFLAGS:-} -Wall -Wextra -Werror")
  [[ -n $make_program ]] && args+=("-DCMAKE_MAKE_PROGRAM=$make_program")
  [[ -n $cxx ]] && args+=("-DCMAKE_CXX_COMPILER=$cxx")
  step "configure + build $dir"
  run "configure $name" "$cmake" "${args[@]}" || return 1
  local found
  found=$(sed -n 's/^infercost_DIR:PATH=//p' "$bdir/CMakeCache.txt")
  [[ $found == "$prefix/$libdir/cmake/infercost" ]] ||
    fail "$name found infercost at '$found', not in the prefix"
  run "build $name" "$cmake" --build "$bdir" -j 2 || return 1
}

build_example swa sdk/examples/sliding_window_attention
build_example vendor sdk/examples/vendor_hardware
build_example cla sdk/examples/cross_layer_attention
build_example host examples/host_cpp
if [[ -d $src/examples/host_c ]]; then
  build_example host_c examples/host_c
fi

# sdk/README.md's steps 1-3 exactly as written: its C++ block is swa.cc, its CMake block the
# project, and the installed conformance runner must pass the result (issue 10, point 6).
step "sdk/README.md's snippet, built as written, passes the conformance kit"
python3 "$src/tests/install/doc_snippets.py" sdk-readme "$src/sdk/README.md" "$work/readme-snippet" ||
  fail "could not extract the sdk/README.md snippet"
if build_example readme "$work/readme-snippet"; then
  run "conformance of the README snippet" "$prefix/bin/infercost-conformance" \
    --plugin "$work/build-readme/plugins/infercost-swa.so"
fi

cli=$prefix/bin/infercost
swa_dir=$work/build-swa/plugins
vendor_dir=$work/build-vendor/plugins
cla_dir=$work/build-cla/plugins

step "the example plugins export only the entry symbol"
for lib in "$swa_dir/infercost-swa.so" "$vendor_dir/infercost-acme.so" "$cla_dir/infercost-cla.so"; do
  if [[ -e $lib ]]; then
    symbols=$(nm -D --defined-only "$lib" | awk '{print $NF}' | grep -v '^_' | sort -u)
    [[ $symbols == infercost_plugin_entry ]] || fail "$lib exports: $symbols"
  else
    fail "not built: $lib"
  fi
done

step "the installed conformance runner passes the example plugins"
if [[ -x $prefix/bin/infercost-conformance ]]; then
  for lib in "$swa_dir/infercost-swa.so" "$vendor_dir/infercost-acme.so" "$cla_dir/infercost-cla.so"; do
    run "infercost-conformance $(basename "$lib")" "$prefix/bin/infercost-conformance" --plugin "$lib"
  done
else
  echo "bin/infercost-conformance is not installed: skipped"
fi

step "installed CLI finds the installed plugins and presets (no environment, no flags)"
if run "infercost plugins" "$cli" plugins; then
  for p in mha gqa mqa mla gated_deltanet dsa naive flash roofline; do
    grep -qE "loaded +[a-z_]+ +$p " <<<"$out" || fail "installed CLI does not list $p as loaded"
  done
  grep -qF "$prefix/$libdir/infercost/plugins" <<<"$out" ||
    fail "installed CLI does not search the prefix's plugin dir: $(head -1 <<<"$out")"
  grep -qF "$build" <<<"$out" && fail "installed CLI searches the build tree: $(head -1 <<<"$out")"
  grep -q "rejected" <<<"$out" && fail "installed CLI rejects plugins: $out"
fi
run "infercost models" "$cli" models && { grep -q "llama-3-70b" <<<"$out" || fail "models lacks llama-3-70b"; }
run "infercost (default scenario)" "$cli" && { grep -qF "N = 750" <<<"$out" || fail "default report lacks N = 750"; }

step "installed \`infercost serve\` serves the installed pages and stops on SIGTERM"
serve_out=$work/serve.out serve_err=$work/serve.err
"$cli" serve --port 0 >"$serve_out" 2>"$serve_err" &
serve_pid=$!
for _ in $(seq 1 100); do [[ -s $serve_out ]] && break; sleep 0.1; done
port=$(sed -n 's|^infercost: serving on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$serve_out")
if [[ -z $port ]]; then
  fail "installed serve printed no URL: $(cat "$serve_out" "$serve_err")"
else
  python3 - "$port" <<'PY' || fail "installed serve: pages or API"
import json, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
page = urllib.request.urlopen(base + "/atlas.html").read().decode()
assert "<title>infercost" in page, page[:200]
report = json.load(urllib.request.urlopen(base + "/api/v1/report"))
assert report["stages"]["decode"]["context_tokens"] == 750
PY
  grep -qF "pages from $prefix/share/infercost/web" "$serve_err" ||
    fail "installed serve does not serve the prefix's pages: $(cat "$serve_err")"
fi
kill -TERM "$serve_pid" 2>/dev/null
wait "$serve_pid"
serve_status=$?
[[ $serve_status -eq 0 ]] || fail "installed serve: exit $serve_status on SIGTERM, want 0"

step "sliding-window attention plugin changes the report"
scenario=(--model llama-3.1-8b --gpus 1 --input-tokens 16000 --output-tokens 64)
qk_flops() {  # the decode step's qk_scores FLOPs and the variant, from a JSON report on stdin
  python3 -c '
import json, sys
r = json.load(sys.stdin)
qk = [p for p in r["stages"]["decode"]["phases"] if p["phase"] == "qk_scores"][0]
print(r["scenario"]["attention_variant"], qk["flops"])'
}
if run "report (gqa)" "$cli" --plugin-dir "$swa_dir" --format json report "${scenario[@]}"; then
  gqa=$(qk_flops <<<"$out")
  if run "report --attention-variant swa" "$cli" --plugin-dir "$swa_dir" --format json report \
    "${scenario[@]}" --attention-variant swa; then
    swa=$(qk_flops <<<"$out")
    read -r gqa_name gqa_flops <<<"$gqa"
    read -r swa_name swa_flops <<<"$swa"
    [[ $gqa_name == gqa && $swa_name == swa ]] || fail "variants: '$gqa_name' and '$swa_name'"
    python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if 0 < b < a else 1)" \
      "$gqa_flops" "$swa_flops" || fail "swa qk_scores FLOPs $swa_flops not below gqa's $gqa_flops"
    # Decode at context 16032 attends to 4096 keys instead of 16032.
    python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if abs(b / a - 4096 / 16032) < 1e-9 else 1)" \
      "$gqa_flops" "$swa_flops" || fail "swa/gqa qk_scores ratio $swa_flops/$gqa_flops is not 4096/16032"
  fi
fi
run "report table with swa" "$cli" --plugin-dir "$swa_dir" report "${scenario[@]}" --attention-variant swa

step "vendor hardware plugin: acme-x1 is listed and selectable"
if run "infercost hardware" "$cli" --plugin-dir "$vendor_dir" hardware; then
  grep -qE "^ *acme-x1 " <<<"$out" || fail "hardware does not list acme-x1: $out"
  grep -qE "^ *h100-sxm " <<<"$out" || fail "hardware no longer lists the presets: $out"
fi
# ABI 1.1: the plugin's own display name and vendor reach the host.
if run "infercost hardware --format json" "$cli" --plugin-dir "$vendor_dir" hardware --format json; then
  python3 -c '
import json, sys
acme = [h for h in json.load(sys.stdin)["hardware"] if h["name"] == "acme-x1"][0]
assert acme["display_name"] == "ACME X1 96GB" and acme["vendor"] == "ACME Corp", acme
' <<<"$out" || fail "acme-x1 display name / vendor not taken from the plugin: $out"
fi

step "cross-layer attention example: half the KV cache of gqa on llama-3.1-8b (32 layers)"
if run "report --attention-variant cla" "$cli" --plugin-dir "$cla_dir" --format json report \
  --model llama-3.1-8b --gpus 1 --attention-variant cla; then
  python3 -c '
import json, sys
r = json.load(sys.stdin)
# 16 writer layers x 8 KV heads x 128 dims x 2 (K, V) x 1 B (fp8 KV) = 32,768 B per token.
assert r["kv_cache_bytes_per_token"] == 32768, r["kv_cache_bytes_per_token"]
' <<<"$out" || fail "cla KV bytes per token: $out"
fi
if run "report --hardware acme-x1" "$cli" --plugin-dir "$vendor_dir" --format json report \
  --hardware acme-x1; then
  python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["scenario"]["hardware"] == "acme-x1", r["scenario"]
' <<<"$out" || fail "report --hardware acme-x1 does not report acme-x1"
fi
run "report table on acme-x1" "$cli" --plugin-dir "$vendor_dir" report --hardware acme-x1 --gpus 4
# search takes the plugin's device too (it once knew presets only).
if run "search --hardware acme-x1" "$cli" --plugin-dir "$vendor_dir" --format json search \
  --model llama-3-8b --hardware acme-x1,h100-sxm --gpus 1; then
  python3 -c '
import json, sys
r = json.load(sys.stdin)
devices = {c["hardware"] for c in r["candidates"]}
assert devices == {"acme-x1", "h100-sxm"}, devices
' <<<"$out" || fail "search over acme-x1 and h100-sxm does not evaluate both: $out"
fi

step "host_cpp embeds the framework"
if run "host_cpp" "$work/build-host/host_cpp"; then
  grep -q "9 plugins loaded" <<<"$out" || fail "host_cpp did not load the 9 installed plugins: $out"
  grep -qE "^llama-3-70b +h100-sxm +2 +fp8 +1 +[0-9.]+ +[0-9.]+ " <<<"$out" ||
    fail "host_cpp printed no result for llama-3-70b: $out"
  printf '%s\n' "$out"
fi

if [[ -d $src/examples/host_c ]]; then
  step "host_c embeds the framework through the C API"
  # host_c creates its context with "{}": the default directories. Built outside the build tree
  # against a prefix other than the configured CMAKE_INSTALL_PREFIX, with no INFERCOST_*
  # variables, it must still find the prefix's plugins and presets (the package records where
  # it was found; issue 10, point 6).
  [[ -e $(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")/share/infercost/presets ]] &&
    echo "note: the configured prefix holds an installed infercost; this step proves less"
  if run "host_c" "$work/build-host_c/host_c"; then
    grep -qE "TPOT [0-9.]+ ms" <<<"$out" || fail "host_c printed no TPOT: $out"
  fi
fi

# docs/embedding.md's C++ and C snippets, as written, in a project outside the build tree and the
# prefix, run with no INFERCOST_* variables (issue 10, point 6).
step "docs/embedding.md's snippets build and run from outside the build tree and the prefix"
python3 "$src/tests/install/doc_snippets.py" embedding "$src/docs/embedding.md" "$work/embedding-doc" ||
  fail "could not extract the docs/embedding.md snippets"
if build_example embedding-doc "$work/embedding-doc"; then
  run "run the embedding.md C++ snippet" "$work/build-embedding-doc/doc_cpp" &&
    { grep -qE "^[0-9.e-]+ 1 [0-9.e+]+$" <<<"$out" || fail "C++ snippet printed: $out"; }
  run "run the embedding.md C snippet" "$work/build-embedding-doc/doc_c" &&
    { grep -q '"summary"' <<<"$out" || fail "C snippet printed no report: $(head -c 300 <<<"$out")"; }
fi

step "pkg-config"
if command -v pkg-config >/dev/null; then
  export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
  run "pkg-config infercost-sdk" pkg-config --cflags infercost-sdk &&
    { [[ $out == *"-I$prefix/include"* || $out == *"/include"* ]] || fail "sdk cflags: $out"; }
  if run "pkg-config infercost" pkg-config --cflags --libs infercost; then
    flags=$out
    cat >"$work/pc_host.cc" <<'CC'
#include <cstdio>
#include "framework/loader/plugin_loader.h"
#include "infercost/c/abi.h"
int main() {
  infercost::framework::PluginLoaderOptions options;
  options.use_default_dirs = false;
  std::printf("abi %d.%d, %zu dirs\n", INFERCOST_ABI_MAJOR, INFERCOST_ABI_MINOR,
              infercost::framework::PluginSearchDirs(options).size());
}
CC
    # shellcheck disable=SC2086  # word splitting of the flags is intended
    # shellcheck disable=SC2086  # ${CXXFLAGS}: a sanitizer build's libraries need its runtime too
    run "compile with pkg-config flags" "${cxx:-c++}" -std=c++20 ${CXXFLAGS:-} "$work/pc_host.cc" \
      -o "$work/pc_host" $flags && run "run pkg-config host" "$work/pc_host"
  fi
else
  echo "pkg-config not found: skipped"
fi

step "infercost_add_plugin's install rule: the example plugin installed into the prefix"
if run "install swa" "$cmake" --install "$work/build-swa" --prefix "$prefix"; then
  [[ -e $prefix/$libdir/infercost/plugins/swa.icplugin.toml ]] || fail "swa manifest not installed"
  run "plugins after installing swa" "$cli" plugins &&
    { grep -qE "loaded +attention_variant +swa " <<<"$out" || fail "installed swa not loaded: $out"; }
fi

step "relocation: the prefix moved elsewhere still works"
mv "$prefix" "$work/moved" && prefix=$work/moved
if run "moved CLI plugins" "$prefix/bin/infercost" plugins; then
  grep -qE "loaded +hardware +roofline " <<<"$out" || fail "moved CLI lost its plugins: $out"
  grep -qF "$prefix/$libdir/infercost/plugins" <<<"$out" || fail "moved CLI search path: $out"
fi
run "moved CLI report" "$prefix/bin/infercost" report --model llama-3-8b --gpus 1

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "install test passed"
