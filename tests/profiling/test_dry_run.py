import pytest
import torch

from msrnn.profiling import saved_tensor_bytes
from msrnn.profiling.dry_run import activation_counter, meta_checks_pass, traced_saved_bytes
from tests.conftest import tiny_model


def test_traced_count_follows_the_same_rules_as_the_address_count():
    w = torch.ones(100, requires_grad=True)
    x = torch.rand(100)
    fn = lambda: (w * x).sum() + (w * x * 2).sum() + (w[:10] * x[:10]).sum()  # noqa: E731
    assert traced_saved_bytes(fn)[1] == saved_tensor_bytes(fn)[1] == 400


@pytest.mark.parametrize("name", ["ms-predrnn", "ms-motionrnn", "ms-trajgru"])
def test_a_meta_forward_saves_what_a_cpu_forward_saves(name):
    frames = torch.rand(1, 3, 1, 16, 16)
    model = tiny_model(name, num_layers=3)
    _, cpu = saved_tensor_bytes(lambda: model(frames, input_frames=2))
    meta_model = model.to("meta")
    with meta_checks_pass():
        _, meta = traced_saved_bytes(lambda: meta_model(frames.to("meta"), input_frames=2))
    assert meta == cpu > 0


def test_value_checks_on_meta_need_the_context():
    model = tiny_model("convlstm", num_layers=1).to("meta")
    frames = torch.empty(1, 3, 1, 8, 8, device="meta")
    with pytest.raises(RuntimeError):
        model(frames, input_frames=2)
    with meta_checks_pass():
        assert model(frames, input_frames=2).predictions.shape == (1, 2, 1, 8, 8)
        assert bool(torch.ones(1) == 1)  # real tensors are read as usual
        assert not bool(torch.zeros(1) == 1)


def test_counter_choice():
    assert activation_counter(torch.device("meta")) is traced_saved_bytes
    assert activation_counter(torch.device("cpu")) is saved_tensor_bytes


def test_operations_without_meta_kernels_are_refused_clearly():
    # bincount's output size depends on the data, so it has no meta kernel
    labels = torch.zeros(5, dtype=torch.long, device="meta")
    with (
        pytest.raises(ValueError, match="cannot be traced on the meta device"),
        meta_checks_pass(),
    ):
        torch.bincount(labels)


def test_attention_on_meta_saves_what_the_cpu_kernel_saves():
    def attention(device):
        w = torch.ones(1, requires_grad=True, device=device)
        q, k, v = (torch.ones(2, 3, 64, 8, device=device) * w for _ in range(3))
        return lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v)

    _, cpu = saved_tensor_bytes(attention("cpu"))
    with meta_checks_pass():
        out, meta = traced_saved_bytes(attention("meta"))
    assert out.shape == (2, 3, 64, 8)
    # q, k, v, the output and a log-sum-exp; the fallback would keep the 64 x 64 weights
    assert meta == cpu == 4 * (4 * 2 * 3 * 64 * 8 + 2 * 3 * 64)
