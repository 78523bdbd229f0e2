"""Figures about the structure of dlcore and the notebooks, for maintainers.

    python tools/structure_report.py

Prints
- the length of every dlcore module (lines) and the longest ones;
- every ``show_source(...)`` call in notebooks/src and, over the functions they show, how many
  code lines are argument checking rather than maths (see ``_is_check``);
- the size of the committed notebooks.

A code line is a line of a statement in the function body, docstring, comments and blank lines
left out. A *check* line is a line of a statement that only validates arguments: a ``raise``, an
``if`` whose body raises, or an assignment or call of a validator (a function of
``dlcore.checks``, or a private helper of the module that raises or calls one). Decorator lines
(a contract such as ``@shapes(...)``) are counted separately.
"""

import ast
import inspect
import pathlib
import re
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dlcore.checks  # noqa: E402

CHECKS = set(dir(dlcore.checks)) - {"np", "numbers"}


def _called_names(node):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            f = sub.func
            if isinstance(f, ast.Name):
                yield f.id
            elif isinstance(f, ast.Attribute):
                yield f.attr


def _validators(module):
    """Names of the module's private helpers that validate (raise, or call a validator)."""
    tree = ast.parse(inspect.getsource(module))
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    found = set()
    changed = True
    while changed:
        changed = False
        for name, fn in funcs.items():
            if name in found or not name.startswith("_"):
                continue
            body = ast.Module(body=fn.body, type_ignores=[])  # not the decorators
            raises = any(isinstance(s, ast.Raise) for s in ast.walk(body))
            calls = set(_called_names(body))
            if raises or calls & (CHECKS | found):
                found.add(name)
                changed = True
    return found | CHECKS


def _is_check(stmt, validators):
    if isinstance(stmt, ast.Raise):
        return True
    if isinstance(stmt, ast.If):
        return bool(stmt.body) and isinstance(stmt.body[-1], ast.Raise) and not stmt.orelse
    if isinstance(stmt, (ast.Assign, ast.Expr, ast.AnnAssign)):
        value = stmt.value
        if isinstance(value, ast.Call) or isinstance(value, (ast.Tuple, ast.GeneratorExp)):
            names = set(_called_names(value))
            return bool(names) and names <= validators | {"float", "int", "tuple", "list"} \
                and bool(names & validators)
        if isinstance(value, ast.IfExp):  # t = t if ok else check_int(t, ...)
            return bool(set(_called_names(value)) & validators)
    return False


def count_lines(obj):
    """(code lines, check lines, contract lines) of a function or class as show_source shows it."""
    obj = inspect.unwrap(obj)
    source = textwrap.dedent(inspect.getsource(obj))
    tree = ast.parse(source)
    validators = _validators(inspect.getmodule(obj))
    code = checks = contract = 0
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        for dec in node.decorator_list:
            contract += dec.end_lineno - dec.lineno + 1
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
                continue  # walked on its own
            lines = {n.lineno for n in ast.walk(stmt) if hasattr(n, "lineno")}
            if isinstance(stmt, (ast.For, ast.While, ast.If, ast.With, ast.Try)) and not (
                    _is_check(stmt, validators)):
                lines = {stmt.lineno}  # the header; the body's statements count themselves
                inner = [s for field in ("body", "orelse", "finalbody") for s in
                         getattr(stmt, field, [])]
                for s in inner:
                    n_code, n_check = _count_stmt(s, validators)
                    code += n_code
                    checks += n_check
            n = len(lines)
            code += n
            if _is_check(stmt, validators):
                checks += n
    return code, checks, contract


def _count_stmt(stmt, validators):
    if isinstance(stmt, (ast.FunctionDef, ast.ClassDef)):
        return 0, 0
    if isinstance(stmt, (ast.For, ast.While, ast.If, ast.With, ast.Try)) and not _is_check(
            stmt, validators):
        code, checks = 1, 0
        for field in ("body", "orelse", "finalbody"):
            for s in getattr(stmt, field, []):
                c, k = _count_stmt(s, validators)
                code, checks = code + c, checks + k
        return code, checks
    n = len({n.lineno for n in ast.walk(stmt) if hasattr(n, "lineno")})
    return n, n if _is_check(stmt, validators) else 0


def shown_objects():
    """(notebook, expression) of every show_source call in the notebook sources."""
    calls = []
    for path in sorted((ROOT / "notebooks" / "src").glob("*.py")):
        for m in re.finditer(r"^show_source\((.+)\)\s*$", path.read_text(), re.M):
            calls.append((path.stem, m.group(1)))
    return calls


def _resolve(notebook, expr):
    """Evaluate ``module.name`` or an alias used in the notebook (``G.relu_features``)."""
    tree = ast.parse((ROOT / "notebooks" / "src" / f"{notebook}.py").read_text())
    env = {}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and "dlcore" in ast.unparse(node):
            exec(ast.unparse(node), env)  # noqa: S102 - the notebook's own import lines
    return eval(expr, env)  # noqa: S307


def main():
    modules = sorted((ROOT / "dlcore").rglob("*.py"))
    sizes = sorted(((len(p.read_text().splitlines()), p.relative_to(ROOT).as_posix())
                    for p in modules), reverse=True)
    print(f"dlcore: {len(sizes)} modules, {sum(s for s, _ in sizes)} lines; "
          f"median {sorted(s for s, _ in sizes)[len(sizes) // 2]}, longest:")
    for n, name in sizes[:8]:
        print(f"  {n:5d}  {name}")
    calls = shown_objects()
    code = checks = contract = 0
    rows = []
    for nb, expr in calls:
        try:
            obj = _resolve(nb, expr)
        except Exception as err:  # noqa: BLE001 - report and go on
            print(f"  could not resolve {nb}: {expr} ({err})")
            continue
        c, k, d = count_lines(obj)
        code, checks, contract = code + c, checks + k, contract + d
        rows.append((k / max(c, 1), nb, expr, c, k, d))
    print(f"show_source: {len(calls)} calls; shown code lines {code}, of them argument checks "
          f"{checks} ({100 * checks / max(code, 1):.0f}%); contract (decorator) lines {contract}")
    for share, nb, expr, c, k, d in sorted(rows, reverse=True)[:10]:
        print(f"  {100 * share:4.0f}%  {k:3d}/{c:3d} (+{d})  {nb}: {expr}")
    nbs = sorted((ROOT / "notebooks").glob("*.ipynb"))
    total = sum(p.stat().st_size for p in nbs)
    print(f"notebooks: {len(nbs)} files, {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
