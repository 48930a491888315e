import pytest

from msrnn.experiments.paper_scale import PAPER_TABLES, expected, gpu_share, run_commands
from msrnn.models import list_models


def test_every_table_names_registered_models_and_a_shipped_dataset_config():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for table in PAPER_TABLES.values():
        assert (root / "configs" / f"{table.dataset}.yaml").is_file()
        assert all(model in list_models() for model in table.models)
    assert [PAPER_TABLES[key].epochs for key in "123"] == [20, 20, 30]


def test_global_batch_of_four_is_split_over_gpus():
    assert [gpu_share(d) for d in (1, 2, 4)] == [4, 2, 1]
    assert gpu_share(2, nodes=2) == 1
    with pytest.raises(ValueError, match="cannot be split over 3 GPUs"):
        gpu_share(3)


def test_commands_use_ddp_only_on_several_gpus_and_test_the_paper_protocol():
    table = PAPER_TABLES["1"]
    fit, test = run_commands(table, "ms-convlstm", devices=1)
    assert fit[:6] == [
        "msrnn", "fit", "--config", "configs/moving_mnist.yaml", "--model.model", "ms-convlstm"
    ]  # fmt: skip
    assert "--trainer.strategy" not in fit
    assert fit[fit.index("--data.init_args.batch_size") + 1] == "4"
    fit, test = run_commands(table, "ms-convlstm", devices=2, nodes=2)
    assert fit[fit.index("--trainer.strategy") + 1] == "ddp"
    assert fit[fit.index("--trainer.num_nodes") + 1] == "2"
    assert fit[fit.index("--data.init_args.batch_size") + 1] == "1"
    assert test[-4:] == ["--ckpt_path", "best", "--model.protocol", "paper"]


def test_expected_memory_scales_activations_with_the_per_gpu_batch():
    record = {"batch": 1, "activation_bytes": 100, "total_bytes": 130, "flops": 5 * 10**12}
    table = PAPER_TABLES["1"]  # 20 epochs x 2,625 steps
    one = expected(record, table, devices=1, nodes=1, tflops=20)
    four = expected(record, table, devices=4, nodes=1, tflops=20)
    assert one["gpu_bytes"] == 30 + 4 * 100
    assert four["gpu_bytes"] == 30 + 100
    # 4 sequences x 5 TFLOP at 20 TFLOP/s = 1 s per step on one GPU
    assert one["hours"] == pytest.approx(52_500 / 3600)
    assert four["hours"] == pytest.approx(52_500 / 4 / 3600)
    assert expected(record, PAPER_TABLES["3"], devices=1, nodes=1, tflops=20)["hours"] is None
    with pytest.raises(ValueError, match="batch-1"):
        expected({**record, "batch": 2}, table, devices=1, nodes=1, tflops=20)
