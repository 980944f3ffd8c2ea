"""sweep, compare and search: sizes, order, records, the GIL, and pandas when installed."""
import threading
import time

import pytest

BASE = {"model": "llama-3-8b", "hardware": "h100-sxm", "engine": "vllm"}


def test_sweep_size_is_the_grid_product_and_the_first_field_varies_slowest(session):
    # 25 concurrencies x 4 GPU counts = 100 points.
    concurrency = list(range(1, 26))
    gpus = [1, 2, 4, 8]
    start = time.monotonic()
    records = session.sweep({"concurrency": concurrency, "gpus": gpus}, **BASE)
    elapsed = time.monotonic() - start
    assert len(records) == 100
    assert [(r["concurrency"], r["gpus"]) for r in records[:5]] == [
        (1, 1), (1, 2), (1, 4), (1, 8), (2, 1)]
    assert records[-1]["concurrency"] == 25 and records[-1]["gpus"] == 8
    assert all(r["error"] is None for r in records)
    # Loose: 100 evaluations of microseconds each; real speed is measured in bench/README.md.
    assert elapsed < 60


def test_sweep_takes_the_clis_range_specs(session):
    records = session.sweep({"concurrency": "1..256*2"}, gpus=1, **BASE)
    # 1, 2, 4, ..., 256: nine points.
    assert [r["concurrency"] for r in records] == [1, 2, 4, 8, 16, 32, 64, 128, 256]


def test_an_invalid_point_is_a_record_with_its_error(session):
    # TP 2 on 2 GPUs is a layout; TP 3 on 2 GPUs is not: that point carries its error and the
    # sweep goes on.
    records = session.sweep({"tp": [2, 3]}, model="llama-3-8b", gpus=2)
    assert len(records) == 2
    assert records[0]["error"] is None
    assert isinstance(records[1]["error"], str) and records[1]["error"] != ""
    assert "ttft_s" not in records[1]


def test_a_sweep_point_is_the_report_of_its_scenario(session):
    (record,) = session.sweep({"concurrency": [16]}, gpus=2, **BASE)
    summary = session.report(concurrency=16, gpus=2, **BASE)["summary"]
    for key in ("ttft_s", "tpot_s", "tokens_per_s_per_user", "tokens_per_s_per_gpu"):
        assert record[key] == summary[key], key


def test_the_gil_is_released_during_a_sweep(session):
    # While another thread sweeps, this one keeps running Python: with the GIL held through the
    # sweep it could not run at all between `started` and `finished`.
    state = {"started": False, "finished": False}

    def sweep():
        state["started"] = True
        session.sweep({"concurrency": list(range(1, 201)), "gpus": [1, 2, 4, 8, 16]}, **BASE)
        state["finished"] = True

    thread = threading.Thread(target=sweep)
    thread.start()
    while not state["started"]:
        time.sleep(0)
    ran = 0
    while not state["finished"]:
        ran += 1
        time.sleep(0)
    thread.join()
    assert ran >= 50


def test_compare_lists_b_minus_a(session):
    result = session.compare(a={"hardware": "h100-sxm"}, b={"hardware": "b200"},
                             model="llama-3-8b", gpus=1, only_different=True)
    assert result["a"]["hardware"] == "h100-sxm" and result["b"]["hardware"] == "b200"
    assert all(m["differs"] for m in result["metrics"])
    ttft = next(m for m in result["metrics"] if m["metric"] == "summary.ttft_s")
    assert ttft["difference"] == ttft["b"] - ttft["a"]


def test_search_returns_records(session):
    result = session.search(model="llama-3-8b", hardware=["h100-sxm"], gpus=[1, 2],
                            engine=["vllm"], weights=["bf16"], kv=["fp8"])
    assert len(result["candidates"]) >= 2
    assert {c["gpus"] for c in result["candidates"]} == {1, 2}
    assert all(c["hardware"] == "h100-sxm" for c in result["candidates"])
    assert result["frontier"], result


def test_dataframes_when_pandas_is_installed(session):
    pandas = pytest.importorskip("pandas")
    frame = session.sweep({"concurrency": [1, 2, 4], "gpus": [1, 2]}, as_dataframe=True, **BASE)
    assert isinstance(frame, pandas.DataFrame)
    assert len(frame) == 6
    assert {"concurrency", "gpus", "tokens_per_s_per_user", "tokens_per_s_per_gpu"} <= set(
        frame.columns)
    search = session.search(model="llama-3-8b", hardware=["h100-sxm"], gpus=[1],
                            as_dataframe=True)
    assert "tokens_per_s_per_gpu" in search.columns
    import infercost
    assert len(infercost.to_dataframe([{"a": 1}, {"a": 2}])) == 2


def test_a_sweep_larger_than_one_returns_at_once_is_refused_before_it_runs(session):
    # 1,001 x 1,000 = 1,001,000 points: one past the 1,000,000 records a sweep returns (each a
    # record in memory; `infercost sweep` streams any number).
    with pytest.raises(ValueError, match="1001000 points are more than a sweep returns at once"):
        session.sweep({"concurrency": "1..1001", "input_tokens": "1..1000"}, model="llama-3-8b")
