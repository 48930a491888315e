import pytest
import torch

from msrnn.cells.convlstm import ConvLSTMCell
from msrnn.cells.predrnn import STLSTMCell
from msrnn.profiling import saved_tensor_bytes
from msrnn.profiling.units import activation_law, cell_units
from tests.conftest import tiny_model


@pytest.mark.parametrize("grid", [(4, 4), (6, 10)])
def test_convlstm_keeps_seven_units(grid):
    # H_{t-1} and C_{t-1} (state), sigma(i), sigma(f), tanh(g), sigma(o), tanh(C_t); X excluded
    assert cell_units(ConvLSTMCell(3), *grid, diagonal=False) == 7


def test_st_lstm_adds_thirteen_units_per_step():
    # H_{t-1}; sigma(i), tanh(g), sigma(f); sigma(i_m), tanh(g_m), sigma(f_m); C_t and M_t (output
    # gate); o; [C_t, M_t] (2 maps, 1x1 fusion); its tanh. C_{t-1} is not new: the previous step's
    # output gate already saved it.
    assert cell_units(STLSTMCell(3), 4, 4, diagonal=False) == 13


def test_law_uses_each_layers_grid():
    model = tiny_model("ms-convlstm", num_layers=4)
    law = activation_law(model, (16, 16), batch=2, frames=3)
    assert law.grids == ((16, 16), (8, 8), (8, 8), (16, 16))
    # the fused ConvLSTM step keeps 6 maps: the activated gates (4), C_t and H_t (7 unfused)
    assert law.units == (6, 6, 6, 6)
    assert law.predicted_bytes == 4 * 2 * 2 * 8 * 6 * (256 + 64 + 64 + 256)
    unfused = activation_law(tiny_model("ms-convlstm", num_layers=4, fused=False), (16, 16),
                             batch=2, frames=3)  # fmt: skip
    assert unfused.units == (7, 7, 7, 7)


@pytest.mark.parametrize(
    "name", ["convlstm", "ms-convlstm", "predrnn", "ms-predrnn", "ms-predrnn-v2", "ms-mim"]
)
def test_law_and_measurement_agree_within_25_percent(name):
    model = tiny_model(name, num_layers=4)
    frames = torch.rand(2, 4, 1, 16, 16)
    mask = torch.ones(2, 3)
    _, measured = saved_tensor_bytes(lambda: model(frames, teacher_forcing=mask))
    law = activation_law(model, (16, 16), batch=2, frames=4)
    assert 0.8 <= measured / law.predicted_bytes <= 1.25
