"""The cxhub command refuses bad arguments and unreadable files in one line, never a traceback."""

from __future__ import annotations

import socket

import pytest

from cxhub.cli import main
from tests.e2e.cli_env import isolated  # noqa: F401  (autouse fixture)


def run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def test_serve_on_a_port_another_program_holds_says_so(capsys, tmp_path):
    """`cxhub serve --port N` with N taken: exit 2 and "cannot listen on 127.0.0.1:N" (was a traceback)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = run(capsys, "serve", "--port", port, "--hub", tmp_path / "hub.xlsx")
    assert code == 2 and err.strip() == f"cxhub: cannot listen on 127.0.0.1:{port}: Address already in use"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("serve", "--port", "99999"), "'99999' is not a port (0 to 65535)"),
        (("serve", "--port", "-1"), "'-1' is not a port"),
        (("demo", "--count", "0"), "'0' is not a whole number above zero"),
        (("demo", "--count", "-3"), "'-3' is not a whole number above zero"),
    ],
)
def test_a_port_or_a_count_out_of_range_is_a_usage_error(capsys, args, says):
    """A port above 65535 (an OverflowError traceback before) or a demo of no submissions: usage, exit 2."""
    with pytest.raises(SystemExit) as stopped:
        main(list(args))
    assert stopped.value.code == 2 and says in capsys.readouterr().err


def test_a_forms_workbook_that_is_not_an_xlsx_is_named_and_nothing_is_queued(capsys, tmp_path):
    """poll-forms on a file that is not a workbook: exit 2, one line saying so; the queue stays empty."""
    bad = tmp_path / "responses.xlsx"
    bad.write_bytes(b"PK\x03\x04 this was cut short")
    code, err = run(capsys, "poll-forms", "--workbook", bad, "--hub", tmp_path / "hub.xlsx")
    assert code == 2 and err.startswith("cxhub: the Forms workbook is not a readable .xlsx")
    assert "Traceback" not in err
    assert main(["drain", "--hub", str(tmp_path / "hub.xlsx")]) == 0
    assert "0 recorded, 0 already recorded, 0 rejected" in capsys.readouterr().out


def test_a_feedback_workbook_without_an_id_column_is_refused_before_any_report_is_written(capsys, tmp_path):
    """report pilot --feedback on a sheet no Form wrote: exit 2, why, and no report files."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Name", "How useful is the hub?"])
    book.save(tmp_path / "feedback.xlsx")
    main(["init", "--hub", str(tmp_path / "hub.xlsx")])
    capsys.readouterr()
    out = tmp_path / "report"
    code, err = run(
        capsys, "report", "pilot", "--from", "2026-11-01", "--to", "2026-11-30",
        "--hub", tmp_path / "hub.xlsx", "--out", out, "--feedback", tmp_path / "feedback.xlsx",
    )  # fmt: skip
    assert code == 2 and "no sheet of the Forms workbook has an ID column" in err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("name", ["missing.xlsx", "hub.json"])
def test_upgrade_hub_on_no_hub_or_a_file_that_is_not_one_says_so_and_starts_nothing(capsys, tmp_path, name):
    """No hub, or a .json given as the hub: exit 4 "the hub cannot be read", not "stopped part-way"
    (which told the admin to run it again) nor a traceback; no backup is made."""
    hub = tmp_path / name
    if name.endswith(".json"):
        hub.write_text("{}")
    code, err = run(capsys, "upgrade-hub", "--hub", hub)
    assert code == 4 and err.startswith("cxhub: the hub cannot be read:") and "part-way" not in err
    assert sorted(p.name for p in tmp_path.iterdir() if "backup" in p.name or "before" in p.name) == []


def test_the_health_job_on_a_corrupt_hub_says_the_hub_cannot_be_read(capsys, tmp_path):
    """`cxhub run health` times opening the hub: on a cut-short file, exit 4 and why (was a traceback)."""
    hub = tmp_path / "hub.xlsx"
    hub.write_bytes(b"PK\x03\x04 cut short")
    code, err = run(capsys, "run", "health", "--hub", hub)
    assert code == 4 and err.startswith("cxhub: the hub cannot be read: hub.xlsx is not a readable workbook")
