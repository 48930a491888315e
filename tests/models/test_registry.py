import pytest
import torch

import msrnn
from msrnn.models import (
    base_of,
    build_model,
    canonical_name,
    list_aliases,
    list_models,
    model_entry,
    ms_variant_of,
    register_model,
)
from tests.conftest import parameter_count, tiny_model

PAPER_COUNTS = {
    "convlstm": 1_772_737,
    "predrnn": 3_594_817,
    "predrnn++": 5_608_513,
    "predrnn-v2": 3_598_977,
    "trajgru": 2_114_233,
    "mim": 7_361_473,
    "motionrnn": 7_560_547,
    "cms-lstm": 4_483_393,
    "modernn": 5_854_657,
    "mk-lstm": 7_576_897,
    "preciplstm": 7_041_217,
}
# the paper preset minus the never-trained parameters
CLEAN_COUNTS = {
    **PAPER_COUNTS,
    "predrnn++": 4_869_953,
    "mim": 7_361_473 - 627_776,
    "motionrnn": 7_560_547 - 627_776 - 33_179,
}
BASES = sorted(PAPER_COUNTS)


@pytest.mark.parametrize("name", BASES)
def test_paper_preset_parameter_counts_and_ms_equals_base(name):
    assert parameter_count(build_model(name)) == PAPER_COUNTS[name]
    assert parameter_count(build_model(ms_variant_of(name))) == PAPER_COUNTS[name]


@pytest.mark.parametrize("name", BASES)
def test_clean_preset_parameter_counts(name):
    assert parameter_count(build_model(name, preset="clean")) == CLEAN_COUNTS[name]
    assert parameter_count(build_model(ms_variant_of(name), preset="clean")) == CLEAN_COUNTS[name]


@pytest.mark.parametrize("name", ["ms-convlstm-noskip", "ms-convlstm-unet3p", "ms-convlstm-full"])
def test_skip_ablations_have_convlstm_parameters(name):
    assert parameter_count(build_model(name)) == PAPER_COUNTS["convlstm"]


def test_ms_lstm_is_ms_mk_lstm():
    torch.manual_seed(0)
    alias = build_model("ms-lstm", hidden_channels=4)
    torch.manual_seed(0)
    model = build_model("ms-mk-lstm", hidden_channels=4)
    assert alias.stack.levels == model.stack.levels
    for (name, a), (_, b) in zip(alias.named_parameters(), model.named_parameters(), strict=True):
        assert torch.equal(a, b), name


def test_registered_names():
    expected = set(BASES) | {ms_variant_of(n) for n in BASES}
    expected |= {"ms-convlstm-noskip", "ms-convlstm-unet3p", "ms-convlstm-full"}
    assert expected == set(list_models())
    assert len(expected) == len(list_models())
    assert list_models("ms-predrnn*") == ["ms-predrnn", "ms-predrnn++", "ms-predrnn-v2"]


def test_an_alias_resolves_in_one_place_and_is_not_listed_as_a_model():
    assert list_aliases() == {"ms-lstm": "ms-mk-lstm"}
    assert "ms-lstm" not in list_models()
    assert canonical_name("MS_LSTM") == "ms-mk-lstm"
    assert model_entry("ms-lstm") is model_entry("ms-mk-lstm")
    assert model_entry("ms-mk-lstm").aliases == ("ms-lstm",)


def test_every_entry_states_its_family_scale_and_skip():
    for name in list_models():
        entry = model_entry(name)
        assert entry.name == name and entry.family in BASES
        assert entry.multiscale == (entry.skip is not None)
        assert entry.summary
        built = build_model(name, hidden_channels=4, num_layers=4)
        assert entry.multiscale == any(built.stack.levels)
        if entry.multiscale:
            assert built.stack.skip == entry.skip
            assert base_of(name) == entry.family and ms_variant_of(name) is None
        else:
            assert base_of(name) is None and model_entry(ms_variant_of(name)).skip == "unet"


def test_queries_over_the_entries():
    assert list_models(tag="paper", multiscale=False) == [
        "convlstm", "trajgru", "predrnn", "predrnn++", "mim", "motionrnn", "predrnn-v2",
        "preciplstm",
    ]  # fmt: skip
    assert set(list_models(tag="paper")) == {
        name for base in list_models(tag="paper", multiscale=False)
        for name in (base, ms_variant_of(base))
    }  # fmt: skip
    assert list_models(tag="skip-ablation") == [
        "ms-convlstm-noskip", "ms-convlstm-unet3p", "ms-convlstm-full"
    ]  # fmt: skip
    assert list_models(family="PredRNN_pp") == ["predrnn++", "ms-predrnn++"]
    assert base_of("ms-convlstm-full") == "convlstm"
    assert list_models(tag="no such tag") == []


@pytest.mark.parametrize(
    ("alias", "name"),
    [("MS_PredRNN_pp", "ms-predrnn++"), ("predrnnpp", "predrnn++"), ("PredRNN-V2", "predrnn-v2")],
)
def test_names_are_normalised(alias, name):
    assert canonical_name(alias) == name
    assert parameter_count(build_model(alias, hidden_channels=4)) == parameter_count(
        build_model(name, hidden_channels=4)
    )


def test_unknown_name_preset_and_override_are_rejected():
    with pytest.raises(ValueError, match=r"unknown model .convgru.; available: cms-lstm, convlstm"):
        build_model("convgru")
    with pytest.raises(ValueError, match="preset must be one of"):
        build_model("convlstm", preset="fast")
    with pytest.raises(ValueError, match=r"unknown override\(s\) \['hidden'\]"):
        build_model("convlstm", hidden=8)


def test_duplicate_registration_is_rejected():
    with pytest.raises(ValueError, match="already registered"):
        register_model("MS_ConvLSTM")(lambda **kw: None)
    with pytest.raises(ValueError, match="'ms-lstm' is already registered"):
        register_model("ms-lstm")(lambda **kw: None)
    with pytest.raises(ValueError, match="'convlstm' is already registered"):
        register_model("my-model", aliases=("ConvLSTM",))(lambda **kw: None)
    assert "my-model" not in list_models()


def test_a_user_model_registers_with_its_facts(monkeypatch):
    from msrnn.models import registry

    monkeypatch.setattr(registry, "_ENTRIES", dict(registry._ENTRIES))
    monkeypatch.setattr(registry, "_ALIASES", dict(registry._ALIASES))

    @register_model("My_ConvLSTM", family="convlstm", multiscale=True, skip="full",
                    aliases=("mine",))  # fmt: skip
    def mine(preset="paper", **overrides):
        """My ConvLSTM variant."""
        return build_model("ms-convlstm", preset=preset, skip="full", **overrides)

    assert model_entry("mine").name == "my-convlstm"
    assert model_entry("my-convlstm").summary == "My ConvLSTM variant."
    assert base_of("mine") == "convlstm"
    assert "my-convlstm" in list_models(family="convlstm", multiscale=True)
    assert build_model("mine", hidden_channels=4).stack.skip == "full"


def test_overrides_reach_the_model():
    model = build_model(
        "ms-predrnn",
        hidden_channels=16,
        num_layers=4,
        kernel_size=5,
        in_channels=3,
        input_frames=4,
        skip="full",
    )
    assert model.stack.levels == (0, 1, 1, 0)
    assert model.stack.skip == "full"
    assert model.in_channels == 3 and model.input_frames == 4
    assert model.stack.cells[0].kernel_size == 5 and model.stack.channels == 16


def test_explicit_plan_sets_depth():
    model = build_model("convlstm", levels=(0, 1, 0), hidden_channels=4)
    assert model.stack.num_layers == 3
    with pytest.raises(ValueError, match="one level per layer"):
        build_model("convlstm", levels=(0, 1, 0), num_layers=4)


def test_top_level_api():
    assert msrnn.build_model is build_model
    assert isinstance(tiny_model("convlstm"), msrnn.Forecaster)
    out = tiny_model("convlstm", num_layers=2)(torch.rand(1, 3, 1, 8, 8), input_frames=2)
    assert isinstance(out, msrnn.ForecastOutput) and out.decoupling_loss is None


def test_an_entry_knows_its_shipped_weights():
    shipped = {entry.model for entry in msrnn.list_pretrained()}
    assert shipped
    for name in list_models():
        assert ("moving-mnist" in model_entry(name).weights) == (name in shipped)
