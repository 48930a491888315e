"""Moving MNIST: bouncing digits generated on demand (:mod:`.generator`) from the digit pools of
the embedded 5 000 MNIST digits or the real MNIST files (:mod:`.digits`, read by :mod:`.idx`),
and the standard ``mnist_test_seq.npy`` file (:mod:`.file`)."""

from msrnn.data.moving_mnist.digits import (
    DigitPool,
    digit_pool,
    embedded_digits,
    read_mnist_images,
)
from msrnn.data.moving_mnist.file import MovingMNISTFile
from msrnn.data.moving_mnist.generator import (
    NAME,
    PAPER_INPUT_FRAMES,
    PAPER_NUM_DIGITS,
    PAPER_NUM_SEQUENCES,
    PAPER_OUTPUT_FRAMES,
    PAPER_SIZE,
    MovingMNIST,
    SequenceLayout,
)
from msrnn.data.moving_mnist.idx import read_idx, write_idx

__all__ = [
    "NAME",
    "PAPER_INPUT_FRAMES",
    "PAPER_NUM_DIGITS",
    "PAPER_NUM_SEQUENCES",
    "PAPER_OUTPUT_FRAMES",
    "PAPER_SIZE",
    "DigitPool",
    "MovingMNIST",
    "MovingMNISTFile",
    "SequenceLayout",
    "digit_pool",
    "embedded_digits",
    "read_idx",
    "read_mnist_images",
    "write_idx",
]
