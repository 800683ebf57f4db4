"""Number settings an admin mistypes are refused by name, never read as a guess or a traceback."""

from __future__ import annotations

import pytest

from cxhub.cli import main
from cxhub.settings import Settings, SettingsError


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CXHUB_WRITER_BATCH", "inf", "must be a number, not 'inf'"),
        ("CXHUB_WRITER_BATCH", "nan", "must be a number, not 'nan'"),
        ("CXHUB_WRITER_BATCH", "2.5", "must be a whole number, not '2.5'"),
        ("CXHUB_RETENTION_DAYS", "1e400", "must be a number, not '1e400'"),
        ("CXHUB_RESPONSE_HOURS", "nan", "must be a number, not 'nan'"),
        ("CXHUB_ERP_MAX_ROWS", "1e400", "must be a number, not '1e400'"),
        ("CXHUB_ERP_MAX_ROWS", "1000.5", "must be a whole number"),
        ("CXHUB_ERP_MAX_FILE_MB", "inf", "must be a number, not 'inf'"),
        ("CXHUB_DUP_MAX_BLOCK", "-inf", "must be a number, not '-inf'"),
    ],
)
def test_a_number_setting_that_is_not_a_finite_number_or_not_whole_is_refused(name, value, says):
    """inf, nan and 1e400 (which overflowed int() into a traceback) and a fractional count are errors."""
    with pytest.raises(SettingsError, match=f"{name} {says}"):
        Settings.from_env({name: value})


def test_a_whole_count_written_with_a_decimal_point_still_counts():
    """CXHUB_WRITER_BATCH=3.0 is three messages a batch; fractional limits in MB stay fractional."""
    settings = Settings.from_env({"CXHUB_WRITER_BATCH": "3.0", "CXHUB_ERP_MAX_FILE_MB": "2.5"})
    assert settings.batch_size == 3 and settings.erp_limits.max_file_mb == 2.5


def test_the_cli_names_the_bad_setting_and_exits_2_without_a_traceback(monkeypatch, tmp_path, capsys):
    """`cxhub drain` with CXHUB_WRITER_BATCH=inf says which setting is wrong on one line, exit 2."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CXHUB_WRITER_BATCH", "inf")
    code = main(["drain", "--hub", str(tmp_path / "hub.xlsx")])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == "cxhub: CXHUB_WRITER_BATCH must be a number, not 'inf'"
    assert not (tmp_path / "hub.xlsx").exists()
