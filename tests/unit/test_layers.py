"""The shape of the package: layers that import only downwards, no circle, thin front doors."""

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "enquiry"

# Lower numbers sit lower: a module may import its own layer and the layers below it.
LAYERS = {
    "enquiry.models": 0,
    "enquiry.rules": 0,
    "enquiry.config": 0,
    "enquiry.extensions": 0,
    "enquiry.core_extensions": 0,
    "enquiry.instance_files": 0,
    "enquiry.bounded": 0,
    "enquiry.redirects": 0,
    "enquiry.access_log": 0,
    "enquiry.i18n": 0,
    "enquiry.labels": 0,
    "enquiry.audit": 1,
    "enquiry.mail": 1,
    "enquiry.search": 1,
    "enquiry.webhooks": 1,
    "enquiry.domain": 2,
    "enquiry.intake": 3,
    "enquiry.reporting": 3,
    "enquiry.errors": 4,
    "enquiry.security": 4,
    "enquiry.templating": 4,
    "enquiry.public": 4,
    "enquiry.staff": 4,
    "enquiry.api": 4,
    "enquiry.cli": 4,
    "enquiry": 5,
    "enquiry.intake.pipe": 5,  # the MTA's entry point: for an unusual database, the intake app
}
FRONT_DOORS = ("public", "staff", "api")
# Imports that point up a layer, each with the reason it is allowed.
UPWARD_ALLOWED: dict[tuple[str, str], str] = {}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every enquiry module `name` imports, at module level or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*stem, *([node.module] if node.module else [])])
            submodules = {f"{base}.{a.name}" for a in node.names} & known.keys()
            targets |= submodules
            if len(submodules) < len(node.names):
                targets.add(base)
    return {target for target in targets if target in known and target != name}


def layer(name: str) -> int:
    while name not in LAYERS:
        name = name.rpartition(".")[0]
    return LAYERS[name]


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_the_import_graph_has_no_circle(graph):
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import circle: {' -> '.join(error.args[1])}")


def test_every_module_has_a_layer(graph):
    for name in graph:
        assert layer(name) >= 0, name


def test_imports_point_down(graph):
    upward = {
        (source, target)
        for source, targets in graph.items()
        for target in targets
        if layer(target) > layer(source)
    }
    unexplained = upward - UPWARD_ALLOWED.keys()
    assert not unexplained, sorted(unexplained)
    assert len(UPWARD_ALLOWED) <= 2


def test_front_doors_build_no_queries():
    offenders = []
    for door in FRONT_DOORS:
        for path in (PACKAGE / door).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for needle in ("select(", "db.session.execute", "db.session.scalars", ".query("):
                if needle in text:
                    offenders.append(f"{path.relative_to(PACKAGE)}: {needle}")
    assert not offenders, offenders


def view_functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            routed = any(
                isinstance(d, ast.Call) and getattr(d.func, "attr", "") in {"route", "get", "post"}
                for d in node.decorator_list
            )
            if routed:
                yield node


def test_views_are_short():
    long_views = []
    for door in FRONT_DOORS:
        for path in (PACKAGE / door).rglob("*.py"):
            for node in view_functions(path):
                length = node.end_lineno - node.lineno + 1 - len(node.decorator_list)
                if length > 25:
                    long_views.append(f"{path.relative_to(PACKAGE)}:{node.name} {length}")
    assert not long_views, long_views


def test_modules_are_short():
    long_modules = [
        f"{path.relative_to(PACKAGE)} {lines}"
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 300
    ]
    assert not long_modules, long_modules
