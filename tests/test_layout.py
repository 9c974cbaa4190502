"""The layout shows the architecture: folders are layers, imports run one way, no cycles, no private names
imported from another module, and the behaviour of each type stays in its own module."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("clusters", "monitors", "resources", "webui")

# Lowest first: a module imports from its own layer and the ones before it, never from a later one.
LAYERS = [
    ("platform", ["webui.aws", "webui.awslimits", "webui.awsbudget", "webui.awsreads", "webui.awssim", "webui.roles",
                  "webui.celery", "webui.settings", "webui.nodes", "clusters.clpconf.names",
                  "clusters.clpconf.xmlpath"]),
    ("configuration", ["clusters.models", "clusters.runtime", "clusters.configuration", "resources",
                       "monitors.models", "monitors.registry", "monitors.types"]),
    ("clp.conf", ["clusters.clpconf"]),
    ("AWS", ["clusters.aws"]),
    ("runs", ["clusters.runs"]),
    ("operation", ["clusters.operation", "clusters.node", "monitors.engine", "clusters.tasks", "monitors.tasks"]),
    ("web and entry points", ["clusters.web", "clusters.templatetags", "webui", "clusters.admin", "clusters.apps",
                              "clusters.management", "monitors.admin", "monitors.apps", "resources.admin",
                              "resources.apps"]),
]  # fmt: skip


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = modules()


def imports(name: str) -> list[tuple[str, list[str], bool]]:
    """(imported module, names taken from it, at module level) for each import of a project module."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[: len(name.split(".")) - node.level + (path.name == "__init__.py")]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                module, taken = (full, []) if full in MODULES else (target, [alias.name])
                found.append((module, taken, id(node) in top))
        elif isinstance(node, ast.Import):
            found += [(alias.name, [], id(node) in top) for alias in node.names]
    return [(m, taken, top_level) for m, taken, top_level in found if m in MODULES and m != name]


def layer(name: str) -> int:
    best = max(
        (
            (len(prefix), i)
            for i, (_, prefixes) in enumerate(LAYERS)
            for prefix in prefixes
            if name == prefix or name.startswith(prefix + ".")
        ),
        default=None,
    )
    assert best is not None, f"{name} is in no layer: add it to LAYERS"
    return best[1]


def test_imports_run_one_way():
    upward = [
        f"{name} ({LAYERS[layer(name)][0]}) imports {target} ({LAYERS[layer(target)][0]})"
        for name in MODULES
        for target, _, _ in imports(name)
        if layer(target) > layer(name)
    ]
    assert upward == []


def test_no_import_cycles():
    graph = {name: {target for target, _, _ in imports(name)} for name in MODULES}
    state: dict[str, int] = {}
    cycles = []

    def visit(name, path):
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_no_private_name_is_imported_from_another_module():
    private = [
        f"{name} imports {target}.{taken}"
        for name in MODULES
        for target, names, _ in imports(name)
        for taken in names
        if taken.startswith("_")
    ]
    assert private == []


def test_type_codes_are_named_only_in_their_own_modules():
    """What a resource or monitor type does is declared in its module (hooks and attributes): the layers
    that run every type never test for one by its code (the on-premises conversion chooses AWS types)."""
    from monitors.registry import MONITOR_TYPES
    from resources.registry import RESOURCE_TYPES

    codes = set(RESOURCE_TYPES.load()) | set(MONITOR_TYPES.load())
    allowed = ("resources.types", "monitors.types", "clusters.aws.onprem", "clusters.clpconf.names")
    found = []
    for name, path in MODULES.items():
        if name.startswith(allowed):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in codes - {"service", "script", "exec"}:
                found.append(f"{name}:{node.lineno} {node.value!r}")
    assert found == []


def test_tests_share_helpers_not_each_other():
    """Shared helpers live in helper modules (guide, runs, clpconf_helpers, factories, conftest)."""
    found = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[-1].startswith("test_"):
                found.append(f"{path.name}:{node.lineno} from {node.module}")
            elif isinstance(node, ast.ImportFrom) and node.module == "tests":
                found += [f"{path.name}:{node.lineno} {a.name}" for a in node.names if a.name.startswith("test_")]
    assert found == []
