#!/usr/bin/env python3
"""`infercost serve` end to end over HTTP (issue 14, points 1, 2 and 5): it prints its URL, the
API returns byte for byte what `infercost ... --format json` prints for the same scenario, bad
input is 400 with the CLI's message, no request path reaches a file outside the web root, request
bodies are bounded, other Host headers are refused, and SIGINT/SIGTERM stop it with status 0.

Usage: serve_api_test.py INFERCOST PLUGIN_DIR PRESET_DIR
"""
import http.client
import json
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.parse

from serve_harness import Server, test_env

binary, plugin_dir, preset_dir = sys.argv[1:4]
failures = []
checks = 0  # requests made (each followed by a check)


def fail(message):
    failures.append(message)
    print("FAIL:", message)


def get(port, path, method="GET", body=None, headers=None):
    global checks
    checks += 1
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data.decode("utf-8", "replace")


def raw_get(port, target):
    """The request line exactly as given (http.client would not send some of these)."""
    global checks
    checks += 1
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else 0
    return status, body.decode("utf-8", "replace")


def cli(env, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, env=env)


def flags_of(query):
    args = []
    for key, value in query:
        args += ["--" + key, value]
    return args


with tempfile.TemporaryDirectory() as cache:
    env = test_env(plugin_dir, preset_dir, cache)
    with Server(binary, env=env) as server:
        port = server.port

        # Point 2: identical JSON for the same scenario (report, compare, search, lists).
        scenarios = [
            [],
            [("model", "deepseek-v3"), ("kv", "bf16"), ("gpus", "8")],
            [("model", "llama-3-8b"), ("gpus", "1"), ("mode", "serving"), ("concurrency", "16")],
            [("model", "mixtral-8x7b"), ("gpus", "2"), ("attention-kernel", "naive")],
        ]
        for query in scenarios:
            expected = cli(env, "report", "--format", "json", *flags_of(query))
            if expected.returncode != 0:
                fail(f"cli report {query}: {expected.stderr}")
                continue
            status, body = get(port, "/api/v1/report?" + urllib.parse.urlencode(query))
            if status != 200 or body != expected.stdout:
                fail(f"/api/v1/report {query}: status {status}, identical {body == expected.stdout}")
            # The same scenario as a JSON body.
            status, body = get(port, "/api/v1/report", "POST", json.dumps(dict(query)),
                               {"Content-Type": "application/json"})
            if status != 200 or body != expected.stdout:
                fail(f"POST /api/v1/report {query}: status {status}")

        compare = [("b.hardware", "b200"), ("a.gpus", "4"), ("engine", "vllm")]
        expected = cli(env, "compare", "--format", "json", *flags_of(compare))
        status, body = get(port, "/api/v1/compare?" + urllib.parse.urlencode(compare))
        if expected.returncode != 0 or status != 200 or body != expected.stdout:
            fail(f"/api/v1/compare: status {status}, cli {expected.returncode}: {expected.stderr}")

        search = [("model", "llama-3-8b"), ("hardware", "h100-sxm,b200"), ("gpus", "1,2"),
                  ("concurrency", "8")]
        expected = cli(env, "search", "--format", "json", *flags_of(search))
        status, body = get(port, "/api/v1/search?" + urllib.parse.urlencode(search))
        if expected.returncode != 0 or status != 200 or body != expected.stdout:
            fail(f"/api/v1/search: status {status}, cli {expected.returncode}: {expected.stderr}")

        # A switch in a JSON body: true passes --allow-beyond-context (as report takes it).
        beyond = {"model": "llama-3-8b", "hardware": "h100-sxm", "gpus": 1, "input_tokens": 8192}
        expected = cli(env, "search", "--format", "json", "--allow-beyond-context",
                       *flags_of([("model", "llama-3-8b"), ("hardware", "h100-sxm"),
                                  ("gpus", "1"), ("input-tokens", "8192")]))
        status, body = get(port, "/api/v1/search", "POST",
                           json.dumps(dict(beyond, allow_beyond_context=True)),
                           {"Content-Type": "application/json"})
        if expected.returncode != 0 or status != 200 or body != expected.stdout:
            fail(f"POST /api/v1/search allow_beyond_context: status {status}: {body[:300]}")

        for listing in ["models", "hardware", "engines", "plugins"]:
            expected = cli(env, listing, "--format", "json")
            status, body = get(port, "/api/v1/" + listing)
            if expected.returncode != 0 or status != 200 or body != expected.stdout:
                fail(f"/api/v1/{listing}: status {status}, identical {body == expected.stdout}")

        # What the server refuses before reading a body answers in the API's JSON: a method it
        # does not serve (405), a chunked body (411: its size is not known before it is read),
        # a path under /api/ that is no endpoint (404).
        for method in ["PUT", "DELETE", "PATCH", "OPTIONS"]:
            status, body = get(port, "/api/v1/report", method)
            if status != 405 or json.loads(body).get("error") != \
                    f"method {method} is not served; use GET or POST":
                fail(f"{method} /api/v1/report: status {status}: {body[:200]}")
        status, body = get(port, "/api/v1/report", "POST", iter([b'{"gpus": ', b"4}"]),
                           {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        if status != 411 or "chunked request body is not read" not in json.loads(body)["error"]:
            fail(f"chunked POST /api/v1/report: status {status}: {body[:200]}")
        status, body = get(port, "/api/v1/report/extra")
        if status != 404 or "no endpoint /api/v1/report/extra" not in json.loads(body)["error"]:
            fail(f"/api/v1/report/extra: status {status}: {body[:200]}")

        # Bad input: 400 and the message the CLI prints after "infercost: error: ".
        bad = [
            [("gpus", "0")],
            [("weights", "fp7")],
            [("model", "no-such-model")],
            [("hardware", "tpu-v9")],
            [("gpus", "abc")],
            [("tp", "3")],
            [("input-tokens", "-5")],
        ]
        for query in bad:
            expected = cli(env, "report", *flags_of(query))
            message = expected.stderr.splitlines()[0].removeprefix("infercost: error: ") \
                if expected.stderr else ""
            status, body = get(port, "/api/v1/report?" + urllib.parse.urlencode(query))
            error = json.loads(body).get("error") if status == 400 else None
            if expected.returncode != 2 or status != 400 or error != message:
                fail(f"bad {query}: cli {expected.returncode} {message!r}; api {status} {error!r}")
        status, body = get(port, "/api/v1/report?no-such-flag=1")
        if status != 400 or "no-such-flag" not in body:
            fail(f"unknown key: {status} {body}")
        status, body = get(port, "/api/v1/compare?b.gpus=0")
        expected = cli(env, "compare", "--b.gpus", "0")
        if status != 400 or json.loads(body)["error"] != expected.stderr.splitlines()[0].removeprefix("infercost: error: "):
            fail(f"compare bad side: {status} {body} vs {expected.stderr}")

        # No plugin loading, no file reading through the API.
        for query in ["plugin-dir=/tmp", "presets-dir=/tmp", "plugin-override=gqa",
                      "model=/etc/passwd", "model=..%2Fpresets%2Fmodels%2Fllama-3-8b.toml",
                      "a=/etc/passwd", "format=csv"]:
            for endpoint in ["report", "compare", "search"]:
                status, body = get(port, f"/api/v1/{endpoint}?{query}")
                if status != 400:
                    fail(f"/api/v1/{endpoint}?{query}: status {status}, want 400")
        for query in ["workload=/etc/passwd", "plot=/tmp/x.svg", "threads=64"]:
            status, _ = get(port, f"/api/v1/search?{query}")
            if status != 400:
                fail(f"/api/v1/search?{query}: status {status}, want 400")
        status, _ = get(port, "/api/v1/nope")
        if status != 404:
            fail(f"unknown endpoint: {status}")

        # Point 5: request size limit (64 KiB by default).
        status, _ = get(port, "/api/v1/report", "POST", "{" + " " * (200 * 1024) + "}",
                        {"Content-Type": "application/json"})
        if status != 413:
            fail(f"200 KiB body: status {status}, want 413")

        # Point 5: nothing outside the web root, however the path is spelled.
        status, body = get(port, "/")
        if status != 200 or "<title>infercost" not in body:
            fail(f"index page: {status}")
        status, body = get(port, "/vendor/chart.js")
        if status != 200:
            fail(f"/vendor/chart.js: {status}")
        for target in ["/../CMakeLists.txt", "/..%2fCMakeLists.txt", "/%2e%2e/CMakeLists.txt",
                       "/%2e%2e%2fCMakeLists.txt", "/css/../../CMakeLists.txt",
                       "/css/%2e%2e/%2e%2e/CMakeLists.txt", "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
                       "/../../../../../../etc/passwd", "/etc/passwd", "//etc/passwd",
                       "/%2fetc%2fpasswd", "/..%5c..%5cCMakeLists.txt", "/vendor/../../etc/passwd",
                       "/css/..", "/%00/etc/passwd", "/index.html%00.png",
                       "http://127.0.0.1/../../etc/passwd"]:
            status, body = raw_get(port, target)
            if status == 200 or "root:x:0:0" in body or "cmake_minimum_required" in body:
                fail(f"GET {target}: status {status}, leaked a file")

        # DNS rebinding: another Host is refused.
        status, _ = get(port, "/api/v1/models", headers={"Host": "evil.example:80"})
        if status != 403:
            fail(f"Host evil.example: {status}, want 403")

        code = server.stop(signal.SIGINT)
        if code != 0:
            fail(f"SIGINT: exit {code}, want 0")

    with Server(binary, env=env) as server:
        if get(server.port, "/api/v1/engines")[0] != 200:
            fail("second server")
        code = server.stop(signal.SIGTERM)
        if code != 0:
            fail(f"SIGTERM: exit {code}, want 0")

    # Serve errors: a port in use, a missing web dir.
    with Server(binary, env=env) as server:
        try:
            busy = subprocess.run([binary, "serve", "--port", str(server.port)],
                                  capture_output=True, text=True, env=env, timeout=30)
            if busy.returncode == 0 or "cannot listen" not in busy.stderr:
                fail(f"port in use: {busy.returncode} {busy.stderr}")
        except subprocess.TimeoutExpired:
            fail("a second server on a port in use did not fail: it serves")
        server.stop()
    missing = subprocess.run([binary, "serve", "--port", "0", "--web-dir", "/no/such/dir"],
                             capture_output=True, text=True, env=env, timeout=30)
    if missing.returncode != 2 or "--web-dir" not in missing.stderr:
        fail(f"missing web dir: {missing.returncode} {missing.stderr}")

print(f"{checks} requests checked, {len(failures)} failures")
sys.exit(1 if failures else 0)
