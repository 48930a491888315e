"""Seeded CPU study of the paper's accuracy claims (docs/results.md, "Seeded CPU study").

    python experiments/cpu_study.py                    # all 21 runs (several hours)
    python experiments/cpu_study.py --models convlstm,ms-convlstm --seeds 0

Trains every model of ``msrnn.experiments.cpu_study.STUDY_MODELS`` with every seed on the
embedded Moving MNIST with the quickstart's recipe (``configs/quickstart.yaml``), tests the last
checkpoint and writes one JSON record per run to ``experiments/results/cpu_study/`` as soon as
the run is tested. Recorded runs are skipped, and a run stopped mid-training resumes from its last
checkpoint (written every 100 steps in ``runs/cpu_study/<model>-seed<N>``), so the study can be
stopped at any time and continued with the same command. On a 2-core Zen 4 the first runs took
18 minutes (MS-PredRNN, machine idle) to 58 (PredRNN, machine shared with tests). Then run
``python experiments/make_results.py`` to rewrite docs/results.md.
"""

import argparse
from pathlib import Path

from msrnn.allocator import retain_freed_memory
from msrnn.experiments.cpu_study import STUDY_MODELS, STUDY_SEEDS, run_study
from msrnn.precision import PRECISION_CHOICES

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(STUDY_MODELS))
    parser.add_argument("--seeds", default=",".join(map(str, STUDY_SEEDS)))
    parser.add_argument("--precision", choices=PRECISION_CHOICES, default="auto")
    parser.add_argument("--results", type=Path, default=HERE / "results" / "cpu_study")
    parser.add_argument("--runs", type=Path, default=Path("runs/cpu_study"))
    args, extra = parser.parse_known_args()
    run_study(
        args.results,
        runs_root=args.runs,
        models=args.models.split(","),
        seeds=[int(seed) for seed in args.seeds.split(",")],
        precision=args.precision,
        extra=extra,
    )


if __name__ == "__main__":
    retain_freed_memory()  # as the msrnn command does
    main()
