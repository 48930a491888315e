"""Rewrite docs/results.md and its figures from the result files in experiments/results/, and
docs/zoo.md and the README's zoo table from the shipped weights' records.

python experiments/make_results.py          # write the pages and the figures
python experiments/make_results.py --check  # exit 1 if a page differs from its files
"""

import argparse
import sys
from pathlib import Path

from msrnn.experiments.results_page import draw_figures, render
from msrnn.experiments.zoo_page import render_page, with_readme_block
from msrnn.pretrained import list_pretrained

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"
README = HERE.parent / "README.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--page", type=Path, default=DOCS / "results.md")
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args()
    entries = list_pretrained()
    pages = {
        args.page: render(args.results),
        DOCS / "zoo.md": render_page(entries),
        README: with_readme_block(README.read_text(), entries),
    }
    if args.check:
        stale = [
            path for path, text in pages.items() if not path.exists() or path.read_text() != text
        ]
        for path in pages:
            print(f"{path}: {'differs from its files' if path in stale else 'up to date'}")
        return 1 if stale else 0
    for path, text in pages.items():
        path.write_text(text)
        print(f"wrote {path}")
    for path in draw_figures(args.results, args.page.parent / "images"):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
