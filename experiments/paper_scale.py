"""Train and test every model of one of the paper's tables at the paper's scale.

    python experiments/paper_scale.py --table 1 --devices 4          # print the commands
    python experiments/paper_scale.py --table 1 --devices 4 --run    # run them, one after another
    python experiments/paper_scale.py --table 3 --devices 1 --run    # HKO-7 on one GPU

Tables: 1 Moving MNIST, 2 TaxiBJ, 3 HKO-7, 4 and 5 the skip ablations (docs/results.md, section 3,
lists the expected memory per GPU and time). Datasets other than Moving MNIST read their files
from the folder set in their config (``--data.init_args.root``; pass extra arguments after ``--``,
they are appended to every command). A model whose run folder already holds a test result is
skipped, so a stopped table resumes (its interrupted fit resumes with ``--ckpt_path last``).
"""

import argparse
import subprocess
import sys
from pathlib import Path

from msrnn.experiments.paper_scale import PAPER_TABLES, as_shell, run_commands


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", choices=sorted(PAPER_TABLES), required=True)
    parser.add_argument("--devices", type=int, default=1, help="GPUs per node (1, 2 or 4)")
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--root", default="runs/paper", help="parent of the run folders")
    parser.add_argument("--run", action="store_true", help="run the commands (default: print)")
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    table = PAPER_TABLES[args.table]
    for model in table.models:
        fit, test = (
            command + extra
            for command in run_commands(
                table, model, devices=args.devices, nodes=args.nodes, root=args.root
            )
        )
        run_dir = Path(args.root) / table.dataset / model
        if not args.run:
            print(as_shell(fit), as_shell(test), sep="\n")
            continue
        if (run_dir / "test" / "metrics.json").exists():
            print(f"[paper_scale] {model}: already tested, skipped")
            continue
        if (run_dir / "checkpoints" / "last.ckpt").exists():
            fit += ["--ckpt_path", "last"]
        for command in (fit, test):
            print(f"[paper_scale] {as_shell(command)}", flush=True)
            subprocess.run(command, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
