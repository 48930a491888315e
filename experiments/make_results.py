"""Rewrite docs/results.md and its figures from the result files in experiments/results/.

python experiments/make_results.py          # write the page and the figures
python experiments/make_results.py --check  # exit 1 if the page differs from the files
"""

import argparse
import sys
from pathlib import Path

from msrnn.experiments.results_page import draw_figures, render

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--page", type=Path, default=DOCS / "results.md")
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args()
    page = render(args.results)
    if args.check:
        same = args.page.exists() and args.page.read_text() == page
        print(f"{args.page}: {'up to date' if same else 'differs from the result files'}")
        return 0 if same else 1
    args.page.write_text(page)
    for path in draw_figures(args.results, args.page.parent / "images"):
        print(f"wrote {path}")
    print(f"wrote {args.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
