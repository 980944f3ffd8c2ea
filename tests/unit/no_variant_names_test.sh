#!/usr/bin/env bash
# Issue 10, point 2: nothing in framework/ or registry/ branches on an in-tree attention variant's
# name. Lists every code line (comment lines aside) that spells "mha", "gqa", "mqa" or "mla".
#   no_variant_names_test.sh REPO_ROOT
set -euo pipefail
root=$1
hits=$(grep -rnE '"(mha|gqa|mqa|mla)"' "$root/framework" "$root/registry" \
         --include='*.cc' --include='*.h' | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true)
if [[ -n $hits ]]; then
  echo "attention-variant names in the host (a variant's rules belong to its plugin):"
  echo "$hits"
  exit 1
fi
echo "no attention-variant names in framework/ or registry/"
