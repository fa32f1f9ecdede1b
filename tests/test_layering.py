"""The apps import one way, top to bottom, and no module imports itself back round a loop.

The declared order (README "Layout", HELPERS of issue 11), top first:

    kaltara -> audit, demo, api -> exports -> dashboards -> scoring -> kawasan -> sites
    -> clusters -> notifications -> accounts -> regions -> web

An app may import itself and any app below it; never an app above it, and never another app
of its own layer (audit, demo and api). News that has to travel upward (a site was created, a
kawasan changed) goes through a Django signal that the lower app sends and the upper app
receives (sites/signals.py, kawasan/signals.py).

How the code is read: every .py file of every app is parsed with `ast` (nothing is imported,
so a test run cannot hide an import behind a setting). Every `import` statement counts,
wherever it stands: at the top, inside a function or method body, under `if TYPE_CHECKING:`,
inside `try:`. A function-body import is the usual way a cycle is hidden, and it still ties
the two modules together (they cannot be understood, tested or moved apart), so it counts
the same. `from x import y` is an import of the module x.y when x/y.py exists, else of x;
relative imports are resolved against the importing file's package; `import x.y` imports
x.y and runs the package x on the way, so it leans on x/__init__.py too.

Migrations are read as well: today they import nothing of ours, and a data migration that
starts importing a service of an app above would be the same upward dependency, only harder
to undo later (migrations are history). Their `dependencies = [...]` lists are not imports
and are not read.

Not seen (by design): names in strings (Celery task names, `apps.get_model`, URL includes by
dotted path, `mock.patch` targets). Those are how the upward notice is allowed to travel.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parent.parent

# Top first. One inner list is one layer: the apps of a layer may not import each other.
LAYERS: list[list[str]] = [
    ["kaltara"],
    ["audit", "demo", "api", "opendata"],
    ["exports"],
    ["dashboards"],
    ["scoring"],
    ["kawasan"],
    ["sites"],
    ["clusters"],
    ["notifications"],
    ["accounts"],
    ["regions"],
    ["web"],
]
# 0 is the top layer.
RANK = {app: rank for rank, layer in enumerate(LAYERS) for app in layer}
ORDER_TEXT = " -> ".join(", ".join(layer) for layer in LAYERS)


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name of the importing file
    target: str  # dotted module name imported (one of ours)
    path: str  # the importing file, relative to the checkout
    line: int
    statement: str  # the statement as written, for the message


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def app_files(root: Path, app_names: Iterable[str]) -> dict[str, Path]:
    """Every module of the given apps (top-level packages under root), by dotted name."""
    modules = {}
    for app in app_names:
        for path in sorted((root / app).rglob("*.py")):
            modules[module_name(path, root)] = path
    return modules


def _package_of(module: str, path: Path) -> str:
    """The package a relative import in this module is resolved against."""
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve_relative(module: str, path: Path, level: int, name: str | None) -> str:
    package = _package_of(module, path)
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        raise ValueError(f"{path}: relative import goes above the top-level package")
    base = parts[: len(parts) - (level - 1)]
    if name:
        base.append(name)
    return ".".join(base)


def _ours(dotted: str, modules: dict[str, Path]) -> str | None:
    """The deepest of our modules that dotted names (x.y.Name -> x.y), if any."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _with_packages(target: str, importer: str, modules: dict[str, Path]) -> list[str]:
    """target and the packages Python runs on the way to it (x for x.y.z, x.y ...), except
    the importer's own packages (already running when the importer runs)."""
    found = []
    parts = target.split(".")
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        own_package = importer == name or importer.startswith(name + ".")
        if name in modules and (name == target or not own_package):
            found.append(name)
    return found


def imports_of(module: str, path: Path, modules: dict[str, Path], root: Path) -> list[Import]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    found: list[Import] = []

    def add(dotted_targets: Iterable[str], node: ast.stmt) -> None:
        statement = ast.get_source_segment(source, node) or ast.dump(node)
        statement = " ".join(statement.split())
        for dotted in dotted_targets:
            target = _ours(dotted, modules)
            if target is None:
                continue
            for name in _with_packages(target, module, modules):
                if name != module:
                    found.append(
                        Import(module, name, str(path.relative_to(root)), node.lineno, statement)
                    )

    # ast.walk reaches every statement: function and method bodies, `if TYPE_CHECKING:`,
    # `try:` / `except ImportError:` branches alike.
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            add((alias.name for alias in node.names), node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _resolve_relative(module, path, node.level, node.module)
            else:
                base = node.module or ""
            # `from x import y`: the module x.y if there is one, else a name defined in x
            # (_ours keeps the deepest module that exists).
            add((f"{base}.{alias.name}" for alias in node.names), node)
    # One edge per (target, line) is enough for the messages.
    unique = {}
    for imp in found:
        unique.setdefault((imp.target, imp.line), imp)
    return list(unique.values())


def import_graph(root: Path, app_names: Iterable[str]) -> list[Import]:
    modules = app_files(root, app_names)
    edges = []
    for module, path in modules.items():
        edges.extend(imports_of(module, path, modules, root))
    return edges


def upward_imports(edges: Iterable[Import], rank: dict[str, int]) -> list[Import]:
    bad = []
    for imp in edges:
        src, dst = imp.importer.split(".")[0], imp.target.split(".")[0]
        if src == dst:
            continue
        if rank[dst] <= rank[src]:
            bad.append(imp)
    return bad


def cycles(edges: Iterable[Import]) -> list[list[Import]]:
    """One concrete loop (as the list of its imports) for every strongly connected group of
    modules (Tarjan); a group is a set of modules that all reach each other."""
    graph: dict[str, list[Import]] = {}
    for imp in edges:
        graph.setdefault(imp.importer, []).append(imp)
        graph.setdefault(imp.target, [])
    loops = [_shortest_loop(graph, group) for group in _strong_groups(graph)]
    return sorted(loops, key=lambda loop: loop[0].importer)


def _strong_groups(  # noqa: C901 - Tarjan's SCC is one algorithm, clearer read whole
    graph: dict[str, list[Import]],
) -> list[set[str]]:
    """The strongly connected groups of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    counter = 0

    # Iterative Tarjan: the module graph is deep enough to make recursion a worry.
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for imp in children:
                child = imp.target
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def _shortest_loop(graph: dict[str, list[Import]], group: set[str]) -> list[Import]:
    """The shortest way round from the group's first module back to it, inside the group
    (breadth first)."""
    start = min(group)
    previous: dict[str, Import] = {}
    frontier = [start]
    closing = None
    while frontier and closing is None:
        following = []
        for node in frontier:
            for imp in sorted(graph[node], key=lambda i: (i.target, i.line)):
                if imp.target not in group:
                    continue
                if imp.target == start:
                    closing = imp
                    break
                if imp.target not in previous:
                    previous[imp.target] = imp
                    following.append(imp.target)
            if closing:
                break
        frontier = following
    loop = [closing]
    while loop[0].importer != start:
        loop.insert(0, previous[loop[0].importer])
    return loop


def _where(imp: Import) -> str:
    return f"  {imp.path}:{imp.line}: {imp.statement}"


def explain_upward(bad: list[Import]) -> str:
    lines = [
        f"{len(bad)} import(s) point up or sideways in the app order.",
        f"The order, top first: {ORDER_TEXT}.",
        "An app may import itself and the apps below it only (same-layer apps not each other).",
        "Fix: move the code the lower app needs down into it (or into web/), or let the lower",
        "app send a signal (sites/signals.py, kawasan/signals.py) that the upper app receives.",
        "",
    ]
    for imp in sorted(bad, key=lambda i: (i.path, i.line)):
        src, dst = imp.importer.split(".")[0], imp.target.split(".")[0]
        where = "in the same layer as" if RANK[src] == RANK[dst] else "above"
        lines.append(f"{src} imports {dst}, which is {where} {src}:")
        lines.append(_where(imp))
    return "\n".join(lines)


def explain_cycles(loops: list[list[Import]]) -> str:
    lines = [
        f"{len(loops)} import loop(s): each module below imports the next, and the last one",
        "imports the first again (imports inside functions count: they still tie the modules",
        "together). Fix: move what both need into a third module that imports neither, or",
        "split the module so that the two halves of the loop live apart.",
    ]
    for loop in loops:
        path = " -> ".join([imp.importer for imp in loop] + [loop[0].importer])
        lines.append("")
        lines.append(f"loop: {path}")
        lines.extend(_where(imp) for imp in loop)
    return "\n".join(lines)


# --- the project -------------------------------------------------------------------------


def _our_apps() -> list[str]:
    """The apps of INSTALLED_APPS whose code lives in this checkout."""
    ours = []
    for config in django_apps.get_app_configs():
        # A folder at the top of the checkout (a virtualenv inside it holds other apps).
        if Path(config.path).resolve().parent == ROOT:
            ours.append(config.name)
    return ours


@pytest.fixture(scope="module")
def edges() -> list[Import]:
    return import_graph(ROOT, RANK)


def test_every_app_of_ours_has_a_place_in_the_order():
    missing = [name for name in _our_apps() if name not in RANK]
    assert not missing, (
        f"{missing} is in INSTALLED_APPS but has no place in the import order of "
        f"tests/test_layering.py (LAYERS). Add it to LAYERS where it belongs: above every app "
        f"it imports, below every app that imports it. The order now: {ORDER_TEXT}."
    )


def test_every_app_in_the_order_is_installed_and_is_a_top_level_package():
    installed = set(_our_apps())
    stale = [app for app in RANK if app not in installed or not (ROOT / app).is_dir()]
    assert not stale, (
        f"{stale} is in LAYERS of tests/test_layering.py but is not an installed app folder "
        "of this checkout: remove it from LAYERS, or install the app."
    )


def test_every_folder_that_is_an_app_is_installed():
    folders = sorted(p.parent.name for p in ROOT.glob("*/apps.py"))
    stray = [name for name in folders if name not in RANK]
    assert not stray, (
        f"{stray} has an apps.py but no place in the import order (LAYERS of "
        "tests/test_layering.py): add it there and to INSTALLED_APPS."
    )


def test_installed_apps_list_follows_the_order():
    # settings.INSTALLED_APPS lists our apps bottom first (its comment says so); a reader of
    # the settings should see the same order as this test.
    ranks = [RANK[name] for name in _our_apps()]
    assert ranks == sorted(ranks, reverse=True), (
        "INSTALLED_APPS lists our apps out of the import order: it should go bottom first "
        f"(the reverse of: {ORDER_TEXT})."
    )


def test_no_app_imports_an_app_above_it(edges):
    bad = upward_imports(edges, RANK)
    assert not bad, explain_upward(bad)


def test_no_import_loops(edges):
    loops = cycles(edges)
    assert not loops, explain_cycles(loops)


# --- the reader itself, on made-up apps --------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def _pairs(edges: Iterable[Import]) -> set[tuple[str, str]]:
    return {(imp.importer, imp.target) for imp in edges}


def test_the_reader_sees_every_kind_of_import(tmp_path):
    _write(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/models.py": "",
            "low/sub/__init__.py": "",
            "low/sub/deep.py": "",
            "high/__init__.py": "",
            "high/a.py": """
                import low.models
                from low import sub
                from low.sub.deep import Thing
                from . import b
                from .c import name
            """,
            "high/b.py": """
                from typing import TYPE_CHECKING

                if TYPE_CHECKING:
                    from .c import Other

                def later():
                    from ..high import d
            """,
            "high/c.py": "",
            "high/d.py": """
                class K:
                    def method(self):
                        import high.a as a
            """,
            "high/pkg/__init__.py": "",
            "high/pkg/e.py": "from .. import c\nfrom ..pkg import f\n",
            "high/pkg/f.py": "",
        },
    )
    found = _pairs(import_graph(tmp_path, ["low", "high"]))
    assert {
        ("high.a", "low.models"),
        ("high.a", "low"),  # the package runs on the way
        ("high.a", "low.sub"),  # from low import sub: a submodule
        ("high.a", "low.sub.deep"),
        ("high.a", "high.b"),
        ("high.a", "high.c"),
        ("high.b", "high.c"),  # under TYPE_CHECKING
        ("high.b", "high.d"),  # inside a function, two dots
        ("high.d", "high.a"),  # inside a method
        ("high.pkg.e", "high.c"),
        ("high.pkg.e", "high.pkg.f"),
    } <= found
    # The importer's own packages are not counted as imports of it.
    assert ("high.pkg.e", "high.pkg") not in found
    assert ("high.pkg.e", "high") not in found


def test_the_reader_finds_upward_imports_and_loops(tmp_path):
    _write(
        tmp_path,
        {
            "top/__init__.py": "",
            "top/x.py": "import mid.one\n",  # down: allowed
            "mid/__init__.py": "",
            "mid/one.py": "from mid import two\n",
            "mid/two.py": "def f():\n    from mid.three import g\n",
            "mid/three.py": "import mid.one\nimport bottom.z\n",
            "bottom/z.py": "",
            "bottom/__init__.py": "",
            "bottom/y.py": "import mid.one\n",
        },
    )
    rank = {"top": 0, "mid": 1, "bottom": 2}
    edges = import_graph(tmp_path, rank)
    assert {(i.importer, i.target) for i in upward_imports(edges, rank)} == {
        ("bottom.y", "mid.one"),
        ("bottom.y", "mid"),
    }
    (loop,) = cycles(edges)
    assert [imp.importer for imp in loop] == ["mid.one", "mid.two", "mid.three"]
    message = explain_cycles([loop])
    assert "loop: mid.one -> mid.two -> mid.three -> mid.one" in message
    assert "mid/two.py:2: from mid.three import g" in message


def test_same_layer_apps_may_not_import_each_other(tmp_path):
    _write(
        tmp_path,
        {"a/__init__.py": "", "a/m.py": "import b.m\n", "b/__init__.py": "", "b/m.py": ""},
    )
    rank = {"a": 0, "b": 0}
    assert _pairs(upward_imports(import_graph(tmp_path, rank), rank)) == {
        ("a.m", "b.m"),
        ("a.m", "b"),
    }
