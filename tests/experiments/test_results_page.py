import json
import shutil
from pathlib import Path

import pytest

from msrnn.experiments.memory_params import MOVING_MNIST
from msrnn.experiments.results_page import draw_figures, render

ROOT = Path(__file__).resolve().parents[2]


def test_committed_page_equals_the_result_files():
    page = (ROOT / "docs" / "results.md").read_text()
    assert page == render(ROOT / "experiments" / "results"), (
        "docs/results.md differs from experiments/results/: run python experiments/make_results.py"
    )


def _memory_record(model, activations, state=1000, params=10):
    return {"model": model, "setting": "moving_mnist", "batch": 1, "frames": 20,
            "size": [64, 64], "params": params, "trained_params": params,
            "activation_bytes": activations, "total_bytes": state + activations,
            "law_bytes": activations, "flops": 10**12}  # fmt: skip


def _study_record(model, seed, mse):
    test = {"mse_frame_sum": mse, "mae_frame_sum": 2 * mse, "ssim": 0.5, "psnr": 15.0}
    return {"model": model, "seed": seed, "steps": 3, "fit_seconds": 1.0,
            "train_loss_mean": 9.0, "test": test, "test_mse_per_lead_time": [mse, mse],
            "persistence": {**test, "mse_frame_sum": 300.0}}  # fmt: skip


@pytest.fixture
def results(tmp_path):
    (tmp_path / "memory").mkdir()
    (tmp_path / "cpu_study").mkdir()
    for name, act in (("convlstm", 4000), ("ms-convlstm", 2000), ("ms-convlstm-full", 2100)):
        record = _memory_record(name, act)
        (tmp_path / "memory" / f"moving_mnist-{name}.json").write_text(json.dumps(record))
    mses = {"convlstm": (150, 151, 149), "ms-convlstm": (140, 152, 141),
            "ms-convlstm-noskip": (145, 146, 147), "ms-convlstm-unet3p": (139, 139, 139),
            "ms-convlstm-full": (160, 160, 160)}  # fmt: skip
    for name, values in mses.items():
        for seed, mse in enumerate(values):
            record = _study_record(name, seed, mse)
            (tmp_path / "cpu_study" / f"{name}-seed{seed}.json").write_text(json.dumps(record))
    blank = {"mse_frame_sum": 170.0, "mae_frame_sum": 200.0, "mse_per_lead_time": [170, 170]}
    (tmp_path / "cpu_study" / "blank.json").write_text(json.dumps(blank))
    return tmp_path


def test_memory_table_reads_records_and_compares_with_the_paper(results):
    page = render(results)
    assert "### " + MOVING_MNIST.title in page
    # training totals 5000 -> 3000 bytes: -40.0%; activations 4000 -> 2000: -50.0%
    row = "| ms-convlstm | 0.00M | 1.77M | 0.000 | 0.000 | -40.0% | -50.0% | 3.86 | -29.8% |"
    assert row in page
    assert "(training total -40.0% to -38.0%)" in page
    assert "MS-X has the parameters of X — **held**" in page


def test_study_table_has_mean_spread_and_verdicts(results):
    page = render(results)
    # mean 144.3, sample std of (140, 152, 141) = 6.66
    assert "| ms-convlstm | 144.3 ± 6.7 (140.0–152.0) |" in page
    # ms-convlstm wins seeds 0 and 2 against convlstm, loses seed 1: mixed;
    # paired changes -6.7%, +0.7%, -5.4% (mean -3.8%) on MSE and on MAE (= 2 MSE here)
    assert "| -3.8% | 2/3 | -3.8% | 2/3 | mixed |" in page
    assert "UNet3+ (139.0) < UNet (144.3) < none (146.0) < full (160.0). UNet best: **no**" in page
    assert "| *blank (all-zero) forecast* | 170.0 | 200.0 |" in page


def test_paper_scale_section_lists_commands_and_expectations(results):
    page = render(results)
    assert "### Table 1: Moving MNIST (20 epochs)" in page
    assert "msrnn fit --config configs/moving_mnist/ms-convlstm.yaml" in page
    assert "--trainer.devices 4" in page


def test_figure_is_drawn_from_the_records(results, tmp_path):
    (path,) = draw_figures(results, tmp_path / "images")
    assert path.stat().st_size > 10_000


def test_page_without_study_records_says_how_to_make_them(results):
    shutil.rmtree(results / "cpu_study")
    (results / "cpu_study").mkdir()
    (results / "cpu_study" / "blank.json").write_text(json.dumps({}))
    assert "No records yet: run `python experiments/cpu_study.py`" in render(results)
