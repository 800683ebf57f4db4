"""Every test says in a sentence what behaviour it proves, so a failing test explains itself."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]


def collected_tests(source: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The test functions pytest collects from a module: top-level ones and those of Test classes."""
    tree = ast.parse(source)
    nodes: list[ast.stmt] = list(tree.body)
    nodes += [
        s for c in tree.body if isinstance(c, ast.ClassDef) and c.name.startswith("Test") for s in c.body
    ]
    return [
        n
        for n in nodes
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test")
    ]


def problems(source: str, where: str) -> list[str]:
    """One line per test in `source` that lacks a docstring or whose docstring is not a sentence."""
    out = []
    for test in collected_tests(source):
        doc = ast.get_docstring(test)
        if not doc:
            out.append(f"{where}:{test.lineno} {test.name}: no docstring saying what it proves")
        elif len(doc.split()) < 5 or not doc.rstrip().endswith((".", "?", "!")):
            out.append(f"{where}:{test.lineno} {test.name}: the docstring is not a sentence: {doc!r}")
    return out


def test_every_test_has_a_sentence_saying_what_it_proves():
    """Each test function in tests/**/test_*.py has a docstring of at least five words ending like a
    sentence, the house rule for honest tests."""
    modules = sorted((ROOT / "tests").glob("**/test_*.py"))
    assert len(modules) > 30  # the scan really finds the suite
    found = [p for m in modules for p in problems(m.read_text(encoding="utf-8"), str(m.relative_to(ROOT)))]
    assert not found, "tests without a sentence on what they prove:\n" + "\n".join(found)


def test_the_check_catches_a_missing_docstring_and_a_bare_label():
    """The scan reports a test without a docstring and one whose docstring is a bare label, checks the
    methods of Test classes, and leaves helpers alone."""
    sample = (
        "def helper():\n    pass\n\n"
        "def test_no_doc():\n    assert True\n\n"
        "def test_label():\n    '''Label'''\n\n"
        "class TestGroup:\n"
        "    def test_method(self):\n        '''The method proves a thing here.'''\n\n"
        "    def test_bare(self):\n        pass\n"
    )
    assert [p.split(" ", 1)[1] for p in problems(sample, "sample.py")] == [
        "test_no_doc: no docstring saying what it proves",
        "test_label: the docstring is not a sentence: 'Label'",
        "test_bare: no docstring saying what it proves",
    ]
