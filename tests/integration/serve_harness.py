"""Starts `infercost serve --port 0` for a test and stops it (shared by serve_api_test.py,
serve_load_test.py and browser_test.py)."""
import os
import re
import signal
import subprocess
import time


class Server:
    def __init__(self, binary, *args, env=None, serve_args=()):
        self.binary = binary
        self.process = subprocess.Popen(
            [binary, *args, "serve", "--port", "0", *serve_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.process.stdout.readline()
        match = re.match(r"infercost: serving on (http://127\.0\.0\.1:(\d+)/)$", line.strip())
        if not match:
            self.process.kill()
            raise RuntimeError(f"no URL line from the server: {line!r} {self.process.stderr.read()!r}")
        self.url = match.group(1)
        self.port = int(match.group(2))

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends `sig`; returns the exit status (raises if it does not stop in time)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"the server did not stop within {timeout} s of {sig}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def test_env(plugin_dir, preset_dir, cache_dir):
    env = dict(os.environ)
    env["INFERCOST_PLUGIN_PATH"] = plugin_dir
    env["INFERCOST_PRESET_PATH"] = preset_dir
    env["INFERCOST_CACHE_DIR"] = cache_dir
    return env
