"""`cxhub submit` hands intake each body as written in the file, so hostile files get answers."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from cxhub.cli import main
from cxhub.cli_intake import submission_texts
from tests.e2e.cli_env import isolated  # noqa: F401  (autouse fixture)
from tests.factories import body


def test_each_item_of_an_array_is_its_own_text_and_lines_split_only_when_not_one_value():
    """An array gives its items' own text; one object is one body; JSON Lines split per line."""
    assert submission_texts('[ {"a": 1} ,\n{"b": [2, 3]} ]') == ['{"a": 1}', '{"b": [2, 3]}']
    assert submission_texts("[]") == []
    assert submission_texts('{"a": 1}') == ['{"a": 1}']
    assert submission_texts('{"a": 1}\n\n{"b": 2}\n') == ['{"a": 1}', '{"b": 2}']
    assert submission_texts('[{"a": 1}] trailing') == ['[{"a": 1}] trailing']
    deep = "[" * 100_000 + "]" * 100_000
    assert submission_texts(deep) == [deep]


def test_a_file_of_hostile_bodies_accepts_the_good_ones_and_rejects_the_rest_with_reasons(capsys, tmp_path):
    """A 5,000-digit number, a lone surrogate, NaN and 30,000-deep nesting: the good bodies are
    accepted (the surrogate replaced), the rest rejected with a reason and kept in Rejected, with no
    traceback (the nesting and the number ended `cxhub submit` in RecursionError and ValueError)."""
    good = json.dumps(body())
    number = json.dumps(body({"company_name": "Acme"})).replace('"Acme"', "1" + "0" * 5000)
    surrogate = json.dumps(body({"company_name": "Acme \ud800"}), ensure_ascii=True)
    nan_body = body()
    nan = json.dumps(nan_body).replace(json.dumps(nan_body["responseId"]), "NaN")
    (tmp_path / "subs.json").write_text(f"[{good}, {number}, {surrogate}, {nan}]")
    (tmp_path / "deep.json").write_text("[" * 30_000 + "]" * 30_000)  # under the 64 KiB limit
    hub = tmp_path / "hub.xlsx"
    code = main(["submit", str(tmp_path / "subs.json"), "--hub", str(hub)])
    out = capsys.readouterr()
    assert code == 1 and "Traceback" not in out.err
    lines = [line for line in out.out.splitlines() if line.startswith("#")]
    assert [line.split()[1] for line in lines] == ["accepted", "rejected", "accepted", "rejected"], lines
    assert "company_name" in lines[1] and "responseId" in lines[3]
    code = main(["submit", str(tmp_path / "deep.json"), "--hub", str(hub)])
    out = capsys.readouterr()
    assert code == 1 and "Traceback" not in out.err and " rejected " in out.out
    rejected = load_workbook(hub, read_only=True)["Rejected"]
    assert rejected.max_row - 1 == 3  # the number, the NaN and the deep body, each kept
