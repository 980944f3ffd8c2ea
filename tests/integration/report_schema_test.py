#!/usr/bin/env python3
"""docs/report-schema.md cannot go stale: every key path of `infercost report --format json`
(over scenarios that exercise dense, MoE, MLA, sliding-window, pipeline and expert-parallel
layouts, both kernels and the notes) is listed in the doc's key index, and every path the index
lists occurs in some report. Usage: report_schema_test.py INFERCOST DOC"""
import json
import re
import subprocess
import sys

infercost, doc_path = sys.argv[1], sys.argv[2]
SCENARIOS = [
    [],
    ["--model", "deepseek-v3", "--gpus", "16", "--tp", "8", "--ep", "16", "--dp", "2"],
    ["--model", "mixtral-8x7b", "--gpus", "4", "--tp", "2", "--pp", "2"],
    ["--model", "gemma-2-9b", "--gpus", "1", "--attention-kernel", "naive"],
    ["--model", "llama-3.1-8b", "--gpus", "1", "--input-tokens", "200000",
     "--allow-beyond-context"],
    ["--model", "llama-3.1-8b", "--gpus", "1", "--engine", "vllm", "--concurrency", "16",
     "--mode", "serving"],
    ["--model", "deepseek-v3", "--hardware", "b200", "--engine", "trtllm", "--concurrency", "32",
     "--mode", "disagg", "--prefill-tp", "1", "--prefill-dp", "8", "--prefill-ep", "8",
     "--decode-workers", "2", "--decode-tp", "8", "--decode-ep", "8"],
    ["--model", "llama-3.1-8b", "--gpus", "1", "--engine", "vllm", "--mode", "serving",
     "--request-rate", "4", "--output-tokens", "64"],
    ["--model", "llama-3.1-8b", "--hardware", "l4", "--gpus", "1", "--weights", "bf16",
     "--engine", "vllm", "--concurrency", "200"],
]

doc = open(doc_path, encoding="utf-8").read()
metrics_section = doc.split("### Metrics", 1)[1].split("A **phase**", 1)[0]
METRICS = set(re.findall(r"^\| `(\w+)` \|", metrics_section, re.M))
assert {"flops", "bytes", "params"} <= METRICS, METRICS


def normalise(path):
    path = re.sub(r"^stages\.(prefill|decode)\b", "stages.<stage>", path)
    path = re.sub(r"^summary\.bands\.(ttft|tpot|e2e)\b", "summary.bands.<time>", path)
    parts = path.split(".")
    if len(parts) >= 2 and parts[-1] in METRICS and (
            parts[-2].endswith("[]") or parts[-2] in ("totals", "per_gpu_totals")):
        parts[-1] = "<metric>"
    return ".".join(parts)


report_nodes, report_leaves = set(), set()


def walk(value, path):
    if path:
        report_nodes.add(normalise(path))
    if isinstance(value, dict):
        for key, child in value.items():
            walk(child, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for child in value:
            walk(child, path + "[]")
    else:
        report_leaves.add(normalise(path))


stage_failures = []
for args in SCENARIOS:
    out = subprocess.run([infercost, "report", "--format", "json", *args],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"FAIL: infercost report {' '.join(args)}: exit {out.returncode}: {out.stderr}")
    report = json.loads(out.stdout)
    walk(report, "")
    # Every stage of every mode carries what the schema lists for a stage: its per-GPU totals
    # (bytes moved: never none for a stage that runs) and each phase's time (the disagg prefill
    # stage once had neither).
    for name, stage in report["stages"].items():
        if not stage.get("per_gpu_totals", {}).get("bytes", 0) > 0:
            stage_failures.append(f"{' '.join(args)}: stages.{name}.per_gpu_totals.bytes is not > 0")
        if any("time_s" not in phase for phase in stage["phases"]):
            stage_failures.append(f"{' '.join(args)}: stages.{name}.phases[] without time_s")

index = doc.split("## Key index", 1)[1]
documented = set()
for line in index.splitlines():
    if not line.startswith("| `"):
        continue
    previous = None
    for name in re.findall(r"`([^`]+)`", line.split("|")[1]):
        if name.startswith(".") and previous is not None:
            name = previous.rsplit(".", 1)[0] + name  # `a.b.m`, `.n`: a.b.n
        documented.add(normalise(name))
        previous = name

failures = list(stage_failures)
for leaf in sorted(report_leaves - documented):
    failures.append(f"the report has '{leaf}', which docs/report-schema.md's key index lacks")
for path in sorted(documented - report_nodes):
    failures.append(f"the key index lists '{path}', which no report has")
for message in failures:
    print("FAIL:", message)
if failures:
    sys.exit(1)
print(f"report_schema_doc: {len(report_leaves)} leaf paths, all documented; "
      f"{len(documented)} documented paths, all present")
