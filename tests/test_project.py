"""The project's own rules: a pure core, generated docs in step, documented commands."""

import ast
from pathlib import Path

import pytest

from xlfin import docs

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"openpyxl", "xlsxwriter", "click", "sqlite3"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def core_imports(module: str, seen: set[str]) -> set[str]:
    """Top-level packages imported by `module`, following xlfin's own imports."""
    if module in seen:
        return set()
    seen.add(module)
    parts = module.split(".")
    path = ROOT / "src" / Path(*parts)
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [node.module]
        for target in targets:
            if target.startswith("xlfin"):
                found |= core_imports(target, seen)
            else:
                found.add(target.split(".")[0])
    return found


def test_core_is_pure():
    files = sorted((ROOT / "src" / "xlfin" / "core").glob("*.py"))
    assert files
    for path in files:
        module = "xlfin.core." + path.stem if path.stem != "__init__" else "xlfin.core"
        bad = core_imports(module, set()) & FORBIDDEN
        assert not bad, f"{path.name} imports {bad} (directly or through xlfin modules)"


def test_purity_check_can_fail():
    assert imported_modules(ROOT / "src" / "xlfin" / "reader" / "openpyxl_rows.py") & FORBIDDEN


@pytest.mark.parametrize("name", sorted(docs.DOCS))
def test_generated_docs_are_current(name):
    on_disk = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert on_disk == docs.DOCS[name](), f"run `python -m xlfin.docs` to regenerate {name}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(
        line.strip() for line in readme.splitlines() if "pytest" in line and "pip install" in line
    )
    assert command in ci


def test_every_package_is_installed():
    """pyproject lists packages explicitly (for templates/); none may be forgotten."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(p.relative_to(ROOT / "src").parts[:-1])
        for p in (ROOT / "src" / "xlfin").rglob("*.py")
    }
    assert found | {"xlfin.templates"} == listed
