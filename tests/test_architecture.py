"""The layout's rules, read from the source with `ast`: imports run handlers -> bot -> storage.

Every module of the project's packages is parsed (never imported). The checks: no import cycle
(imports at module level and inside functions alike; `if TYPE_CHECKING:` imports do not run and
are left out of cycles only), `storage/` imports nothing of `bot/` or `handlers/`, only
`bot/app.py` in `bot/` imports `handlers/`, no SQL statement is written in `bot/` or `handlers/`,
and no two modules of `bot/`, `handlers/` and `storage/` share a file name unless they are layers
of one another (LAYERS below).
Test modules share helpers only through `tests.support`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

ROOT: Final = Path(__file__).resolve().parent.parent
PACKAGES: Final = ("bot", "handlers", "storage", "sandbox", "demo", "templates")
NAMED_ONCE: Final = ("bot", "handlers", "storage")
# File names that several modules share because each is a layer of the next.
LAYERS: Final[Mapping[str, frozenset[str]]] = {
    "survey.py": frozenset({"handlers/survey.py", "bot/domain/survey.py", "storage/survey.py"}),
    "attendance.py": frozenset({"bot/domain/attendance.py", "storage/attendance.py"}),
    "delivery_report.py": frozenset({"handlers/delivery_report.py", "storage/delivery_report.py"}),
    "health.py": frozenset({"bot/runtime/health.py", "storage/health.py"}),
    "daily_digest.py": frozenset({"bot/delivery/daily_digest.py", "storage/daily_digest.py"}),
    "registration.py": frozenset({"handlers/registration.py", "bot/domain/registration.py"}),
    "overrides.py": frozenset({"bot/domain/overrides.py", "storage/overrides.py"}),
    "organizers.py": frozenset({"handlers/organizers.py", "storage/organizers.py"}),
    "schedule.py": frozenset({"handlers/schedule.py", "storage/schedule.py"}),
    "waiting_list.py": frozenset({"bot/delivery/waiting_list.py", "storage/waiting_list.py"}),
    "certificates.py": frozenset(
        {
            "handlers/certificates.py",
            "bot/delivery/certificates.py",
            "bot/domain/certificates.py",
            "storage/certificates.py",
        }
    ),
    "materials.py": frozenset(
        {
            "handlers/materials.py",
            "bot/delivery/materials.py",
            "bot/domain/materials.py",
            "storage/materials.py",
        }
    ),
    "speaker_questions.py": frozenset(
        {
            "handlers/speaker_questions.py",
            "bot/domain/speaker_questions.py",
            "storage/speaker_questions.py",
        }
    ),
}
SHARED_BY_ALL: Final = frozenset({"__init__.py", "__main__.py"})
# Imports inside a function that still close a cycle, each with the change that removes it.
# An entry whose import has gone fails test_pending_imports_are_still_there: delete it then.
PENDING: Final[Mapping[tuple[str, str], str]] = {}
SQL: Final = re.compile(
    r"\bSELECT\b[\s\S]*?\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b|\bCREATE\s+(?:TABLE|INDEX|UNIQUE\s+INDEX|VIEW|TRIGGER)\b"
    r"|\bDROP\s+TABLE\b|\bALTER\s+TABLE\b|\bPRAGMA\s+\w+|\bVACUUM\b"
)


@dataclass(frozen=True)
class Import:
    """One import of a project module by another."""

    source: str
    target: str
    line: int
    typing_only: bool
    in_function: bool


@dataclass(frozen=True)
class Module:
    """A parsed module: its dotted name, its file (relative to the root) and its tree."""

    name: str
    path: str
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        """True for an __init__.py."""
        return self.path.endswith("__init__.py")


def module_name(relative: Path) -> str:
    """`bot/cli/main.py` -> `bot.cli.main`; `bot/cli/__init__.py` -> `bot.cli`."""
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_modules(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> dict[str, Module]:
    """Parse every module of the packages, by dotted name."""
    found: dict[str, Module] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
            name = module_name(relative)
            found[name] = Module(name, relative.as_posix(), tree)
    return found


def _typing_only_nodes(tree: ast.Module) -> set[int]:
    """The ids of import nodes under `if TYPE_CHECKING:` (they never run)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                inside.update(id(child) for child in ast.walk(statement))
    return inside


def _function_nodes(tree: ast.Module) -> set[int]:
    """The ids of every node inside a function's body."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for statement in node.body:
                inside.update(id(child) for child in ast.walk(statement))
    return inside


def _resolve_from(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module named by a `from ... import` (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: Module, known: Iterable[str]) -> Iterator[Import]:
    """Every import of a project module by `module`, at any depth of its tree."""
    names = set(known)
    typing_only = _typing_only_nodes(module.tree)
    in_function = _function_nodes(module.tree)

    def project_module(dotted: str) -> str | None:
        """The longest project module that `dotted` names or lies in."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in names:
                return candidate
        return None

    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_from(module, node)
            targets = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for dotted in targets:
            target = project_module(dotted)
            if target is not None and target != module.name:
                yield Import(
                    module.name,
                    target,
                    node.lineno,
                    id(node) in typing_only,
                    id(node) in in_function,
                )


def import_graph(modules: Mapping[str, Module]) -> dict[str, list[Import]]:
    """Each module's imports of project modules."""
    return {name: list(imports_of(module, modules)) for name, module in modules.items()}


def cycles(
    graph: Mapping[str, Iterable[Import]], pending: Iterable[tuple[str, str]] = ()
) -> list[list[str]]:
    """The import cycles (strongly connected groups of modules, Tarjan), runtime imports only.

    Imports inside a function listed in `pending` are left out.
    """
    left_out = set(pending)
    edges = {
        name: sorted(
            {
                i.target
                for i in found
                if not i.typing_only and not (i.in_function and (name, i.target) in left_out)
            }
        )
        for name, found in graph.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        """Tarjan's depth-first step."""
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def _in(package: str, name: str) -> bool:
    """True when module `name` is `package` or lies inside it."""
    return name == package or name.startswith(package + ".")


def layer_violations(graph: Mapping[str, Iterable[Import]]) -> list[str]:
    """Imports against the flow handlers -> bot -> storage."""
    found = []
    for name, imports in graph.items():
        for item in imports:
            if _in("storage", name) and (_in("bot", item.target) or _in("handlers", item.target)):
                found.append(f"{name}:{item.line} imports {item.target} (storage imports no bot/)")
            if _in("bot", name) and name != "bot.app" and _in("handlers", item.target):
                found.append(f"{name}:{item.line} imports {item.target} (only bot.app may)")
    return found


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def sql_strings(module: Module) -> list[str]:
    """The string literals (f-strings with their fixed parts) that hold an SQL statement."""
    docstrings = _docstrings(module.tree)
    inside_fstrings: set[int] = set()
    texts: list[tuple[int, str]] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.JoinedStr):
            parts = [
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else " x "
                for v in node.values
            ]
            inside_fstrings.update(id(v) for v in node.values)
            texts.append((node.lineno, "".join(parts)))
    for node in ast.walk(module.tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and id(node) not in inside_fstrings
        ):
            texts.append((node.lineno, node.value))
    return [f"{module.path}:{line}: {text[:70]!r}" for line, text in texts if SQL.search(text)]


def shared_names(modules: Mapping[str, Module], layers: Mapping[str, frozenset[str]]) -> list[str]:
    """File names used by several modules of bot/, handlers/, storage/ that are not layers."""
    by_name: dict[str, set[str]] = {}
    for module in modules.values():
        if module.path.split("/")[0] in NAMED_ONCE:
            file_name = module.path.rsplit("/", 1)[-1]
            if file_name not in SHARED_BY_ALL:
                by_name.setdefault(file_name, set()).add(module.path)
    return [
        f"{file_name}: {', '.join(sorted(paths))}"
        for file_name, paths in sorted(by_name.items())
        if len(paths) > 1 and not paths <= layers.get(file_name, frozenset())
    ]


MODULES: Final = read_modules()
GRAPH: Final = import_graph(MODULES)


def test_every_package_is_read() -> None:
    """Each package and a module deep inside one are among the modules read."""
    for name in (*PACKAGES, "bot.cli.main", "storage.database", "handlers.survey"):
        assert name in MODULES, name


def test_no_import_cycle() -> None:
    """No group of project modules imports itself round, at module level or in a function."""
    assert cycles(GRAPH, PENDING) == []


def test_pending_imports_are_still_there() -> None:
    """Each PENDING entry is still an import inside a function (a stale entry is removed)."""
    for source, target in PENDING:
        found = [i for i in GRAPH.get(source, []) if i.target == target]
        assert found, f"{source} no longer imports {target}: delete its PENDING entry"
        assert all(i.in_function for i in found), f"{source} imports {target} at module level"


def test_imports_run_handlers_bot_storage() -> None:
    """storage/ imports nothing of bot/ or handlers/; only bot/app.py in bot/ imports handlers/."""
    assert layer_violations(GRAPH) == []


def test_no_sql_in_bot_or_handlers() -> None:
    """Every SQL statement is written in storage/."""
    found = [
        line
        for module in MODULES.values()
        if module.path.split("/")[0] in ("bot", "handlers")
        for line in sql_strings(module)
    ]
    assert found == []


def test_module_names_are_not_shared() -> None:
    """No two modules share a file name unless one is the other's layer."""
    assert shared_names(MODULES, LAYERS) == []


def test_the_layers_listed_exist() -> None:
    """Every file of the allow-list exists (a renamed one leaves no stale entry)."""
    missing = [path for paths in LAYERS.values() for path in paths if not (ROOT / path).is_file()]
    assert missing == []


def _write(root: Path, files: Mapping[str, str]) -> dict[str, Module]:
    """A small project of `files` (path -> source) under `root`, parsed."""
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return read_modules(root, sorted({p.split("/")[0] for p in files}))


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """A cycle through a function's import, a wrong-way import, SQL and a shared name are found."""
    modules = _write(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/app.py": "from handlers import start\n",
            "bot/config.py": "def load():\n    from bot import tools\n",
            "bot/tools.py": "from . import config\nQUERY = f'SELECT id FROM {1} WHERE 1'\n",
            "bot/survey.py": '"""SELECT x FROM y in a docstring is prose."""\n',
            "bot/rows.py": "import handlers.start\n",
            "handlers/__init__.py": "",
            "handlers/start.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from handlers import other\n",
            "handlers/other.py": "from handlers.start import x\nQ = 'DELETE FROM t'\n",
            "handlers/survey.py": "",
            "storage/__init__.py": "",
            "storage/rows.py": "from bot.config import load\n",
        },
    )
    graph = import_graph(modules)
    assert cycles(graph) == [["bot.config", "bot.tools"]]
    assert cycles(graph, [("bot.config", "bot.tools")]) == []
    assert cycles(graph, [("bot.tools", "bot.config")]) == [["bot.config", "bot.tools"]]
    assert layer_violations(graph) == [
        "bot.rows:1 imports handlers.start (only bot.app may)",
        "storage.rows:1 imports bot.config (storage imports no bot/)",
    ]
    sql = [line for m in modules.values() for line in sql_strings(m)]
    assert [line.split(":")[0] for line in sql] == ["bot/tools.py", "handlers/other.py"]
    assert shared_names(modules, {}) == [
        "rows.py: bot/rows.py, storage/rows.py",
        "survey.py: bot/survey.py, handlers/survey.py",
    ]
    assert shared_names(modules, {"survey.py": frozenset({"bot/survey.py", "handlers/survey.py"})})


def test_tests_share_helpers_only_through_support() -> None:
    """No test module imports another test module or conftest; helpers live in tests.support."""
    wrong = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            wrong += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in names
                if (name == "tests" or name.startswith("tests."))
                and not (name == "tests.support" or name.startswith("tests.support."))
            ]
    assert wrong == []
