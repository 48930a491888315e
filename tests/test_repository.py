"""The repository explains itself: no reference points outside it, and model names are never
parsed outside the registry (facts about models come from :mod:`msrnn.models.registry`)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ".sh", ""}
# documents of the team's own workspace, which a reader of the repository does not have
OUTSIDE = re.compile(r"MODEL_SPEC|DATA_SPEC|PEERS\.md|DESIGN\.md|STYLE\.md|\.\./shared")
NAME_PARSING = re.compile(r"""["']ms-["']|f["']ms-\{""")


def _tracked(*folders: str) -> list[Path]:
    listing = subprocess.run(
        ["git", "ls-files", *folders], cwd=ROOT, capture_output=True, text=True, check=True
    )
    paths = [ROOT / line for line in listing.stdout.splitlines()]
    return [path for path in paths if path.suffix in TEXT_SUFFIXES and path.is_file()]


def _lines_matching(pattern: re.Pattern, paths: list[Path]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{number}"
        for path in paths
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if pattern.search(line)
    ]


def test_nothing_refers_to_documents_outside_the_repository():
    paths = [path for path in _tracked() if path != Path(__file__).resolve()]
    assert _lines_matching(OUTSIDE, paths) == []


def test_model_names_are_parsed_only_by_the_registry():
    paths = _tracked("src", "benchmarks", "experiments", "scripts", "tests")
    allowed = {ROOT / "src/msrnn/models/registry.py", Path(__file__).resolve()}
    assert _lines_matching(NAME_PARSING, [path for path in paths if path not in allowed]) == []
