"""The Power Automate flow as a Power Platform solution zip: built from flows/submissions-flow.json
by flows/build_solution.py, laid out as Power Apps exports solutions (see flows/README.md)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "flows" / "build_solution.py"


def build(folder: Path) -> Path:
    out = folder / "CXHubSubmissions.zip"
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The solution zip, built once for this module by the script a maker runs."""
    return build(tmp_path_factory.mktemp("solution"))


def test_the_solution_zip_has_the_exported_solution_layout(built):
    """[Content_Types].xml, solution.xml and customizations.xml at the root, the flow under
    Workflows/, one folder per environment variable; nothing else."""
    names = set(zipfile.ZipFile(built).namelist())
    flows = [n for n in names if n.startswith("Workflows/")]
    variables = sorted(n for n in names if n.startswith("environmentvariabledefinitions/"))
    assert {"[Content_Types].xml", "solution.xml", "customizations.xml"} <= names
    assert len(flows) == 1 and re.fullmatch(r"Workflows/[A-Za-z0-9]+-[0-9A-F-]{36}\.json", flows[0])
    assert variables == [
        f"environmentvariabledefinitions/{s}/environmentvariabledefinition.xml"
        for s in ("cxhub_FormId", "cxhub_FunctionAppUrl", "cxhub_FunctionKey")
    ]
    assert len(names) == 3 + 1 + 3


def test_manifest_customizations_and_flow_point_at_each_other(built):
    """The root components name the workflow and each environment variable; customizations.xml
    gives the workflow's JSON file (present in the zip) and a Forms connection reference that the
    flow's connectionReferences use; every parameter the flow uses is declared, each environment
    variable parameter carrying its schema name."""
    archive = zipfile.ZipFile(built)
    manifest = ElementTree.fromstring(archive.read("solution.xml"))
    assert manifest.findtext("SolutionManifest/Managed") == "0"
    roots = manifest.findall("SolutionManifest/RootComponents/RootComponent")
    (workflow_root,) = [r for r in roots if r.get("type") == "29"]
    variable_roots = {r.get("schemaName") for r in roots if r.get("type") == "380"}
    custom = ElementTree.fromstring(archive.read("customizations.xml"))
    (workflow,) = custom.findall("Workflows/Workflow")
    assert workflow.get("WorkflowId") == workflow_root.get("id")
    assert workflow.findtext("Category") == "5"  # a modern (cloud) flow
    flow_path = workflow.findtext("JsonFileName").lstrip("/")
    flow = json.loads(archive.read(flow_path))
    (reference,) = custom.findall("connectionreferences/connectionreference")
    assert reference.findtext("connectorid") == "/providers/Microsoft.PowerApps/apis/shared_microsoftforms"
    (connection,) = flow["properties"]["connectionReferences"].values()
    assert connection["connection"]["connectionReferenceLogicalName"] == reference.get(
        "connectionreferencelogicalname"
    )
    definition = flow["properties"]["definition"]
    trigger = next(iter(definition["triggers"].values()))
    assert trigger["inputs"]["host"]["connectionName"] in flow["properties"]["connectionReferences"]
    used = set(re.findall(r"parameters\('([^']+)'\)", json.dumps(definition)))
    assert used <= set(definition["parameters"])
    schemas = {
        p["metadata"]["schemaName"]
        for p in definition["parameters"].values()
        if "schemaName" in p.get("metadata", {})
    }
    assert schemas == variable_roots
    for schema in schemas:
        path = f"environmentvariabledefinitions/{schema}/environmentvariabledefinition.xml"
        assert ElementTree.fromstring(archive.read(path)).get("schemaname") == schema


def test_the_flow_inside_is_the_repository_flow(built, tmp_path):
    """Same trigger and actions as flows/submissions-flow.json, parameters renamed to the
    environment variables; the build gives the same bytes twice."""
    source = json.loads((ROOT / "flows" / "submissions-flow.json").read_text("utf-8"))
    archive = zipfile.ZipFile(built)
    flow_name = next(n for n in archive.namelist() if n.startswith("Workflows/"))
    definition = json.loads(archive.read(flow_name))["properties"]["definition"]
    assert set(definition["actions"]) == set(source["actions"])
    assert definition["triggers"].keys() == source["triggers"].keys()
    assert not re.search(r"parameters\('cxhub(FunctionAppUrl|FunctionKey|FormId)'\)", json.dumps(definition))
    uri = definition["actions"]["Send_to_CX_Hub"]["inputs"]["uri"]
    assert uri == "@{parameters('CX Hub Function App URL (cxhub_FunctionAppUrl)')}/api/submissions"
    assert build(tmp_path).read_bytes() == built.read_bytes()
