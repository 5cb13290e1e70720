"""The layering of docs/architecture.md, checked on the source: within the project no module
imports a module that imports it back (at any depth of the function body: a lazy import is still
an arrow), and no service imports a task module (services enqueue tasks by name)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted(p.parent.name for p in ROOT.glob("*/apps.py")) + ["shahe_afterschool"]


def _modules() -> dict[str, Path]:
    out = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts or "management" in rel.parts:
                continue
            name = ".".join(rel.with_suffix("").parts)
            out[name.removesuffix(".__init__")] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def test_no_module_imports_a_module_that_imports_it_back():
    graph = _graph()
    circles = sorted({tuple(sorted((a, b))) for a, targets in graph.items() for b in targets
                      if a in graph.get(b, ())})
    assert circles == []


def test_services_never_import_tasks():
    graph = _graph()
    wrong = sorted((a, b) for a, targets in graph.items() for b in targets
                   if a.endswith(".services") and b.endswith(".tasks"))
    assert wrong == []


def test_the_checker_sees_lazy_and_relative_imports():
    graph = _graph()
    assert "attendance.services" in graph["attendance.tasks"]  # `from .services import ...` inside a task
    assert "accounts.scoping" in graph["schools.models"]
