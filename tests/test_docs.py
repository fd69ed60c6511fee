"""The documentation stays true: the CLI reference matches --help, every command has a
section, every format and report the code knows is named in the docs."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from alpr_audit.ingest.registry import formats
from alpr_audit.reports import REPORTS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli", DOCS / "gen_cli.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen_cli() -> ModuleType:
    return _load_generator()


def _read(name: str) -> str:
    path = DOCS / name
    assert path.exists(), f"docs/{name} is missing"
    return path.read_text(encoding="utf-8")


def _headings(text: str) -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^## (.+)$", text, flags=re.M)}


def test_cli_md_equals_the_generated_help(gen_cli: ModuleType) -> None:
    expected = gen_cli.render()
    assert _read("cli.md") == expected, (
        "docs/cli.md is stale: run `python docs/gen_cli.py` (see `--check` for the diff)")


def test_every_command_has_a_section_in_cli_md(gen_cli: ModuleType) -> None:
    commands = [" ".join(p) for p in gen_cli.command_paths()]
    assert commands, "found no commands in the Typer app"
    missing = [c for c in commands if c not in _headings(_read("cli.md"))]
    assert not missing, f"docs/cli.md has no '## <command>' section for: {missing}"


def test_every_format_id_is_described_in_formats_md() -> None:
    text = _read("formats.md")
    missing = [fid for fid, _label in formats() if f"`{fid}`" not in text]
    assert not missing, f"docs/formats.md does not describe format ids: {missing}"


def test_every_report_is_named_in_index_or_cli_md() -> None:
    text = _read("index.md") + _read("cli.md")
    missing = [name for name in REPORTS if name not in text]
    assert not missing, f"reports named in neither docs/index.md nor docs/cli.md: {missing}"


def test_rules_md_equals_the_generated_reference() -> None:
    spec = importlib.util.spec_from_file_location("gen_rules", DOCS / "gen_rules.py")
    gen_rules = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_rules)
    assert (DOCS / "rules.md").read_text(encoding="utf-8") == gen_rules.render(), \
        "docs/rules.md is stale: run python docs/gen_rules.py"


def test_rejects_md_equals_the_generated_reference() -> None:
    spec = importlib.util.spec_from_file_location("gen_rejects", DOCS / "gen_rejects.py")
    gen_rejects = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_rejects)
    assert (DOCS / "rejects.md").read_text(encoding="utf-8") == gen_rejects.render(), \
        "docs/rejects.md is stale: run python docs/gen_rejects.py"


def test_tables_md_equals_the_generated_reference() -> None:
    spec = importlib.util.spec_from_file_location("gen_tables", DOCS / "gen_tables.py")
    gen_tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_tables)
    assert _read("tables.md") == gen_tables.render(), \
        "docs/tables.md is stale: run python docs/gen_tables.py"


def test_docs_name_only_source_files_that_exist() -> None:
    """A path like `src/alpr_audit/x/y.py` in the docs points at a file that is there."""
    root = DOCS.parent
    missing = sorted({
        f"{doc.name}: {m.group(0)}"
        for doc in DOCS.glob("*.md")
        for m in re.finditer(r"src/alpr_audit/[\w/]+(\.py|\.toml|/)?", doc.read_text("utf-8"))
        if not (root / m.group(0)).exists()})
    assert not missing, "docs name files that do not exist:\n" + "\n".join(missing)
