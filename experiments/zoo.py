"""Train the model zoo: the shipped Moving MNIST weights (docs/zoo.md).

    python experiments/zoo.py                         # every entry without a record (hours)
    python experiments/zoo.py --models ms-convlstm    # one entry (about 45 minutes on 2 cores)

Each entry is trained with ``configs/zoo/moving_mnist.yaml``, tested on 1000 test sequences, and
written as ``src/msrnn/pretrained/weights/moving-mnist/<model>.safetensors`` plus ``<model>.json``
(entries that have a record are skipped; an entry stopped mid-training resumes from its last
checkpoint in ``runs/zoo/<model>-seed0``, written every 100 steps; to retrain an entry, delete
its record and that folder). Then run
``python experiments/make_results.py`` to regenerate the zoo tables of README.md and docs/zoo.md.
"""

import argparse
from pathlib import Path

from msrnn.allocator import retain_freed_memory
from msrnn.experiments.zoo import ZOO_MODELS, run_zoo
from msrnn.precision import PRECISION_CHOICES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(ZOO_MODELS))
    parser.add_argument("--precision", choices=PRECISION_CHOICES, default="auto")
    parser.add_argument("--runs", type=Path, default=Path("runs/zoo"))
    parser.add_argument("--note", help="a remark stored with the records (e.g. a shared machine)")
    args, extra = parser.parse_known_args()
    run_zoo(
        args.models.split(","),
        precision=args.precision,
        runs_root=args.runs,
        extra=extra,
        note=args.note,
    )


if __name__ == "__main__":
    retain_freed_memory()  # as the msrnn command does
    main()
