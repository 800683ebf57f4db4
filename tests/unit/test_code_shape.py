"""The code stays readable in the small: no module in hub/ over 500 lines, and no function in the
product code harder to follow than radon's grade C (cyclomatic complexity at most 20), except the
few named below with the reason each one is allowed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from radon.complexity import cc_visit
from radon.visitors import Class

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("hub", "hub_schema", "cxhub", "graph", "local", "cloud", "functions")
MAX_MODULE_LINES = 500
MAX_COMPLEXITY = 20  # radon grade C is 11-20

# {"package/module.py:Qualified.name": "why it is allowed"}; a new entry needs a reason a reviewer
# would accept, and each one here is a debt to pay back.
COMPLEXITY_ALLOWED: dict[str, str] = {}


def _python_files(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def _complexity(path: Path, root: Path = ROOT) -> list[tuple[str, int]]:
    """(module:qualified name, complexity) of every function, method and closure in `path`."""
    out = []
    relative = path.relative_to(root).as_posix()
    for block in cc_visit(path.read_text(encoding="utf-8")):
        methods = block.methods if isinstance(block, Class) else []
        for b in (block, *methods):
            if isinstance(b, Class):
                continue  # a class's figure is the sum of its methods, each checked on its own
            name = f"{b.classname}.{b.name}" if getattr(b, "classname", None) else b.name
            out.append((f"{relative}:{name}", b.complexity))
            out += [(f"{relative}:{name}.{c.name}", c.complexity) for c in b.closures]
    return out


@cache
def _product_scores() -> tuple[tuple[str, int], ...]:
    """Every product function's complexity, measured once per run (radon over every module costs
    ~1 CPU-s; two tests read it)."""
    return tuple(name_score for path in _python_files(*PRODUCT) for name_score in _complexity(path))


def test_no_module_in_hub_is_over_500_lines():
    """A module of hub/ that grows past 500 lines fails here, naming the module and its length."""
    too_long = {
        p.relative_to(ROOT).as_posix(): n
        for p in _python_files("hub")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def test_no_function_in_the_product_code_is_worse_than_grade_c():
    """A function or method with cyclomatic complexity above 20 fails here unless allowed by name."""
    too_complex = {
        name: score
        for name, score in _product_scores()
        if score > MAX_COMPLEXITY and name not in COMPLEXITY_ALLOWED
    }
    assert too_complex == {}


def test_every_allowed_exception_is_still_needed_and_has_a_reason():
    """An allow-list entry whose function is gone or simple again, or that gives no reason, fails."""
    scores = dict(_product_scores())
    stale = [name for name in COMPLEXITY_ALLOWED if scores.get(name, 0) <= MAX_COMPLEXITY]
    unexplained = [name for name, reason in COMPLEXITY_ALLOWED.items() if not reason.strip()]
    assert (stale, unexplained) == ([], [])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(x):\n" + "".join(f"    if x == {i}:\n        return {i}\n" for i in range(21)), 22),
        ("def f(x):\n    return x\n", 1),
    ],
)
def test_the_complexity_measure_counts_branches(tmp_path, source, expected):
    """The measure the shape test relies on sees each branch: 21 ifs score 22, a plain return 1."""
    module = tmp_path / "m.py"
    module.write_text(source, encoding="utf-8")
    assert _complexity(module, tmp_path) == [("m.py:f", expected)]
