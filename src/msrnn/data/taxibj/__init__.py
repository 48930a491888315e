"""TaxiBJ crowd flows with the paper's protocol (:mod:`.dataset`) over the DeepST release files
(:mod:`.files`)."""

from msrnn.data.taxibj.dataset import (
    FLOW_CHANNELS,
    FOUR_WEEKS,
    PAPER_FLOWS,
    PAPER_INPUT_FRAMES,
    PAPER_OUTPUT_FRAMES,
    PAPER_TEST_SAMPLES,
    PAPER_VAL_SAMPLES,
    Flows,
    TaxiBJ,
    split_windows,
    window_ends,
)
from msrnn.data.taxibj.files import TAXIBJ_FILES, TaxiBJFlows, read_taxibj

__all__ = [
    "FLOW_CHANNELS",
    "FOUR_WEEKS",
    "PAPER_FLOWS",
    "PAPER_INPUT_FRAMES",
    "PAPER_OUTPUT_FRAMES",
    "PAPER_TEST_SAMPLES",
    "PAPER_VAL_SAMPLES",
    "TAXIBJ_FILES",
    "Flows",
    "TaxiBJ",
    "TaxiBJFlows",
    "read_taxibj",
    "split_windows",
    "window_ends",
]
