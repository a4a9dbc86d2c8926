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


LIBRARIES = ("openpyxl", "xlsxwriter", "python_calamine")
PROCESS_MODULE = ROOT / "src" / "xlfin" / "program.py"
NAMED_TUPLE_API = {"_replace", "_asdict", "_fields", "_make"}


def source_files() -> list[Path]:
    return sorted((ROOT / "src" / "xlfin").rglob("*.py"))


def library_names(tree: ast.AST) -> set[str]:
    """Names bound to a library or to something imported from one, in a module."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if a.name.split(".")[0] in LIBRARIES
            }
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in LIBRARIES:
            names |= {a.asname or a.name for a in node.names}
    return names


def private_library_uses(path: Path) -> list[str]:
    """Private modules, names and attributes of the libraries a module uses: `_reader`,
    `Format._get_xf_index`, `ws._write_string`, a subclass of a library class."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    libraries = library_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in LIBRARIES:
            parts = node.module.split(".") + [a.name for a in node.names]  # type: ignore[union-attr]
            found += [f"import {node.module}" for part in parts if part.startswith("_")]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and libraries:
            own = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            public = node.attr in NAMED_TUPLE_API or node.attr.startswith("__")
            if node.attr == "__class__" or not (own or public):
                found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith("_write_") or node.value == "_get_xf_index":
                found.append(f"line {node.lineno}: {node.value!r}")
        elif isinstance(node, ast.ClassDef):
            bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
            found += [f"class {node.name}({b})" for b in bases & libraries]
    return found


def test_no_private_api_of_a_library_is_used():
    """Libraries through their public APIs only: no private module, attribute or method, no
    subclass of a library's class, no swapped __class__ (any of them pins a version)."""
    for path in source_files():
        assert not private_library_uses(path), (path.name, private_library_uses(path))


def test_the_private_api_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from openpyxl.worksheet._reader import WorkSheetParser\n"
        "from xlsxwriter.format import Format\n"
        "class Mine(Format):\n    pass\n"
        "def f(ws, made):\n    made.__class__ = Mine\n"
        "    getattr(ws, '_write_string')\n    return ws._write_number\n",
        encoding="utf-8",
    )
    assert len(private_library_uses(bad)) == 5


def test_process_tricks_live_in_one_module():
    """Only the program touches the collector or ends the process early."""
    for path in source_files():
        if path == PROCESS_MODULE:
            continue
        text = path.read_text(encoding="utf-8")
        assert "gc" not in imported_modules(path), path.name
        assert "os._exit" not in text, path.name
    assert "os._exit" in PROCESS_MODULE.read_text(encoding="utf-8")


def test_no_import_cycle():
    """xlfin's modules import each other in one direction (lazy imports included)."""
    modules: dict[str, Path] = {}
    for path in source_files():
        parts = path.relative_to(ROOT / "src").with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # `from xlfin.reader import engine` is the module
                    sub = f"{node.module}.{alias.name}"
                    targets.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
        graph[module] = {t for t in targets if t in modules and t != module}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for step in graph[start] - seen:
            seen.add(step)
            if step == goal or reaches(step, goal, seen):
                return True
        return False

    cycles = [m for m in graph if reaches(m, m, set())]
    assert not cycles, cycles


EMAIL_HEADERS = {"Date"}
"""A message's own headers, one of which is spelled like an input column."""


def input_name_literals(path: Path) -> list[str]:
    from xlfin.schema import SHEETS

    names = {s.name for s in SHEETS} | {c.name for s in SHEETS for c in s.columns}
    if path.name == "mail.py":
        names -= EMAIL_HEADERS
    return [
        f"line {node.lineno}: {node.value!r}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in names
    ]


def test_input_sheet_and_column_names_are_written_only_in_the_schema():
    for path in source_files():
        where = path.relative_to(ROOT / "src" / "xlfin").as_posix()
        if where == "schema.py":
            continue
        assert not input_name_literals(path), (where, input_name_literals(path))
    assert input_name_literals(ROOT / "src" / "xlfin" / "schema.py")  # the check can fail


def test_problem_codes_are_imported_from_the_catalogue():
    """A module names the codes it raises by importing them from xlfin.problems, so that a
    code missing from the catalogue fails when the module loads; no code is a bare string."""
    from xlfin.problems import CODES

    for path in source_files():
        if path.name == "problems.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bare = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in CODES]
        assert not bare, (path.name, bare)


def test_a_code_missing_from_the_catalogue_fails_when_the_module_loads():
    with pytest.raises(ImportError):
        exec("from xlfin.problems import NO_SUCH_CODE", {})


def test_the_environment_is_read_at_the_command_line_only():
    """Environment variables are read by the CLI (and the program's one switch) and passed
    down; the library below never looks at os.environ."""
    boundary = {"cli.py", "program.py"}
    for path in source_files():
        if path.name in boundary:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not names & {"environ", "getenv"}, path.name
