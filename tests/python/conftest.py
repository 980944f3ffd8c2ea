"""Fixtures for the Python module's tests (run by CTest: tests/python/CMakeLists.txt sets
PYTHONPATH to the build tree's module, which finds the build tree's plugins and the source
tree's presets as the CLI built there does, and INFERCOST_CLI to the built command)."""
import os
import subprocess

import pytest

import infercost


@pytest.fixture(scope="session")
def session():
    return infercost.Session()


@pytest.fixture(scope="session")
def cli():
    """Runs the built `infercost` command: (exit status, stdout, stderr)."""
    path = os.environ["INFERCOST_CLI"]

    def run(*args):
        done = subprocess.run([path, *args], capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr

    return run
