"""Two gloo processes with half the data each sync to the single-process result."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from msrnn.metrics import build_metric_suite, persistence_forecast

SEQ_LEN, INPUT_FRAMES = 5, 3


def _data() -> tuple[torch.Tensor, torch.Tensor]:
    frames = torch.rand(4, SEQ_LEN, 1, 12, 12, generator=torch.Generator().manual_seed(11))
    return persistence_forecast(frames, input_frames=INPUT_FRAMES), frames


def _suite():
    return build_metric_suite(seq_len=SEQ_LEN, input_frames=INPUT_FRAMES, radar="hko-7")


def _worker(rank: int, world_size: int, port: int, out_dir: str) -> None:
    os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "127.0.0.1", str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        predictions, frames = _data()
        # Rank 0 gets sequences 0 and 1 one at a time, rank 1 sequences 2 and 3 in one batch.
        batches = [slice(0, 1), slice(1, 2)] if rank == 0 else [slice(2, 4)]
        suite = _suite()
        for batch in batches:
            suite.update(predictions[batch], frames[batch])
        flat = suite.to_dict()  # synchronises every metric over the two ranks
        local_counts = suite.metrics["contingency"].counts.tolist()
        result = {"flat": flat, "local_counts": local_counts}
        Path(out_dir, f"rank{rank}.json").write_text(json.dumps(result))
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_rank_sync_equals_single_process(tmp_path):
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    predictions, frames = _data()
    single = _suite()
    single.update(predictions, frames)
    expected = single.to_dict()
    local_total = 0
    for rank in range(2):
        result = json.loads(Path(tmp_path, f"rank{rank}.json").read_text())
        assert list(result["flat"]) == list(expected)
        for key, value in expected.items():
            assert result["flat"][key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
        local_total += torch.tensor(result["local_counts"]).sum().item()
    # Each rank kept its own local table (counts restored after the sync).
    assert local_total == single.metrics["contingency"].counts.sum().item()
