"""examples/python/concurrency_sweep.py runs: a table without matplotlib, a plot with it."""
import os
import subprocess
import sys

import pytest

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python",
                       "concurrency_sweep.py")
ARGS = ["--model", "llama-3-8b", "--gpus", "1", "--max-concurrency", "8"]


def test_table():
    done = subprocess.run([sys.executable, EXAMPLE, *ARGS, "--table"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()[1:]
    # concurrency 1..8*2: 1, 2, 4, 8.
    assert [row.split()[0] for row in rows] == ["1", "2", "4", "8"]


def test_plot(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "sweep.png"
    done = subprocess.run([sys.executable, EXAMPLE, *ARGS, "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0
