"""KTH human actions with the paper's protocol (:mod:`.dataset`): clips found on disk
(:mod:`.files`), optionally cut by sequence lists (:mod:`.sequence_lists`), decoded from PNG
frames or, with OpenCV, from the raw videos (:mod:`.video`), which :func:`extract_kth_frames`
converts once to PNG frames (:mod:`.extract`)."""

from msrnn.data.kth.dataset import (
    KTH,
    LOCOMOTION,
    PAPER_INPUT_FRAMES,
    PAPER_OUTPUT_FRAMES,
    PAPER_SIZE,
    PAPER_TEST_OUTPUT_FRAMES,
    PAPER_TEST_STRIDES,
    PAPER_TRAIN_STRIDE,
    PERSON_SPLITS,
)
from msrnn.data.kth.extract import extract_kth_frames
from msrnn.data.kth.files import ACTIONS
from msrnn.data.kth.sequence_lists import read_sequence_list

__all__ = [
    "ACTIONS",
    "KTH",
    "LOCOMOTION",
    "PAPER_INPUT_FRAMES",
    "PAPER_OUTPUT_FRAMES",
    "PAPER_SIZE",
    "PAPER_TEST_OUTPUT_FRAMES",
    "PAPER_TEST_STRIDES",
    "PAPER_TRAIN_STRIDE",
    "PERSON_SPLITS",
    "extract_kth_frames",
    "read_sequence_list",
]
