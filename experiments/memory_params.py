"""Parameters and training memory of the paper's 16 models, measured (docs/results.md).

    python experiments/memory_params.py               # the three settings (~15 min)
    python experiments/memory_params.py --settings taxibj --models convlstm,ms-convlstm

One real CPU training step per model and setting (paper configuration, batch 1 = the paper's
per-GPU batch); one JSON record per (setting, model) in ``experiments/results/memory/``. Records
already there are kept. Then ``python experiments/make_results.py`` rewrites docs/results.md.
"""

import argparse
import json
from pathlib import Path

from msrnn.experiments.memory_params import SETTINGS, measure_model, models_for

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default=",".join(SETTINGS))
    parser.add_argument("--models", help="comma-separated names (default: all of a setting)")
    parser.add_argument("--results", type=Path, default=HERE / "results" / "memory")
    args = parser.parse_args()
    args.results.mkdir(parents=True, exist_ok=True)
    for setting in args.settings.split(","):
        names = args.models.split(",") if args.models else models_for(SETTINGS[setting])
        for name in names:
            target = args.results / f"{setting}-{name}.json"
            if target.exists():
                continue
            record = measure_model(name, SETTINGS[setting])
            target.write_text(json.dumps(record, indent=1) + "\n")
            print(f"[memory] {setting} {name}: {record['activation_bytes'] / 2**30:.3f} GiB")


if __name__ == "__main__":
    main()
