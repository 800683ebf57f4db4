"""Deployment files stay in step with the project."""

import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_requirements_txt_matches_pyproject_dependencies():
    """requirements.txt (what the Functions deployment installs) lists exactly pyproject's dependencies with
    the same ranges."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line and not line.startswith("#")] == deps


def test_local_settings_sample_names_every_setting_the_settings_module_reads():
    """Every setting cxhub/settings.py reads is named in local.settings.sample.json."""
    import re

    source = (ROOT / "cxhub" / "settings.py").read_text()
    read = set(re.findall(r'get\(\s*"([A-Za-z_]+)"', source)) | set(
        re.findall(r'_number\(get, "([A-Z_]+)"', source)
    )
    sample = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]
    assert read, "no settings found: the pattern above is out of date"
    assert read - {"FUNCTIONS_WORKER_RUNTIME"} <= set(sample)
    schedules = set()
    for path in (ROOT / "functions").glob("*.py"):
        schedules |= set(re.findall(r'schedule="%([A-Z_]+)%"', path.read_text()))
    assert len(schedules) >= 9 and schedules <= set(sample)


def test_host_json_keeps_queue_messages_base64_as_the_storage_adapter_expects():
    """host.json keeps queue messages base64-encoded, as the Storage queue adapter reads them, and uses the
    standard extension bundle."""
    host = json.loads((ROOT / "host.json").read_text())
    assert host["extensions"]["queues"]["messageEncoding"] == "base64"
    assert host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
