"""Bad input raises ValueError with the CLI's own message; plugin problems raise
infercost.PluginError (a RuntimeError)."""
import os
import sys

import pytest

import infercost


def cli_error(stderr):
    """The message of the CLI's first stderr line "infercost: error: MESSAGE"."""
    first = stderr.splitlines()[0]
    prefix = "infercost: error: "
    assert first.startswith(prefix), stderr
    return first[len(prefix):]


@pytest.mark.parametrize(
    "flags, kwargs",
    [
        (["--model", "no-such-model"], {"model": "no-such-model"}),
        (["--hardware", "no-such-device"], {"hardware": "no-such-device"}),
        (["--weights", "fp7"], {"weights": "fp7"}),
        (["--gpus", "0"], {"gpus": 0}),
        (["--gpus", "abc"], {"gpus": "abc"}),
        (["--attention-kernel", "no-such-kernel"], {"attention_kernel": "no-such-kernel"}),
    ],
)
def test_value_error_has_the_clis_message(session, cli, flags, kwargs):
    status, _, stderr = cli("report", *flags)
    assert status == 2, stderr
    with pytest.raises(ValueError) as error:
        session.report(**kwargs)
    assert str(error.value) == cli_error(stderr)
    assert str(error.value) != ""


def test_sweep_and_compare_errors_are_value_errors(session):
    with pytest.raises(ValueError, match="--grid gpus=8..1"):
        session.sweep({"gpus": "8..1"})
    with pytest.raises(ValueError, match="side b"):
        session.compare(a={}, b={"model": "no-such-model"})
    with pytest.raises(ValueError, match="nothing sets side A apart from side B"):
        session.compare(model="llama-3-8b")
    with pytest.raises(ValueError):
        session.search(model="llama-3-8b", gpus=["two"])


def test_plugin_error_is_a_runtime_error():
    assert issubclass(infercost.PluginError, RuntimeError)
    assert not issubclass(infercost.PluginError, ValueError)


def test_missing_plugin_dir_is_a_plugin_error_with_the_clis_message(cli, tmp_path):
    missing = str(tmp_path / "no-such-dir")
    status, _, stderr = cli("--plugin-dir", missing, "report")
    assert status == 2
    with pytest.raises(infercost.PluginError) as error:
        infercost.Session(plugin_dirs=missing)
    assert str(error.value) == cli_error(stderr)


def write_bogus_plugin(directory):
    # A manifest naming a "library" that is a text file, not an ELF shared object.
    (directory / "bogus.icplugin.toml").write_text(
        'name = "bogus"\nkind = "attention_variant"\nlibrary = "infercost-bogus.so"\n'
        "abi_major = 1\n")
    (directory / "infercost-bogus.so").write_text("not a shared library\n")


def test_a_file_that_is_not_a_plugin_is_a_plugin_error(tmp_path):
    write_bogus_plugin(tmp_path)
    with pytest.raises(infercost.PluginError) as error:
        infercost.Session(plugin_dirs=[tmp_path])
    assert "bogus" in str(error.value)
    assert str(tmp_path) in str(error.value)


def test_not_strict_lists_the_rejected_plugin_as_the_cli_does(tmp_path):
    write_bogus_plugin(tmp_path)
    session = infercost.Session(plugin_dirs=[tmp_path], strict_plugins=False)
    rejected = session.plugins()["rejected"]
    assert [r["name"] for r in rejected] == ["bogus"]
    assert rejected[0]["reason"] != ""
    # The rest still works.
    assert session.report(model="llama-3-8b", gpus=1)["scenario"]["model"] == "llama-3-8b"


def test_wrong_abi_major_is_a_plugin_error():
    bad = os.environ.get("INFERCOST_TEST_ABI_PLUGIN_DIR", "")
    if not os.path.isdir(bad):
        pytest.skip("the ABI tests' bad plugins are not built")
    with pytest.raises(infercost.PluginError) as error:
        infercost.Session(plugin_dirs=[bad])
    assert "abi_wrong_major" in str(error.value)


def test_dataframe_without_pandas_is_an_import_error(session, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now fails
    with pytest.raises(ImportError, match="python3-pandas"):
        session.sweep({"concurrency": [1, 2]}, model="llama-3-8b", gpus=1, as_dataframe=True)
    # Without as_dataframe, no pandas is needed.
    assert len(session.sweep({"concurrency": [1, 2]}, model="llama-3-8b", gpus=1)) == 2


def test_beyond_context_is_refused_then_allowed_with_a_warning(session, cli):
    # Llama-3-70B's maximum is 8192 tokens; 8192 in + 500 out = 8692.
    status, _, stderr = cli("report", "--input-tokens", "8192")
    assert status == 2
    with pytest.raises(ValueError) as error:
        session.report(input_tokens=8192)
    assert str(error.value) == cli_error(stderr)
    assert "--allow-beyond-context" in str(error.value)
    with pytest.warns(UserWarning, match="8692 tokens exceeds the 8192-token maximum"):
        report = session.report(input_tokens=8192, allow_beyond_context=True)
    assert report["scenario"]["input_tokens"] == 8192


def test_search_takes_allow_beyond_context_as_a_switch(session):
    # A switch, as in report: True passes --allow-beyond-context, not "--allow-beyond-context
    # true" (which CLI11 refused as a stray argument).
    flags = dict(model="llama-3-8b", hardware=["h100-sxm"], gpus=[1], weights=["bf16"],
                 input_tokens=8192)
    with pytest.raises(ValueError, match="--allow-beyond-context"):
        session.search(**flags)
    result = session.search(allow_beyond_context=True, **flags)
    assert result["configurations"] == 1
    assert result["input_tokens"] == 8192
    with pytest.raises(ValueError, match="--allow-beyond-context"):
        session.search(allow_beyond_context=False, **flags)


def test_mfu_out_of_range_has_the_clis_message(session, cli):
    status, _, stderr = cli("report", "--mfu", "1.5")
    assert status == 2
    with pytest.raises(ValueError) as error:
        session.report(mfu=1.5)
    assert str(error.value) == cli_error(stderr)


def test_a_list_for_a_flag_that_takes_one_value_is_refused(session):
    # It once ran with the last item (gpus=[4, 8] ran with 8 GPUs); the command line refuses
    # `--gpus 4 --gpus 8` too. Only variant options take several.
    for kwargs in ({"gpus": [4, 8]}, {"hardware": ["b200", "h200"]}, {"gpus": []}):
        with pytest.raises(ValueError, match=r"one value, not a list \(only variant_options"):
            session.report(**kwargs)
    with pytest.raises(ValueError, match="gpus: one value, not a list"):
        session.compare(a={"gpus": [1]})


def test_help_is_not_a_parameter(session):
    # CLI11's own text for it ("This should be caught in your main function") is a command
    # line's; here it is named.
    for call in (lambda: session.report(help=True), lambda: session.search(help=True)):
        with pytest.raises(ValueError, match="help and version are not parameters here"):
            call()


def test_arguments_of_the_wrong_kind_are_type_and_value_errors_that_name_them(session):
    # Each used to leak C++ or pybind11 text (IndexError vector::_M_range_check, "Unable to cast
    # Python instance"), or to be silently dropped (an empty dict).
    for side in ([], 5):
        with pytest.raises(TypeError, match="a: a dict of flags or a scenario file's path"):
            session.compare(a=side)
    with pytest.raises(TypeError, match="only_different: True or False, not 'x'"):
        session.compare(only_different="x")
    with pytest.raises(TypeError, match="as_dataframe: True or False"):
        session.search(model="llama-3-8b", as_dataframe="x")
    with pytest.raises(ValueError, match="gpus: one value, not a dict"):
        session.report(gpus={})
    with pytest.raises(ValueError, match="model: one value, not a dict"):
        session.compare(a={"model": {}})
    with pytest.raises(ValueError, match="gpus: an empty list"):
        session.search(model="llama-3-8b", gpus=[])


def test_one_plugin_override_may_be_a_string():
    # A str is one name, not its letters ("gqa" overrode plugins named g, q and a, warning of each).
    warnings = infercost.Session(plugin_overrides="gqa").plugins()["warnings"]
    overrides = [w for w in warnings if w.startswith("--plugin-override")]
    assert len(overrides) == 1 and overrides[0].startswith("--plugin-override gqa:"), warnings
