import dataclasses

from msrnn.experiments.cpu_study import run_study
from msrnn.experiments.memory_params import TAXIBJ, measure_model
from msrnn.models import build_model

TINY = [
    "--model.model_kwargs", '{"hidden_channels": 4, "num_layers": 2, "patch_size": 4}',
    "--trainer.max_steps", "2", "--trainer.val_check_interval", "2",
    "--data.init_args.train_sequences", "8", "--data.init_args.val_sequences", "2",
    "--data.init_args.test_sequences", "2", "--data.init_args.input_frames", "2",
    "--data.init_args.output_frames", "2", "--data.init_args.batch_size", "4",
]  # fmt: skip


def test_study_writes_one_record_per_run_and_resumes(tmp_path):
    results, runs = tmp_path / "results", tmp_path / "runs"
    (record,) = run_study(
        results, runs_root=runs, models=["ms-convlstm"], seeds=[3], precision="32-true",
        extra=TINY,
    )  # fmt: skip
    assert (record["model"], record["seed"], record["steps"]) == ("ms-convlstm", 3, 2)
    assert record["precision"] == "32-true" and "cores, torch" in record["host"]
    assert len(record["test_mse_per_lead_time"]) == 2
    assert record["test"]["mse_frame_sum"] > 0 and record["persistence"]["ssim"] > 0
    assert len(record["blank"]["mse_per_lead_time"]) == 2
    assert [p.name for p in results.iterdir()] == ["ms-convlstm-seed3.json"]  # no temporary left
    # a second call finds the record and trains nothing
    again = run_study(results, runs_root=runs, models=["ms-convlstm"], seeds=[3], extra=TINY)
    assert again == [record]
    assert [p.name for p in runs.iterdir()] == ["ms-convlstm-seed3"]


def test_memory_record_is_a_measured_training_step():
    tiny = dataclasses.replace(TAXIBJ, size=(16, 16), frames=3, input_frames=2)
    record = measure_model("ms-convlstm", tiny)
    params = sum(p.numel() for p in build_model("ms-convlstm").parameters())
    assert record["params"] == params == 1_772_737
    # parameters, gradients and two Adam moments in fp32 (plus Adam's step counters)
    state = record["total_bytes"] - record["activation_bytes"]
    assert 4 * 4 * params <= state < 4 * 4 * params + 4096
    assert record["activation_bytes"] > 0 and record["flops"] > 0
    assert record["device"] == "meta"  # traced: no arithmetic, the same saved bytes as a CPU step


def test_an_unfinished_run_resumes_in_its_own_folder(tmp_path):
    """A fit stopped after 2 of 4 steps (its periodic last.ckpt) is continued, not restarted:
    the record has all 4 steps, the folder is the run's own, and the fit time adds up."""
    from msrnn.experiments.runs import TrainingRun, train_and_test
    from msrnn.training.cli import run_cli

    runs, run = tmp_path / "runs", TrainingRun("ms-convlstm", 1)
    config = tmp_path / "recipe.yaml"
    config.write_text("model:\n  model: ms-convlstm\ntrainer:\n  enable_progress_bar: false\n")
    two = [*TINY, "--data.init_args.train_sequences", "16"]  # 4 steps in one epoch
    four = [*two, "--trainer.max_steps", "4"]
    first = run_cli(["fit", *run.arguments(config, runs / run.label), *two])
    assert first.trainer.global_step == 2 and (runs / run.label / "checkpoints/last.ckpt").is_file()
    record, _ = train_and_test(run, config, runs, four)
    assert record["steps"] == 4 and record["fit_seconds"] > 0
    assert [p.name for p in runs.iterdir()] == [run.label]
    assert (runs / run.label / "config-2.yaml").is_file()  # the resume saved its own config
