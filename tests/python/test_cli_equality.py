"""The module returns exactly what the built `infercost` command prints with --format json."""
import json

import pytest

import infercost


@pytest.mark.parametrize(
    "flags, kwargs",
    [
        ([], {}),
        (["--model", "llama-3-8b", "--gpus", "1", "--kv", "bf16", "--input-tokens", "2000"],
         {"model": "llama-3-8b", "gpus": 1, "kv": "bf16", "input_tokens": 2000}),
        (["--model", "llama-3-8b", "--gpus", "1", "--mode", "serving", "--concurrency", "16",
          "--engine", "vllm"],
         {"model": "llama-3-8b", "gpus": 1, "mode": "serving", "concurrency": 16,
          "engine": "vllm"}),
        (["--model", "deepseek-v3", "--gpus", "8", "--variant-option", "mla_form=absorbed"],
         {"model": "deepseek-v3", "gpus": 8, "variant_options": {"mla_form": "absorbed"}}),
        (["--model", "deepseek-v3", "--gpus", "8", "--speculative-tokens", "3",
          "--acceptance", "0.85,0.3"],
         {"model": "deepseek-v3", "gpus": 8, "speculative_tokens": 3,
          "acceptance": [0.85, 0.3]}),
    ],
)
def test_report_equals_the_clis_json(session, cli, flags, kwargs):
    status, stdout, stderr = cli("report", "--format", "json", *flags)
    assert status == 0, stderr
    assert session.report(**kwargs) == json.loads(stdout)


def test_sweep_equals_the_clis_json_lines(session, cli):
    status, stdout, stderr = cli("sweep", "--format", "json", "--model", "llama-3-8b",
                                 "--grid", "concurrency=1,8", "--grid", "tp=1,2")
    assert status == 0, stderr
    lines = [json.loads(line) for line in stdout.splitlines()]
    assert len(lines) == 4
    assert session.sweep({"concurrency": [1, 8], "tp": [1, 2]}, model="llama-3-8b") == lines


def test_compare_equals_the_clis_json(session, cli):
    status, stdout, stderr = cli("compare", "--format", "json", "--model", "llama-3-8b",
                                 "--gpus", "1", "--a.hardware", "h100-sxm", "--b.hardware", "b200")
    assert status == 0, stderr
    assert session.compare(a={"hardware": "h100-sxm"}, b={"hardware": "b200"},
                           model="llama-3-8b", gpus=1) == json.loads(stdout)


def test_search_equals_the_clis_json(session, cli):
    status, stdout, stderr = cli("search", "--format", "json", "--model", "llama-3-8b",
                                 "--hardware", "h100-sxm,b200", "--gpus", "1,2",
                                 "--max-tpot", "0.05")
    assert status == 0, stderr
    assert session.search(model="llama-3-8b", hardware=["h100-sxm", "b200"], gpus=[1, 2],
                          max_tpot=0.05) == json.loads(stdout)


@pytest.mark.parametrize("command", ["models", "hardware", "plugins"])
def test_lists_equal_the_clis_json(session, cli, command):
    status, stdout, stderr = cli(command, "--format", "json")
    assert status == 0, stderr
    expected = json.loads(stdout)
    got = getattr(session, command)()
    assert got == (expected if command == "plugins" else expected[command])


def test_module_functions_use_a_default_session(cli):
    status, stdout, _ = cli("report", "--format", "json", "--model", "llama-3-8b", "--gpus", "1")
    assert status == 0
    assert infercost.report(model="llama-3-8b", gpus=1) == json.loads(stdout)
    assert {e["name"] for e in infercost.engines()} >= {"vllm"}
