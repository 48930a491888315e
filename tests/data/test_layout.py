"""The data package has no import cycle: no module of ``msrnn.data`` imports, even lazily inside a
function, a module that leads back to it. Read statically from the source, so an import hidden in
a function body counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import msrnn.data

PACKAGE = Path(msrnn.data.__file__).parent
SRC = PACKAGE.parents[1]


def _name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imported(module: str, path: Path) -> set[str]:
    """The modules of ``msrnn.data`` that ``module`` imports anywhere in its source."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found |= {base, *(f"{base}.{alias.name}" for alias in node.names)}
    return found & set(MODULES)


GRAPH = {module: _imported(module, path) for module, path in MODULES.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as ``[a, b, ..., a]``, or ``None``."""
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> list[str] | None:
        if module in trail:
            return [*trail[trail.index(module) :], module]
        if module in done:
            return None
        for target in sorted(graph[module]):
            cycle = visit(target, [*trail, module])
            if cycle:
                return cycle
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle:
            return cycle
    return None


def test_no_module_of_the_data_package_imports_its_way_back_to_itself():
    cycle = _cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_check_sees_lazy_imports_and_finds_a_cycle(tmp_path):
    files, video = "msrnn.data.kth.files", "msrnn.data.kth.video"
    lazy = tmp_path / "video.py"
    lazy.write_text(f"def decode():\n    from {files} import ACTIONS\n")
    assert _imported(video, lazy) == {files}
    assert _cycle({**GRAPH, video: {files}}) == [files, video, files]
