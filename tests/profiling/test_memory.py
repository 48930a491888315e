import torch
from torch import nn

from msrnn.profiling import saved_tensor_bytes


def test_counts_a_convolution_input_by_hand():
    conv = nn.Conv2d(3, 8, 3, padding=1)
    x = torch.rand(2, 3, 10, 10)
    _, nbytes = saved_tensor_bytes(lambda: conv(x))
    assert nbytes == 2 * 3 * 10 * 10 * 4  # the input; the weight is a parameter, not counted


def test_shared_storage_is_counted_once_and_views_count_their_storage():
    w = torch.ones(100, requires_grad=True)
    x = torch.rand(100)
    # x is saved by both products: one storage of 400 bytes
    _, nbytes = saved_tensor_bytes(lambda: (w * x).sum() + (w * x * 2).sum())
    assert nbytes == 400
    _, nbytes = saved_tensor_bytes(lambda: (w[:10] * x[:10]).sum())
    assert nbytes == 400


def test_sigmoid_saves_its_output_in_the_output_dtype():
    x = torch.rand(4, 4, dtype=torch.float64, requires_grad=True)
    y, nbytes = saved_tensor_bytes(lambda: torch.sigmoid(x * 2))
    assert y.dtype == torch.float64
    assert nbytes == 16 * 8  # sigmoid's output; x * 2 saves nothing of x (a scalar factor)


def test_no_grad_saves_nothing():
    conv = nn.Conv2d(3, 8, 3)
    with torch.no_grad():
        _, nbytes = saved_tensor_bytes(lambda: conv(torch.rand(1, 3, 8, 8)))
    assert nbytes == 0
