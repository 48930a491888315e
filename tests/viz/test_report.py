"""Run reports: the table repeats the input numbers, figures and HTML are written, no overwrite."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from msrnn.viz import lead_time_panels, write_report

GIB = 1024**3
PERSISTENCE = {"mse_frame_sum_mean": 150.0, "mse_frame_sum": [105.0, 120.0], "ssim_mean": 0.7}


def run(name, mse, ssim, memory=None, persistence=PERSISTENCE):
    metrics = {
        "mse_frame_sum_mean": mse,
        "mse_frame_sum": [mse * 0.8, mse * 1.2],
        "ssim_mean": ssim,
        "ssim": [ssim + 0.01, ssim - 0.01],
        "protocol": "forecast",
        "persistence": persistence,
    }
    entry = {"name": name, "metrics": metrics}
    if memory is not None:
        entry["memory"] = {"bytes": memory, "method": "saved tensors, CPU, batch 2"}
    return entry


RUNS = [
    run("convlstm", 104.123456789, 0.8234567, memory=5.5 * GIB),
    run("ms-convlstm", 93.5, 0.85, memory=2.9 * GIB),
    run("predrnn", 83.000001, 0.8712345678),
]


def table(markdown: str) -> dict[str, dict[str, str]]:
    """Row label -> (column -> cell) of the first markdown table."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, rows = cells[0], cells[2:]
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows}


def test_table_numbers_equal_the_input(tmp_path):
    written = write_report(RUNS, tmp_path)
    rows = table(written["report.md"].read_text())
    assert list(rows) == ["convlstm", "ms-convlstm", "predrnn", "persistence"]
    for entry in RUNS:
        for key in ("mse_frame_sum_mean", "ssim_mean"):
            value = entry["metrics"][key]
            assert rows[entry["name"]][key] == f"{value:.5g}"
            assert float(rows[entry["name"]][key]) == pytest.approx(value, rel=1e-4)
    assert float(rows["persistence"]["mse_frame_sum_mean"]) == 150.0
    assert rows["persistence"]["training memory (GiB)"] == "–"
    assert float(rows["ms-convlstm"]["training memory (GiB)"]) == 2.9
    assert rows["predrnn"]["training memory (GiB)"] == "–"
    assert "protocol" not in rows["convlstm"]


def test_full_precision_round_trips(tmp_path):
    values = {"a": 0.8234567891234567, "b": 1e-9 / 3, "c": 12345678.9}
    runs = [{"name": name, "metrics": {"ssim_mean": value}} for name, value in values.items()]
    written = write_report(runs, tmp_path, precision=17)
    assert set(written) == {"report.md"}  # no curves, no memory: no figures
    rows = table(written["report.md"].read_text())
    assert {name: float(row["ssim_mean"]) for name, row in rows.items()} == values


def test_figures_and_html_are_written(tmp_path):
    written = write_report(RUNS, tmp_path, html=True, frame_interval="6 min")
    assert set(written) == {
        "report.md",
        "report.html",
        "lead_time_mse_frame_sum.png",
        "lead_time_ssim.png",
        "memory_vs_error.png",
    }
    with Image.open(written["lead_time_ssim.png"]) as image:
        assert image.size == (560, 380)
    with Image.open(written["memory_vs_error.png"]) as image:
        assert image.size == (560, 420)
    markdown = written["report.md"].read_text()
    assert "saved tensors, CPU, batch 2" in markdown
    assert "![memory_vs_error](memory_vs_error.png)" in markdown
    page = written["report.html"].read_text()
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sorted(sources) == sorted(name for name in written if name.endswith(".png"))
    assert all((tmp_path / source).is_file() for source in sources)
    assert "<td>93.5</td>" in page


def test_no_memory_no_chart_and_distinct_baselines(tmp_path):
    other = {**PERSISTENCE, "mse_frame_sum_mean": 170.0}
    runs = [run("a", 1.0, 0.5), run("b", 2.0, 0.6, persistence=other)]
    written = write_report(runs, tmp_path)
    assert "memory_vs_error.png" not in written
    rows = table(written["report.md"].read_text())
    assert list(rows) == ["a", "b", "persistence (a)", "persistence (b)"]
    assert rows["persistence (b)"]["mse_frame_sum_mean"] == "170"
    assert not any(column.startswith("training memory") for column in rows["a"])


def test_lead_time_panels():
    panels, baselines = lead_time_panels(RUNS)
    assert list(panels) == ["mse_frame_sum", "ssim"]
    assert panels["ssim"]["ms-convlstm"] == [0.86, 0.84]
    assert baselines == {"mse_frame_sum": {"persistence": [105.0, 120.0]}}


def test_refuses_to_overwrite(tmp_path):
    written = write_report(RUNS[2:], tmp_path)  # no memory: no chart yet
    before = {name: path.read_bytes() for name, path in written.items()}
    with pytest.raises(FileExistsError, match="overwrite=True"):
        write_report(RUNS, tmp_path)
    assert {name: path.read_bytes() for name, path in written.items()} == before
    assert not (tmp_path / "memory_vs_error.png").exists()  # nothing new was written either
    again = write_report(RUNS, tmp_path, overwrite=True)
    assert "ms-convlstm" in again["report.md"].read_text()


def test_deterministic_bytes(tmp_path):
    memory = {"bytes": 3 * GIB, "method": "CUDA peak"}
    runs = [
        {"name": "convlstm", "metrics": {"mse_frame_sum_mean": 80.0}, "memory": memory},
        {"name": "ms-convlstm", "metrics": {"mse_frame_sum_mean": 60.0, "ssim": [0.9, 0.8]}},
    ]
    first = write_report(runs, tmp_path / "one", html=True)
    second = write_report(runs, tmp_path / "two", html=True)
    assert len(first) == 4  # md, html, one lead-time plot, the memory chart
    assert {n: p.read_bytes() for n, p in first.items()} == {
        n: p.read_bytes() for n, p in second.items()
    }


@pytest.mark.parametrize(
    ("runs", "kwargs", "match"),
    [
        ([], {}, "at least one run"),
        ([{"metrics": {}}], {}, r"runs\[0\] must have a str 'name'"),
        ([run("a", 1, 1), run("a", 2, 2)], {}, "names must be unique"),
        (
            [{**run("a", 1, 1), "memory": {"bytes": -1, "method": "x"}}],
            {},
            r"runs\[0\]\['memory'\]",
        ),
        ([run("a", 1, 1)], {"precision": 0}, "precision must be a positive integer"),
    ],
)
def test_bad_input_rejected(tmp_path, runs, kwargs, match):
    with pytest.raises(ValueError, match=match):
        write_report(runs, tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())
