"""Imports point down the layers (docs/architecture.md): a module may import its own package
and the layers below it, never one above. Walks every module's import statements, so a new
upward import fails here before it becomes a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "alpr_audit"

#: Rank of each top-level part of the package; an import must go to a strictly lower rank or
#: stay inside its own part. Parts of one rank don't import each other.
RANKS: dict[str, int] = {
    "__init__": 0, "core": 0,
    "store": 1,
    "agencies": 2,
    "ingest": 3, "audit": 3,
    "reports": 4, "requests": 4, "synth": 4,
    "outputs": 5, "doctor": 5,
    "web": 6,
    "cli": 7, "__main__": 8,
}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path, rel: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """(line, imported alpr_audit module) for every import in one file, relative ones resolved.

    ``rel`` is the file's module path (``("alpr_audit", "store", "x")``); by default its place
    in the package.
    """
    rel = rel or path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = list(rel[:-1]) if rel[-1] != "__init__" else list(rel[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "alpr_audit":  # from alpr_audit import X: X is the part
                found += [(node.lineno, f"alpr_audit.{a.name}") for a in node.names]
            elif module.startswith("alpr_audit."):
                found.append((node.lineno, module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("alpr_audit.")]
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


def test_every_part_has_a_rank() -> None:
    parts = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in _modules()}
    assert parts <= set(RANKS), f"give these a rank in RANKS: {sorted(parts - set(RANKS))}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    upward = []
    for line, module in _imports(path):
        target = _part(module)
        if target == "__version__" or target == own:
            continue
        if RANKS[target] >= RANKS[own]:
            upward.append(f"line {line}: {module} ({target}, rank {RANKS[target]} >= {own}, "
                          f"rank {RANKS[own]})")
    assert not upward, "imports that point up or sideways:\n" + "\n".join(upward)


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    """The walk itself works: a store module importing the CLI is reported, relative too."""
    fake = tmp_path / "x.py"
    fake.write_text("from alpr_audit.cli.app import main\nfrom ..core import errors\n")
    found = _imports(fake, ("alpr_audit", "store", "x"))
    assert found == [(1, "alpr_audit.cli.app"), (2, "alpr_audit.core")]
