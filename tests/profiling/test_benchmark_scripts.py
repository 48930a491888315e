"""The benchmark scripts on tiny settings (fused_cells, checkpointing, table1, allocator,
patching, quickstart_recipe)."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from msrnn.profiling.machine import measured_on

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


TINY = ["--size", "8", "--batch", "1", "--frames", "3", "--repeats", "1"]


def test_fused_cells_compares_equal_models_of_the_chosen_depth(tmp_path, capsys):
    out = tmp_path / "fused.json"
    argv = ["--models", "convlstm,predrnn", "--num-layers", "2", *TINY, "--warmup", "0"]
    assert _load("fused_cells").main([*argv, "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert [r["model"] for r in report["models"]] == ["convlstm", "predrnn"]
    for record in report["models"]:
        assert record["loss_relative_difference"] < 1e-5  # the same maths
        assert record["saved_ratio"] < 1  # the fused cells save fewer maps
        assert record["speedup"] > 0
    assert "2 layers" in report["markdown"] and "| predrnn |" in capsys.readouterr().out


def test_fused_cells_rejects_bad_settings():
    with pytest.raises(SystemExit):
        _load("fused_cells").main(["--repeats", "0"])


def test_checkpointing_cuts_the_saved_bytes(tmp_path):
    out = tmp_path / "ckpt.json"
    argv = ["--models", "convlstm", *TINY, "--frames", "7", "--segments", "1,3"]
    argv += ["--max-size-models", "", "--json", str(out)]
    assert _load("checkpointing").main(argv) == 0
    report = json.loads(out.read_text())
    (record,) = report["records"]
    saved, recomputed = record["saved_bytes"], record["recomputed_bytes"]
    assert saved["3"] < saved["1"] < saved["0"]  # 6 steps: 2 checkpoints instead of 6
    assert recomputed["1"] < recomputed["3"]
    assert all(len(record["seconds"][key]) == 1 for key in ("0", "1", "3"))
    assert "| convlstm | every step |" in report["markdown"]
    assert "| convlstm | 3 steps |" in report["markdown"] and report["max_size"] == []


def test_checkpointing_max_size_has_a_column_per_setting(tmp_path):
    out = tmp_path / "ckpt.json"
    argv = ["--models", "convlstm", *TINY, "--segments", "1,2", "--max-size-models", "convlstm"]
    argv += ["--max-size-batch", "1", "--budget-gib", "0.1", "--json", str(out)]
    assert _load("checkpointing").main(argv) == 0
    report = json.loads(out.read_text())
    (sizes,) = report["max_size"]
    sides = sizes["sides"]
    assert sides["0"] <= sides["1"]  # checkpointing never needs more memory at 3 frames
    assert "| model | off | every step | 2 steps |" in report["markdown"]


def test_table1_page_rewritten_from_its_cache_is_the_same(tmp_path):
    table1 = _load("table1")
    cache, page = tmp_path / "rows.jsonl", tmp_path / "page.md"
    argv = ["--section", "1", "convlstm", "--size", "8", "--frames", "3", "--repeats", "1"]
    argv += ["--max-size-models", "none", "--cache", str(cache), "--output", str(page)]

    def lines():  # but the load average, which describes the moment of writing
        return [line for line in page.read_text().splitlines() if "load average" not in line]

    assert table1.main(argv) == 0
    rows, first = cache.read_text(), lines()
    assert table1.main(argv) == 0
    assert cache.read_text() == rows  # nothing measured again
    assert lines() == first
    assert any(line.startswith("| ms-convlstm |") for line in first)
    assert any("measured 2 times (before each model)" in line for line in first)
    assert f"Measured {measured_on()} (see" in page.read_text()  # each section names its host


def test_allocator_times_both_heap_settings_in_their_own_processes(tmp_path):
    out = tmp_path / "heap.json"
    argv = ["--models", "convlstm", *TINY, "--warmup", "0", "--json", str(out)]
    assert _load("allocator").main(argv) == 0
    report = json.loads(out.read_text())
    (record,) = report["models"]
    for setting in ("system", "retained"):
        run = record["runs"][setting]
        assert len(run["seconds"]) == len(run["minor_faults"]) == 1
        assert run["peak_rss"][0] > 2**20
    assert record["speedup"] > 0 and "| convlstm |" in report["markdown"]


def test_allocator_refuses_to_compare_when_the_environment_chose(monkeypatch, capsys):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    assert _load("allocator").main(["--models", "convlstm", *TINY]) == 2
    assert "MALLOC_ARENA_MAX=2" in capsys.readouterr().out


def test_patching_benchmark_times_every_patch_and_precision(tmp_path):
    out = tmp_path / "patching.json"
    argv = ["--channels", "4", "--layers", "2", "--batch", "1", "--frames", "3", "--size", "16"]
    assert _load("patching").main([*argv, "--repeats", "1", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    records = report["records"]
    assert [(r["model"], r["patch"]) for r in records] == [
        (m, p) for m in ("convlstm", "ms-convlstm") for p in (1, 2, 4)
    ]
    # the work falls with the square of the patch side (the embedding and read-out aside)
    assert records[0]["gflop"] > 3 * records[1]["gflop"] > 9 * records[2]["gflop"]
    assert set(records[1]["speedup_vs_patch1"]) == {"fp32", "bf16-cl"}
    assert "| ms-convlstm | 4 | 4x4 |" in report["markdown"]
    assert measured_on().split(",")[0] in report["markdown"]


def test_recipe_front_reads_records_in_order(tmp_path):
    recipe = _load("quickstart_recipe")
    scores = {"mse_frame_sum": 100.0, "mae_frame_sum": 200.0, "ssim": 0.5, "psnr": 15.0}
    blank = {"mse_frame_sum": 160.0, "mae_frame_sum": 190.0, "ssim": 0.7, "psnr": 14.0}
    record = {
        "recipe": "r1",
        "what": "a test",
        "steps": 10,
        "fit_seconds": 12.0,
        "model": scores,
        "blank": blank,
        "persistence": scores,
        "mse_per_lead_time": [50.0, 150.0],
        "machine": {"cpu": {"name": "Some CPU", "family": 6, "model": 143}},
    }
    results = tmp_path / "r.jsonl"
    second = {**record, "recipe": "r2", "note": "timed beside another job"}
    results.write_text(json.dumps(record) + "\n" + json.dumps(second) + "\n")
    records = recipe.read_records(results)
    assert [r["recipe"] for r in records] == ["r1", "r2"]
    text = recipe.front_markdown(records)
    assert "| r1 | a test | 10 | 12 | 100.0 | 200.0 | 0.500 | 0.62 | 1.05 | 50 / 150 |" in text
    assert "| r2 | a test | 10 | 12 [1] |" in text and "[1] timed beside another job" in text
    assert "Some CPU (family 6, model 143)" in text and "blank MSE 160.0" in text
    assert recipe.read_records(tmp_path / "none.jsonl") == []


@pytest.mark.parametrize("name", ["convlstm", "ms-convlstm", "predrnn", "ms-predrnn"])
@pytest.mark.parametrize("patch", [1, 4])
def test_the_plain_reference_computes_msrnns_function(name, patch):
    """The benchmark's plain formulation, built from an msrnn model, gives its outputs and
    gradients to 1e-5 (fp32), so the timings compare two implementations of one network."""
    import torch

    from msrnn.models import build_model

    bench = _load("plain_reference")
    torch.manual_seed(0)
    ours = build_model(name, hidden_channels=6, num_layers=4, patch_size=patch)
    reference = bench.PlainForecaster(ours)
    frames = torch.rand(2, 5, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    mask = torch.tensor([[1, 1, 0.0, 1], [1, 0, 1, 0]])
    results = []
    for model in (ours, reference):
        predictions = model(frames, teacher_forcing=mask).predictions
        predictions.square().sum().backward()
        grads = {n: p.grad for n, p in model.named_parameters()}
        results.append((predictions.detach(), grads))
    (ours_out, ours_grads), (ref_out, ref_grads) = results
    torch.testing.assert_close(ours_out, ref_out, rtol=1e-5, atol=1e-5)
    assert len(ours_grads) == len(ref_grads)
    for key, grad in ours_grads.items():
        ref = ref_grads[key.replace("stack.cells", "cells")]
        if grad.shape != ref.shape:  # a block's bias rows: the reference sums them into one
            grad = grad[0]
        torch.testing.assert_close(grad, ref, rtol=1e-5, atol=1e-5, msg=key)


def test_plain_reference_times_both_steps_and_checks_the_loss(tmp_path, capsys):
    out = tmp_path / "reference.json"
    argv = ["--models", "ms-predrnn", "--patches", "1,4", "--precisions", "32", "--num-layers",
            "2", "--channels", "4", "--size", "16", "--batch", "1", "--frames", "4",
            "--repeats", "2", "--warmup", "0", "--json", str(out)]  # fmt: skip
    assert _load("plain_reference").main(argv) == 0
    report = json.loads(out.read_text())
    assert [(r["model"], r["grid"]) for r in report["models"]] == [
        ("ms-predrnn", 16), ("ms-predrnn", 4)
    ]  # fmt: skip
    for record in report["models"]:
        assert record["loss_relative_difference"] < 1e-5
        assert len(record["seconds"]["msrnn"]) == 2 and record["ratio"] > 0
        assert record["saved_bytes"]["msrnn"] < record["saved_bytes"]["reference"]
    assert "| ms-predrnn | 4x4 | 32 |" in capsys.readouterr().out


def test_plain_reference_checks_the_speed_targets(tmp_path):
    out = tmp_path / "reference.json"
    argv = ["--models", "predrnn,ms-predrnn", "--patches", "1,4", "--num-layers", "2",
            "--channels", "4", "--size", "16", "--batch", "1", "--frames", "4",
            "--repeats", "1", "--warmup", "0", "--json", str(out)]  # fmt: skip
    assert _load("plain_reference").main(argv) == 0
    report = json.loads(out.read_text())
    assert sorted(report["gate_convolution"]) == ["1", "4"]
    table = report["markdown"]
    assert "| fp32 msrnn / reference, ms-predrnn 4x4 |" in table
    assert "| ms-predrnn / predrnn, 16x16 (full grid) 32 |" in table
    assert "| ms-predrnn / predrnn, 4x4 (patched grid) bf16-mixed |" in table
    assert "| bf16-mixed speed-up, predrnn 16x16:" in table
    assert table.count("| slowest / median msrnn step, worst of the run") == 1
    assert table.count("| met |") + table.count("| **unmet** |") == 4 + 1 + 4 + 4
