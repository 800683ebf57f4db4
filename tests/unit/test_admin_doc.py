"""docs/ADMIN.md stays true: every setting is in its table, every command it names exists."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
ADMIN = (ROOT / "docs" / "ADMIN.md").read_text("utf-8")
NEW_SETTINGS = {"CXHUB_RETENTION_DAYS", "PURGE_SCHEDULE", "OPS_DIGEST_SCHEDULE"}
BEING_ADDED = {"grant-site"}  # written alongside this guide; documented ahead of the CLI


def section(heading_start: str) -> str:
    """The text of the `## <heading_start>...` section, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(heading_start)}.*?$(.*?)(?=^## |\Z)", ADMIN, re.M | re.S)
    assert match, f"docs/ADMIN.md has no '## {heading_start}' section"
    return match[1]


def settings_table_names() -> list[str]:
    """The setting named in the first cell of each row of the settings table."""
    names = []
    for line in section("12.").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if cells and (m := re.fullmatch(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[0])):
            names.append(m[1])
    return names


def cli_commands() -> set[str]:
    source = (ROOT / "cxhub" / "cli.py").read_text("utf-8")
    commands = set(re.findall(r'sub\.add_parser\(\s*"([^"]+)"', source))
    assert {"init", "provision", "login", "doctor", "run"} <= commands, "add_parser pattern out of date"
    return commands


def test_every_sample_setting_and_the_new_ones_are_in_the_settings_table():
    """Every setting in local.settings.sample.json, and each newly added one, is in the settings table of
    docs/ADMIN.md."""
    sample = set(json.loads((ROOT / "local.settings.sample.json").read_text("utf-8"))["Values"])
    documented = set(settings_table_names())
    missing = (sample | NEW_SETTINGS) - documented
    assert not missing, f"settings missing from docs/ADMIN.md §12: {sorted(missing)}"


def test_each_setting_has_one_row_with_a_default_a_source_and_a_meaning():
    """Each setting appears once in the ADMIN.md table with a default, a known source (Bicep, Key Vault, azd
    or local) and a meaning."""
    names = settings_table_names()
    assert len(names) == len(set(names)), "a setting is listed twice"
    rows = [line for line in section("12.").splitlines() if re.match(r"\|\s*`[A-Za-z_]", line)]
    for row in rows:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        assert len(cells) == 4 and all(cells), f"row needs setting | default | from | meaning: {row}"
        assert cells[2] in {"Bicep", "Key Vault", "azd", "local"}, f"unknown source in: {row}"


def test_secrets_are_never_plain_app_settings():
    """The ADMIN.md table gives the client and intake secrets Key Vault as their source, never a plain app
    setting."""
    rows = {
        c[0].strip("`"): c
        for line in section("12.").splitlines()
        if (c := [x.strip() for x in line.strip().strip("|").split("|")]) and c[0].startswith("`")
    }
    for secret in ("CXHUB_CLIENT_SECRET", "CXHUB_INTAKE_SECRET"):
        assert rows[secret][2] == "Key Vault"


def test_every_cxhub_command_in_the_guide_exists():
    """Every cxhub command named in docs/ADMIN.md exists in the CLI."""
    mentioned = set(re.findall(r"\bcxhub ([a-z][a-z-]*)", ADMIN))
    assert mentioned, "the guide names no cxhub command"
    unknown = mentioned - cli_commands() - BEING_ADDED
    assert not unknown, f"docs/ADMIN.md names commands the CLI does not have: {sorted(unknown)}"


def test_the_guide_covers_the_steps_in_order():
    """docs/ADMIN.md's numbered sections run 1 to 12 without gaps."""
    headings = re.findall(r"^## (\d+)\. ", ADMIN, re.M)
    assert headings == [str(n) for n in range(1, 14)]
