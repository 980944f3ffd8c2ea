#!/bin/sh
# Checks exported-symbol hygiene of plugin libraries: each library in DIR must define, in its
# dynamic symbol table, infercost_plugin_entry and nothing else (linker-made markers such as
# _init, _fini, _edata, _end and __bss_start are tolerated).
#
#   check_plugin_exports.sh NM DIR SUFFIX      e.g.  check_plugin_exports.sh nm build/plugins .so
set -u
nm_tool=$1
dir=$2
suffix=$3

if ! command -v "$nm_tool" >/dev/null 2>&1; then
  echo "FAIL: '$nm_tool' not found; cannot list exported symbols"
  exit 2
fi

checked=0
failed=0
for library in "$dir"/*"$suffix"; do
  [ -f "$library" ] || continue
  checked=$((checked + 1))
  if ! symbols=$("$nm_tool" -D --defined-only "$library" 2>&1); then
    echo "FAIL: $library: $nm_tool -D failed: $symbols"
    failed=1
    continue
  fi
  has_entry=0
  # nm prints "VALUE TYPE NAME[@VERSION]" (or "TYPE NAME" without a value).
  for name in $(printf '%s\n' "$symbols" | awk 'NF { print $NF }' | sed 's/@.*//'); do
    case "$name" in
      infercost_plugin_entry) has_entry=1 ;;
      _init | _fini | _edata | _end | __bss_start) ;;
      *)
        echo "FAIL: $library exports unexpected symbol $name"
        failed=1
        ;;
    esac
  done
  if [ "$has_entry" -ne 1 ]; then
    echo "FAIL: $library does not export infercost_plugin_entry"
    failed=1
  fi
done

if [ "$checked" -eq 0 ]; then
  echo "FAIL: no *$suffix libraries in $dir (were the plugins built?)"
  exit 1
fi
if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "OK: $checked plugin libraries in $dir export only infercost_plugin_entry"
