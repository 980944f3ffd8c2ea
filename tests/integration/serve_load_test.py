#!/usr/bin/env python3
"""`infercost serve` under load (issue 14, point 5): a bounded client (CONCURRENCY connections,
each its own thread with keep-alive) sends REQUESTS requests on loopback — reports of varied
scenarios, the lists, the pages — and every one must succeed (200, and the JSON parses). Prints
p50/p99/max latency and requests per second; bench/README.md records a run.

Usage: serve_load_test.py INFERCOST PLUGIN_DIR PRESET_DIR [--requests N] [--concurrency C]
"""
import argparse
import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from serve_harness import Server, test_env

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("plugin_dir")
parser.add_argument("preset_dir")
parser.add_argument("--requests", type=int, default=400)
parser.add_argument("--concurrency", type=int, default=8)
parser.add_argument("--server-threads", type=int, default=16)
args = parser.parse_args()

PATHS = [
    "/api/v1/report",
    "/api/v1/report?model=llama-3-8b&gpus=1",
    "/api/v1/report?model=deepseek-v3&gpus=8&kv=bf16",
    "/api/v1/report?model=mixtral-8x7b&gpus=2&concurrency=32",
    "/api/v1/report?hardware=b200&weights=fp4&input-tokens=4000",
    "/api/v1/report?model=llama-3.1-405b&gpus=8&pp=2",
    "/api/v1/models",
    "/api/v1/hardware",
    "/",
    "/js/common.js",
]

local = threading.local()


def connection(port):
    if getattr(local, "conn", None) is None:
        local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    return local.conn


def one(port, i):
    path = PATHS[i % len(PATHS)]
    start = time.perf_counter()
    for attempt in range(2):  # a keep-alive connection the server closed: reconnect once
        try:
            conn = connection(port)
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            break
        except (http.client.HTTPException, ConnectionError, OSError):
            local.conn = None
            if attempt == 1:
                return path, 0, time.perf_counter() - start, "connection failed"
    elapsed = time.perf_counter() - start
    error = ""
    if response.status != 200:
        error = f"status {response.status}: {body[:200]!r}"
    elif path.startswith("/api/"):
        try:
            json.loads(body)
        except ValueError as e:
            error = f"bad JSON: {e}"
    return path, response.status, elapsed, error


with tempfile.TemporaryDirectory() as cache:
    env = test_env(args.plugin_dir, args.preset_dir, cache)
    with Server(args.binary, env=env,
                serve_args=["--threads", str(args.server_threads)]) as server:
        # Warm-up: one of each.
        for i in range(len(PATHS)):
            one(server.port, i)
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            results = list(pool.map(lambda i: one(server.port, i), range(args.requests)))
        wall = time.perf_counter() - start
        code = server.stop()

failed = [r for r in results if r[3]]
latencies = sorted(r[2] for r in results)


def percentile(p):
    return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]


print(f"{len(results)} requests, {args.concurrency} concurrent connections: "
      f"{len(results) - len(failed)} succeeded, {len(failed)} failed")
print(f"latency p50 {percentile(50) * 1e3:.2f} ms, p99 {percentile(99) * 1e3:.2f} ms, "
      f"max {latencies[-1] * 1e3:.2f} ms, mean {statistics.mean(latencies) * 1e3:.2f} ms; "
      f"{len(results) / wall:.0f} requests/s")
for path in PATHS:
    mine = sorted(r[2] for r in results if r[0] == path)
    if mine:
        print(f"  {path}: p50 {mine[len(mine) // 2] * 1e3:.2f} ms")
for r in failed[:10]:
    print("FAIL:", r)
if code != 0:
    print(f"FAIL: server exit {code}")
sys.exit(1 if failed or code != 0 else 0)
