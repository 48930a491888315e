import pytest
import torch

from msrnn.profiling import max_size
from msrnn.profiling.max_size import (
    LinearLaw,
    find_max_size,
    fit_linear_law,
    largest_square_frame,
    training_memory_measure,
)
from msrnn.profiling.profile import recomputed_segment_bytes
from tests.conftest import tiny_model


def test_fit_recovers_an_exact_law():
    law = fit_linear_law([8, 16, 24], [100 + 3 * s * s for s in (8, 16, 24)])
    assert law.intercept == pytest.approx(100)
    assert law.slope == pytest.approx(3)
    assert law.largest_side(100 + 3 * 50 * 50) == 50
    assert law.largest_side(100 + 3 * 50 * 50, granularity=4) == 48
    assert law.largest_side(50) == 0


def test_search_solves_the_law_and_confirms():
    calls = []

    def measure(side):
        calls.append(side)
        return 1000 + 2 * side * side

    result = largest_square_frame(measure, 1000 + 2 * 100 * 100, probe_sides=(8, 16, 24))
    assert result.side == 100
    assert calls == [8, 16, 24, 100]  # three probes and one confirmation
    assert result.measured_bytes <= result.budget


def test_search_steps_down_when_the_law_underestimates():
    # a little super-linear: the fitted law is optimistic at large sizes
    def measure(side):
        return side * side + side**3 / 100

    result = largest_square_frame(measure, 20_000, probe_sides=(4, 8, 12), granularity=4)
    assert result.side % 4 == 0
    assert measure(result.side) <= 20_000 < measure(result.side + 4)
    assert len(result.probes) > 4


def test_search_errors():
    with pytest.raises(ValueError, match="two or more distinct sizes"):
        fit_linear_law([8, 8], [1, 2])
    with pytest.raises(ValueError, match="does not fit a 4x4 frame"):
        largest_square_frame(lambda s: 1e6 + s * s, 1e5, probe_sides=(4, 8), granularity=4)


def test_dry_run_search_on_a_tiny_model():
    build = lambda: tiny_model("ms-convlstm", num_layers=3)  # noqa: E731
    report = find_max_size(build, 64 * 2**20, batch=1, frames=3)
    side = report.result.side
    assert report.dry_run and report.metric == "training total"
    assert side % 2 == 0  # the plan's deepest level is 1
    measure = training_memory_measure(build().to("meta"), batch=1, frames=3)
    assert measure(side) <= 64 * 2**20 < measure(side + 2)
    assert 0 < report.paper_side < side  # Eq. 2 doubles the outputs memory
    assert report.to_dict()["result"]["side"] == side


@pytest.mark.parametrize("name", ["cms-lstm", "ms-cms-lstm", "preciplstm", "ms-preciplstm"])
def test_dry_run_of_attention_models_saves_what_a_cpu_step_saves(name):
    # find_max_size first checks, at its smallest side, that the traced step saves exactly the
    # bytes of a real CPU step (CMS-LSTM: on meta the fallback attention would store its L x L
    # matrix; PrecipLSTM: its local attention runs on meta without an autocast guard).
    build = lambda: tiny_model(name, num_layers=2)  # noqa: E731
    report = find_max_size(build, 256 * 2**20, batch=1, frames=3)
    assert report.dry_run and report.result.side >= 32
    meta = build().to("meta")
    assert max_size._saved_bytes(meta, 32) == max_size._saved_bytes(build(), 32)


def test_bf16_search_on_a_cpu_is_refused():
    with pytest.raises(ValueError, match="bf16-mixed cannot be traced"):
        find_max_size(
            lambda: tiny_model("convlstm"), 2**30, batch=1, frames=3, precision="bf16-mixed"
        )


def test_linear_law_bytes_at():
    assert LinearLaw(10, 2).bytes_at(3) == 28


@pytest.mark.parametrize("segment", [1, 2])
def test_checkpointed_measure_adds_the_one_recomputed_segment(monkeypatch, segment):
    plain = tiny_model("ms-convlstm", num_layers=3).to("meta")
    checkpointed = tiny_model("ms-convlstm", num_layers=3, recompute=segment).to("meta")
    full = training_memory_measure(plain, batch=2, frames=6)(16)
    cheap = training_memory_measure(checkpointed, batch=2, frames=6)(16)
    assert checkpointed.runtime.recompute == segment  # restored after the segment's measurement
    with max_size.dry_run_context(torch.device("meta")):
        recomputed = recomputed_segment_bytes(checkpointed, (16, 16), batch=2, frames=6)
        checkpointed.configure(recompute=1)
        one_step = recomputed_segment_bytes(checkpointed, (16, 16), batch=2, frames=6)
        checkpointed.configure(recompute=segment)
    monkeypatch.setattr(max_size, "recomputed_segment_bytes", lambda *args, **kwargs: 0)
    inputs_only = training_memory_measure(checkpointed, batch=2, frames=6)(16)
    assert cheap == inputs_only + recomputed
    # one step's activations: about a fifth of the five unrolled steps' (their first is cheaper)
    plain_state = training_memory_measure(plain, batch=2, frames=2)(16) - one_step
    assert 0.15 < one_step / (full - plain_state) < 0.3
    assert one_step * (segment - 0.5) < recomputed <= one_step * segment
    assert cheap < full
