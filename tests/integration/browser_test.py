#!/usr/bin/env python3
"""The pages of `infercost serve` in a real browser (issue 14, point 4): Debian's chromium,
headless, loads each page from a server on a free port and the rendered DOM is checked — the
atlas of the default scenario shows the explainer's golden meters (calculator-spec §3, the same
strings as tests/integration/golden_test.cc), deepseek-v3 shows the MLA phases, an invalid value
shows the CLI's error on the page (not a blank page), compare shows both columns, search shows
the frontier and the picked point. A screenshot of each page is written to OUT_DIR.

Usage: browser_test.py INFERCOST PLUGIN_DIR PRESET_DIR OUT_DIR
Exits 77 (skipped) when no chromium is installed.
"""
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile

from serve_harness import Server, test_env

binary, plugin_dir, preset_dir, out_dir = sys.argv[1:5]
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if chromium is None:
    print("SKIP: no chromium (apt-get install chromium)")
    sys.exit(77)
os.makedirs(out_dir, exist_ok=True)
failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message)


def browse(url, profile, screenshot=None):
    args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
            "--hide-scrollbars", f"--user-data-dir={profile}", "--virtual-time-budget=10000"]
    if screenshot:
        args += [f"--screenshot={screenshot}", "--window-size=1400,1800", url]
    else:
        args += ["--dump-dom", url]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        fail(f"chromium {url}: exit {result.returncode}: {result.stderr[-500:]}")
    return html.unescape(result.stdout)


def meter(dom, stage, phase, metric):
    match = re.search(
        rf'data-stage="{stage}" data-phase="{phase}" data-metric="{metric}">([^<]*)<', dom)
    return match.group(1) if match else None


def stack(dom, stage, metric):
    match = re.search(rf'data-stage="{stage}" data-metric="{metric}">([^<]*)<', dom)
    return match.group(1) if match else None


with tempfile.TemporaryDirectory() as tmp:
    env = test_env(plugin_dir, preset_dir, os.path.join(tmp, "cache"))
    profile = os.path.join(tmp, "profile")
    with Server(binary, env=env) as server:
        base = server.url

        # The atlas, default scenario: the explainer's golden meters (decode step, N = 750).
        dom = browse(base + "atlas.html", profile)
        golden = [
            ("q_proj", "weight_bytes", "5.4 GB"),      # d*H_q*128*L = 5,368,709,120 B at fp8
            ("k_proj", "weight_bytes", "671.1 MB"),    # d*H_kv*128*L = 671,088,640
            ("v_proj", "weight_bytes", "671.1 MB"),
            ("qk_scores", "flops", "983.0 M"),         # 2*H_q*128*N*L = 983,040,000
            ("qk_scores", "kv_read_bytes", "61.4 MB"), # N*H_kv*128*L = 61,440,000
            ("ffn_up", "params", "18.79 B"),           # d*d_ff*L = 18,790,481,920
            ("ffn_up", "flops", "37.6 B"),             # 2*d*d_ff*L
            ("ffn_up", "weight_bytes", "18.8 GB"),
            ("ffn_act", "flops", "0"),
            ("attn_norm", "params", "655.4 K"),        # d*L = 655,360
            ("embedding", "params", "1.05 B"),         # V*d = 1,050,673,152
            ("token_ids", "flops", "0"),
            ("token_ids", "weight_bytes", "0 B"),
        ]
        for phase, metric, want in golden:
            got = meter(dom, "decode", phase, metric)
            if got != want:
                fail(f"atlas decode {phase} {metric}: {got!r}, want {want!r}")
        for metric, want in [("layer_weight_bytes", "855.7 MB"), ("model_weight_bytes", "69.5 GB")]:
            got = stack(dom, "decode", metric)
            if got != want:
                fail(f"atlas stack {metric}: {got!r}, want {want!r}")
        for section in ["vocabulary", "norm", "attention", "ffn", "stack"]:
            if f'id="section-{section}"' not in dom:
                fail(f"atlas lacks the {section} section")
        if 'class="error shown"' in dom:
            fail("atlas default shows an error")
        browse(base + "atlas.html", profile, os.path.join(out_dir, "atlas.png"))

        # The atlas for deepseek-v3: MLA's phases replace Q/K/V, MoE's experts appear.
        dom = browse(base + "atlas.html?model=deepseek-v3&gpus=8&kv=bf16", profile)
        for card in ["q_a_proj", "q_b_proj", "kv_a_proj", "kv_b_proj", "moe_router", "moe_experts"]:
            if f'id="card-{card}"' not in dom:
                fail(f"atlas deepseek-v3 lacks {card}")
        for card in ["k_proj", "v_proj"]:
            if f'id="card-{card}"' in dom:
                fail(f"atlas deepseek-v3 has {card}")
        if meter(dom, "decode", "kv_a_proj", "weight_bytes") in (None, "0 B"):
            fail("atlas deepseek-v3 kv_a_proj has no bytes meter")

        # The calculator: the summary, the memory bar, the confidence, the roofline.
        dom = browse(base, profile)
        for text in ["Time to first token", "Time per output token", "Tokens/s per user",
                     "Tokens/s aggregate", "Tokens/s per GPU", "$ per million output tokens",
                     'id="membar"', 'id="confidence"', "max concurrency"]:
            if text not in dom:
                fail(f"calculator lacks {text!r}")
        if not re.search(r'<canvas id="roofline"[^>]*style="[^"]*display: block', dom):
            fail("calculator: the roofline chart was not drawn")
        if 'class="error shown"' in dom:
            fail("calculator default shows an error")
        browse(base, profile, os.path.join(out_dir, "calculator.png"))

        # The URL holds the scenario: a shared link reproduces it, controls included.
        dom = browse(base + "?model=llama-3-8b&gpus=1&kv=bf16", profile)
        line = re.search(r'<div class="scenario-line" id="scenario-line">([^<]*)</div>', dom)
        if not line or not line.group(1).startswith("llama-3-8b · 1× h100-sxm") or "KV bf16" not in line.group(1):
            fail(f"calculator from a URL: scenario line {line and line.group(1)!r}")
        # A select's current value is a property, not serialized: check that the URL's
        # controls are marked as given.
        for name in ["model", "gpus", "kv"]:
            if f'name="{name}" class="set"' not in dom:
                fail(f"calculator from a URL: the {name} control is not marked as given")

        # An invalid value: the CLI's message on the page, the controls still there.
        cli = subprocess.run([binary, "report", "--gpus", "0"], capture_output=True, text=True,
                             env=env)
        message = cli.stderr.splitlines()[0].removeprefix("infercost: error: ")
        dom = browse(base + "?gpus=0", profile)
        match = re.search(r'<div class="error shown" id="error" role="alert">([^<]*)</div>', dom)
        if not match or match.group(1) != "Error: " + message:
            fail(f"calculator gpus=0: error box {match.group(1) if match else None!r}, "
                 f"want 'Error: {message}'")
        if '<select name="model"' not in dom:
            fail("calculator gpus=0: the controls are gone")
        browse(base + "?gpus=0", profile, os.path.join(out_dir, "calculator-error.png"))
        dom = browse(base + "atlas.html?model=no-such-model", profile)
        if 'class="error shown"' not in dom or "no-such-model" not in dom:
            fail("atlas model=no-such-model: no error on the page")

        # Compare: both columns, with each side's device.
        dom = browse(base + "compare.html?b.hardware=b200&a.gpus=4", profile)
        a = re.search(r'<th id="col-a">([^<]*)</th>', dom)
        b = re.search(r'<th id="col-b">([^<]*)</th>', dom)
        if not a or "4× h100-sxm" not in a.group(1) or not b or "b200" not in b.group(1):
            fail(f"compare columns: {a and a.group(1)!r} / {b and b.group(1)!r}")
        if dom.count('<td class="a">') < 10 or dom.count('<td class="b">') < 10:
            fail("compare: the headline rows lack values")
        browse(base + "compare.html?b.hardware=b200&a.gpus=4", profile,
               os.path.join(out_dir, "compare.png"))

        # Search: the frontier, and the picked point (by default the first objective's best,
        # which need not be on the frontier: a cheaper device can win on $ per token).
        query = "search.html?model=llama-3-8b&hardware=h100-sxm,b200&gpus=1,2&concurrency=8"
        dom = browse(base + query, profile)
        if 'id="picked-config"' not in dom:
            fail("search: no picked configuration")
        if not re.search(r'<canvas id="frontier-chart"[^>]*style="[^"]*display: block', dom):
            fail("search: the frontier chart was not drawn")
        browse(base + query, profile, os.path.join(out_dir, "search.png"))
        # The pick is in the URL: reloading with a frontier row's index highlights that row.
        frontier_table = dom.split('id="frontier"', 1)[1] if 'id="frontier"' in dom else ""
        rows = re.findall(r'<tr class="clickable ?(picked)?" data-i="(\d+)">', frontier_table)
        others = [i for picked, i in rows if not picked]
        if not others:
            fail(f"search: fewer than two frontier rows: {rows}")
        else:
            dom = browse(base + query + "&pick=" + others[0], profile)
            if f'<tr class="clickable picked" data-i="{others[0]}">' not in dom:
                fail(f"search pick={others[0]}: that row is not the picked one")
        server.stop()

for name in ["atlas", "calculator", "calculator-error", "compare", "search"]:
    path = os.path.join(out_dir, name + ".png")
    if not os.path.exists(path) or os.path.getsize(path) < 10000:
        fail(f"no screenshot {path}")
print(f"{len(failures)} failures; screenshots in {out_dir}")
sys.exit(1 if failures else 0)
