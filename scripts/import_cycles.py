"""Import cycles in the `harness` package, from an AST import graph (no module is imported).

    python scripts/import_cycles.py [ROOT] [--lazy]

Edges are `import harness.x` / `from harness.x import y` (a `from harness.x import y` that names a
submodule `harness.x.y` counts as an edge to it). By default only module-level imports count (what
runs at import time; imports under `if TYPE_CHECKING:` do not); `--lazy` adds imports inside
functions. Prints each strongly connected component of more than one module, marks those that
cross a package boundary (modules of more than one package), and the counts on the last line.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(tree: ast.Module, lazy: bool, modules: set[str], package: str) -> set[str]:
    out: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                out.update(a.name for a in node.names if a.name.startswith("harness"))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                if not base.startswith("harness"):
                    continue
                for a in node.names:
                    out.add(f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base)
            elif isinstance(node, ast.If) and _type_checking(node):
                continue
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if lazy:
                    visit(node.body)
            elif isinstance(node, ast.ClassDef | ast.If | ast.Try | ast.With):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    for child in getattr(node, field, []):
                        visit(child.body if isinstance(child, ast.ExceptHandler) else [child])

    visit(tree.body)
    return out


def graph(root: Path, lazy: bool) -> dict[str, set[str]]:
    files = {module_name(root, p): p for p in (root / "harness").rglob("*.py")}
    modules = set(files)
    edges: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = imports(ast.parse(path.read_text(encoding="utf-8")), lazy, modules, package)
        edges[name] = {m for m in found if m in modules and m != name}
    return edges


def components(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            strong(v)
    return [c for c in out if len(c) > 1]


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else "harness"


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent
    comps = components(graph(root, "--lazy" in sys.argv))
    crossing = 0
    for comp in comps:
        packages = sorted({package_of(m) for m in comp})
        cross = len(packages) > 1
        crossing += cross
        print(("CROSSES " if cross else "within  ") + ", ".join(comp))
    print(f"cycles (strongly connected components): {len(comps)}; crossing a package boundary: {crossing}")


if __name__ == "__main__":
    main()
