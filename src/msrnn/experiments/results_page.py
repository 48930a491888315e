"""``docs/results.md`` made from the result files of the experiments (and nothing else).

:func:`render` turns the records in ``experiments/results/`` into the page; a test renders it
again and compares it with the committed page, so every number on the page is the one in the
files. :func:`draw_figures` draws the page's figures from the same files.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from msrnn.experiments.cpu_study import STUDY_MODELS, STUDY_SEEDS, study_config
from msrnn.experiments.memory_params import SETTINGS, Setting, models_for
from msrnn.experiments.paper_scale import PAPER_TABLES, as_shell, expected, run_commands
from msrnn.experiments.summary import SeedStats, by_model, compare, ranking
from msrnn.models import base_of, list_models, model_entry
from msrnn.models.scale_plan import SKIP_LABELS, SKIP_POLICIES

GiB = 2**30
#: Assumed sustained throughput of one GPU for the time estimates (TFLOP/s).
ASSUMED_TFLOPS = 20.0
#: MS-ConvLSTM with each skip policy (the paper's UNet and its ablations), in policy order.
SKIP_MODELS = tuple(
    sorted(
        list_models(family="convlstm", multiscale=True),
        key=lambda name: SKIP_POLICIES.index(model_entry(name).skip),
    )
)


def load_records(folder: Path) -> list[dict[str, Any]]:
    """All JSON records of a results folder, in file-name order."""
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]


def render(results: str | Path) -> str:
    """The markdown of ``docs/results.md`` from the results folder."""
    results = Path(results)
    memory = {(r["setting"], r["model"]): r for r in load_records(results / "memory")}
    study = load_records(results / "cpu_study")
    parts = [_header(), _memory_section(memory), _study_section(study),
             _paper_scale_section(memory)]  # fmt: skip
    return "\n".join(parts).rstrip() + "\n"


def _header() -> str:
    return """# Results

Every number on this page is read from the result files in `experiments/results/` by
`python experiments/make_results.py`, which rewrites this page and its figures
(`tests/experiments/test_results_page.py` checks that the page equals the files). The files are
written by the commands named in each section.
"""


# --------------------------------------------------------------------------- memory
def _gib(value: float) -> str:
    return f"{value / GiB:.3f}"


def _pct(new: float, old: float) -> str:
    return f"{100 * (new / old - 1):+.1f}%"


def _memory_section(memory: Mapping[tuple[str, str], dict]) -> str:
    lines = [
        "## 1. Parameters and training memory of the 16 models (measured)",
        "",
        "Command: `python experiments/memory_params.py` (one training step per model, paper "
        "configuration: 6 layers of 64 channels, kernel 3, batch 1 = the paper's per-GPU batch; "
        "traced on the meta device, which records the saved tensors of a CPU step without its "
        "arithmetic, or run on the CPU where a kernel has no meta version (PrecipLSTM); "
        "`msrnn profile --model NAME --batch 1 ...` prints the same figures).",
        "",
        "*activations*: the unique storages saved for backward; *training total*: parameters, "
        "gradients, Adam moments and activations. The paper's *Memory* is the GPU memory of the "
        "training process per card, which adds the CUDA context, cuDNN workspaces and the "
        "allocator's cache to these, so its values are larger and its reductions smaller; "
        "compare the directions and the reductions, not the gigabytes.",
    ]
    for setting in SETTINGS.values():
        rows = [name for name in models_for(setting) if (setting.name, name) in memory]
        if rows:
            lines += ["", f"### {setting.title}", "", *_memory_table(setting, memory, rows)]
    return "\n".join(lines) + "\n"


def _memory_table(setting: Setting, memory: Mapping, models: Sequence[str]) -> list[str]:
    header = [
        "| model | Params | paper Params | activations (GiB) | training total (GiB) "
        "| Δ total | Δ activations | paper Memory (GB) | paper Δ |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = []
    for name in models:
        record = memory[(setting.name, name)]
        base = _base_of(name, models)
        delta_total = delta_act = paper_delta = ""
        paper_params, paper_memory = setting.paper.get(name, ("", None))
        if base is not None:
            ref = memory[(setting.name, base)]
            delta_total = _pct(record["total_bytes"], ref["total_bytes"])
            delta_act = _pct(record["activation_bytes"], ref["activation_bytes"])
            if paper_memory is not None and base in setting.paper:
                paper_delta = _pct(paper_memory, setting.paper[base][1])
        rows.append(
            f"| {name} | {record['params'] / 1e6:.2f}M | {paper_params} "
            f"| {_gib(record['activation_bytes'])} | {_gib(record['total_bytes'])} "
            f"| {delta_total} | {delta_act} "
            f"| {'' if paper_memory is None else f'{paper_memory:.2f}'} | {paper_delta} |"
        )
    return header + rows + ["", _memory_verdict(setting, memory, models)]


def _base_of(name: str, models: Sequence[str]) -> str | None:
    base = base_of(name)
    return base if base in models else None


def _memory_verdict(setting: Setting, memory: Mapping, models: Sequence[str]) -> str:
    pairs = [(n, _base_of(n, models)) for n in models if _base_of(n, models) is not None]
    same = all(memory[(setting.name, n)]["params"] == memory[(setting.name, b)]["params"]
               for n, b in pairs)  # fmt: skip
    changes = [
        memory[(setting.name, n)]["total_bytes"] / memory[(setting.name, b)]["total_bytes"] - 1
        for n, b in pairs
    ]
    return (
        f"Claims: MS-X has the parameters of X — **{'held' if same else 'did not hold'}** "
        f"({len(pairs)} pairs); MS-X needs less training memory — "
        f"**{'held' if max(changes) < 0 else 'did not hold'}** "
        f"(training total {100 * min(changes):+.1f}% to {100 * max(changes):+.1f}%)."
    )


# --------------------------------------------------------------------------- CPU study
#: A run counts as evidence when its test MSE is at most this fraction of the blank forecast's:
#: a model above it has barely learnt more than "background", so comparing it measures nothing.
LEARNED_RATIO = 0.7
#: The paper's accuracy claims tested by the study: (challenger, reference, paper's MSE).
CLAIMS = (
    ("ms-convlstm", "convlstm", "82.0 -> 58.3 (-28.9%)"),
    ("ms-predrnn", "predrnn", "64.8 -> 48.3 (-25.4%)"),
    ("ms-convlstm", "ms-convlstm-noskip", "62.8 -> 58.3 (-7.1%, Table IV)"),
)
VERDICTS = {"yes": "holds", "mixed": "not shown (mixed)", "no": "does not hold"}


def learned(record: Mapping[str, Any]) -> bool:
    """Whether a study run beat :data:`LEARNED_RATIO` times its blank forecast's test MSE."""
    return record["test"]["mse_frame_sum"] <= LEARNED_RATIO * record["blank"]["mse_frame_sum"]


def _stats(values: Mapping[int, float], digits: int) -> str:
    s = SeedStats.of(values)
    return f"{s.mean:.{digits}f} ± {s.std:.{digits}f} ({s.low:.{digits}f}–{s.high:.{digits}f})"


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def _recipe(config: Path) -> str:
    """The study's training recipe in words, read from its config."""
    import yaml

    content = yaml.safe_load(config.read_text())
    model, data, trainer = content["model"], content["data"]["init_args"], content["trainer"]
    kwargs = model["model_kwargs"]
    patch = kwargs.get("patch_size", 1)
    loss = model["loss"].replace("l1+l2", f"L2 + {model.get('l1_weight', 1.0)} L1").upper()
    return (
        f"**{kwargs['num_layers']} layers of {kwargs['hidden_channels']} channels** on "
        f"{patch}x{patch} space-to-depth patches (paper: 6 of 64 on whole frames), "
        f"**{trainer['max_steps']} Adam steps** at a batch of {data['batch_size']} on fresh "
        f"sequences (paper: 20 epochs of 10,500 at a batch of 4), learning rate {model['lr']:g} "
        f"with a {model.get('warmup_steps', 0)}-step warm-up and a {model['lr_schedule']} decay "
        f"(paper: constant 3e-4), loss {loss} (paper: L2 + L1), scheduled sampling over the "
        f"first {model['sampling_steps']} steps, the last checkpoint tested on "
        f"{data['test_sequences']} test sequences (forecast frames only)"
    )


def _study_section(study: list[dict]) -> str:
    heading = "## 2. Seeded CPU study: the paper's accuracy claims where models learn"
    if not study:
        return f"{heading}\n\nNo records yet: run `python experiments/cpu_study.py`.\n"
    evidence = [r for r in study if learned(r)]
    failed = sorted(f"{r['model']} (seed {r['seed']})" for r in study if not learned(r))
    tables = {m: by_model(evidence, m) for m in ("mse_frame_sum", "mae_frame_sum", "ssim", "psnr")}
    mse = tables["mse_frame_sum"]
    models = [name for name in STUDY_MODELS if name in mse]
    seeds = sorted({r["seed"] for r in study})
    planned = len(STUDY_MODELS) * len(STUDY_SEEDS)
    reference = study[0]
    blank, persistence = reference["blank"], reference["persistence"]
    hosts = sorted({r["host"] for r in study})
    precisions = sorted({r["precision"] for r in study})
    lines = [
        heading,
        "",
        "Command: `python experiments/cpu_study.py` (then `python experiments/make_results.py`)."
        f" Records so far: **{len(study)} of the {planned} planned runs** "
        f"({len(STUDY_MODELS)} models x seeds {', '.join(map(str, STUDY_SEEDS))}); the study "
        "resumes run by run. The fits took "
        f"{sum(r['fit_seconds'] for r in study) / 60:.0f} min in all at precision "
        f"{', '.join(precisions)} on {'; '.join(hosts)}.",
        "",
        "The task is the paper's (embedded Moving MNIST, 64x64, 2 digits, 10 observed -> 10 "
        "forecast frames); the training is the quickstart's fast recipe "
        f"(`configs/quickstart.yaml`): {_recipe(study_config())}. Every model gets the same "
        f"optimiser steps. Seeds {', '.join(map(str, seeds))} set the weights, the sampling "
        "masks and the shuffle; the data are the same for every run.",
        "",
        f"A run counts as evidence only if its test MSE is at most {LEARNED_RATIO} x the blank "
        f"forecast's ({LEARNED_RATIO * blank['mse_frame_sum']:.1f}): "
        + (
            f"**{_runs(len(failed))} did not learn and "
            f"{'is' if len(failed) == 1 else 'are'} left out**: {', '.join(failed)}."
            if failed
            else f"all {len(study)} runs did."
        ),
        "",
        "Test scores, mean ± sample standard deviation over seeds (min–max); MSE and MAE are "
        "summed over the pixels of a frame and averaged over the 10 forecast frames (the "
        "paper's convention). *fit (min)* is the median wall-clock of a model's training runs "
        "(robust to a run that shared the machine or was paused while a benchmark ran, which "
        "the sum above includes):",
        "",
        "| model | runs | MSE ↓ | MAE ↓ | SSIM ↑ | PSNR ↑ | fit (min) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in models:
        runs = [r for r in evidence if r["model"] == name]
        fit = statistics.median(r["fit_seconds"] for r in runs) / 60
        lines.append(
            f"| {name} | {len(runs)} | {_stats(mse[name], 1)} "
            f"| {_stats(tables['mae_frame_sum'][name], 1)} | {_stats(tables['ssim'][name], 3)} "
            f"| {_stats(tables['psnr'][name], 2)} | {fit:.1f} |"
        )
    for label, scores in (("persistence (last observed frame)", persistence),
                          ("blank (all-zero) forecast", blank)):  # fmt: skip
        lines.append(
            f"| *{label}* | | {scores['mse_frame_sum']:.1f} | {scores['mae_frame_sum']:.1f} "
            f"| {scores['ssim']:.3f} | {scores['psnr']:.2f} | |"
        )
    lines += [
        "",
        "![Test MSE per lead time, mean over seeds](images/results_cpu_study.png)",
        "",
        *_claims(tables, models),
    ]
    return "\n".join(lines) + "\n"


def _claims(tables: Mapping[str, Mapping[str, Mapping[int, float]]], models: Sequence[str]):
    mse, mae = tables["mse_frame_sum"], tables["mae_frame_sum"]
    lines = [
        "### Do the paper's accuracy claims hold here?",
        "",
        "Seed-paired on the seeds where both runs learned: *change* is the mean over seeds of "
        "first / second - 1 (± its sample standard deviation), *won* counts the seeds on which "
        "the first model scored lower. The verdict reads MSE, the paper's headline metric: "
        f"it *holds* when the first model won on every seed, and needs at least "
        f"{len(STUDY_SEEDS)} seeds to be more than provisional.",
        "",
        "| claim (paper, Moving MNIST MSE) | MSE change | won | MAE change | won | verdict |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for challenger, reference, paper in CLAIMS:
        if challenger not in mse or reference not in mse:
            continue
        v, a = compare(mse, challenger, reference), compare(mae, challenger, reference)
        verdict = VERDICTS[v.held]
        if v.seeds < len(STUDY_SEEDS):
            verdict = f"provisional: {verdict} ({v.seeds} seed{'s' * (v.seeds > 1)})"
        lines.append(
            f"| {challenger} beats {reference}: {paper} "
            f"| {100 * v.mean_change:+.1f}% ± {100 * v.change_std:.1f}% | {v.wins}/{v.seeds} "
            f"| {100 * a.mean_change:+.1f}% ± {100 * a.change_std:.1f}% | {a.wins}/{a.seeds} "
            f"| **{verdict}** |"
        )
    skips = [name for name in SKIP_MODELS if name in models]
    if len(skips) == len(SKIP_MODELS):
        order = ranking(mse, skips)
        named = " < ".join(
            f"{SKIP_LABELS[model_entry(n).skip]} ({SeedStats.of(mse[n]).mean:.1f})" for n in order
        )
        held = "yes" if model_entry(order[0]).skip == "unet" else "no"
        lines += [
            "",
            "Skip styles (paper, Tables IV-V: UNet best, then UNet3+, full, none), mean MSE "
            f"here: {named}. UNet best: **{held}**.",
        ]
    return lines


# --------------------------------------------------------------------------- paper scale
def _paper_scale_section(memory: Mapping[tuple[str, str], dict]) -> str:
    lines = [
        "## 3. Paper scale: one command per table",
        "",
        "`python experiments/paper_scale.py --table 1 --devices 4 --run` trains and tests every "
        "model of Table 1 in turn (`--table 2` TaxiBJ, `3` HKO-7, `4`/`5` the skip ablations; "
        "`--devices 1` for one GPU; `--nodes N` for several machines, launched as Lightning "
        "expects). Without `--run` it prints the commands. Each is `msrnn fit` with the "
        "dataset's config and the model's name at the paper's global batch of 4 (per-GPU batch "
        "`4 / GPUs`), then "
        "`msrnn test --ckpt_path best --model.protocol paper`.",
        "",
        "Expected memory per GPU: the measured training total of section 1, with the "
        "activations scaled to the per-GPU batch (CUDA context and allocator cache come on top). "
        "Expected time: the measured FLOPs of a training step at an **assumed** sustained "
        f"{ASSUMED_TFLOPS:.0f} TFLOP/s per GPU (TF32 convolutions of an A100-class card at "
        "about 13% of peak) — an estimate, not a measurement: no GPU was available. Scale it by "
        "your GPU's sustained rate; one GPU takes four times the 4-GPU hours.",
    ]
    for table in PAPER_TABLES.values():
        rows = [name for name in table.models if (table.setting, name) in memory]
        if not rows:
            continue
        hours_label = (
            "hours, 4 GPUs (whole run)" if table.steps() else "hours per 10k train seq., 4 GPUs"
        )
        lines += [
            "",
            f"### Table {table.key}: {table.title} ({table.epochs} epochs)",
            "",
            f"| model | memory, 1 GPU (GiB) | memory per GPU, 4 GPUs (GiB) | TFLOP/step "
            f"| {hours_label} |",
            "|---|---:|---:|---:|---:|",
        ]
        for name in rows:
            record = memory[(table.setting, name)]
            one = expected(record, table, devices=1, nodes=1, tflops=ASSUMED_TFLOPS)
            four = expected(record, table, devices=4, nodes=1, tflops=ASSUMED_TFLOPS)
            hours = four["hours"] if four["hours"] is not None else four["hours_per_10k_sequences"]
            lines.append(
                f"| {name} | {_gib(one['gpu_bytes'])} | {_gib(four['gpu_bytes'])} "
                f"| {one['step_tflop']:.2f} | {hours:.1f} |"
            )
        example = run_commands(table, table.models[-1], devices=4)
        lines += ["", "e.g.", "", "```", *map(as_shell, example), "```"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- figures
def draw_figures(results: str | Path, images: str | Path) -> list[Path]:
    """Draw the page's figures from the results folder into ``images``; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    results, images = Path(results), Path(images)
    study = [r for r in load_records(results / "cpu_study") if learned(r)]
    if not study:
        return []
    blank = study[0]["blank"]
    figure, axis = plt.subplots(figsize=(7.5, 4.5), constrained_layout=True)
    for name in [m for m in STUDY_MODELS if any(r["model"] == m for r in study)]:
        curves = np.array([r["test_mse_per_lead_time"] for r in study if r["model"] == name])
        lead = np.arange(1, curves.shape[1] + 1)
        style = "-" if model_entry(name).multiscale else "--"
        (line,) = axis.plot(lead, curves.mean(0), style, marker="o", markersize=3, label=name)
        axis.fill_between(lead, curves.min(0), curves.max(0), color=line.get_color(), alpha=0.12)
    axis.plot(lead, blank["mse_per_lead_time"], ":", color="black", label="blank forecast")
    axis.set_xlabel("lead time (frames)")
    axis.set_ylabel("test MSE per frame (sum over pixels)")
    axis.set_title("Seeded CPU study: mean over seeds, band = min-max")
    axis.legend(fontsize=8, ncol=2)
    axis.grid(alpha=0.3)
    images.mkdir(parents=True, exist_ok=True)
    path = images / "results_cpu_study.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return [path]
