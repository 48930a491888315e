import json

import pytest
import torch

import msrnn.pretrained as pretrained
from msrnn import build_model
from msrnn.experiments.zoo import export_weights
from msrnn.metrics import BASELINES

TOY_BUILD = {"preset": "paper", "in_channels": 1, "input_frames": 10, "hidden_channels": 4,
             "num_layers": 2, "patch_size": 4}  # fmt: skip


def write_entry(root, model="ms-convlstm", dataset="toy", build=TOY_BUILD, seed=0):
    """A trained-looking entry of an untrained toy model under ``root/<dataset>/``."""
    torch.manual_seed(seed)
    net = build_model(model, **build)
    path = root / dataset / f"{model}.safetensors"
    scores = {"mse_frame_sum": 100.0, "mae_frame_sum": 200.0, "ssim": 0.5, "psnr": 15.0}
    record = {
        "model": model, "build": dict(build), "sha256": export_weights(net, path),
        "dtype": "torch.float16", "params": sum(p.numel() for p in net.parameters()),
        "bytes": path.stat().st_size,
        "training": {"config": "configs/zoo/moving_mnist.yaml", "seed": seed, "steps": 3,
                     "batch_size": 4, "precision": "32-true", "fit_seconds": 60.0,
                     "val_loss": 1.0, "host": "test host"},
        "test": {"model": scores, **{name: scores for name in BASELINES}},
        "test_sequences": 8, "test_mse_per_lead_time": [100.0] * 10,
        "rescore": {"sequences": 2, "fp32_weights": scores, "shipped": scores},
        "reproduce": f"python experiments/zoo.py --models {model}",
    }  # fmt: skip
    path.with_suffix(".json").write_text(json.dumps(record))
    return net, path


@pytest.fixture
def toy_root(tmp_path, monkeypatch):
    """An empty weights folder that :mod:`msrnn.pretrained` reads instead of the package's."""
    root = tmp_path / "weights"
    root.mkdir()
    monkeypatch.setattr(pretrained, "weights_root", lambda: root)
    return root
