"""Build an importable Power Platform solution zip from flows/submissions-flow.json.

    python flows/build_solution.py [--out dist/CXHubSubmissions_1_0_0_0.zip]

The layout follows solutions exported by Power Apps (Solutions > Export, unmanaged): at the zip's
root `[Content_Types].xml`, `solution.xml` (the manifest: publisher, version, root components),
`customizations.xml` (the cloud flow's <Workflow> entry and the <connectionreferences>), the flow
under `Workflows/<Name>-<GUID>.json` as `{"properties": {"connectionReferences", "definition"},
"schemaVersion"}`, and one `environmentvariabledefinitions/<schema>/environmentvariabledefinition.xml`
per environment variable. The flow's own parameters (function URL, key, form id) become those
environment variables, referenced in the definition as parameters carrying metadata.schemaName,
and the Forms connection becomes a connection reference picked at import. flows/README.md names
the public exported solutions the layout was checked against.

The build is deterministic (fixed GUIDs derived from names, fixed zip timestamps): the same flow
gives the same bytes, so the zip can be rebuilt in CI and compared.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "submissions-flow.json"
UNIQUE_NAME = "CXHubSubmissions"
DISPLAY_NAME = "CX Hub: Forms submissions"
VERSION = "1.0.0.0"
PUBLISHER = ("cxhub", "CX Hub", "cxhub", 72_931)  # unique name, display name, prefix, option prefix
FLOW_NAME = "CX Hub - Forms submissions to intake"
NAMESPACE = uuid.UUID("6f1b8f0e-3c1e-4d8e-9b0a-0c8a1d2e3f40")  # GUIDs below are uuid5 of names in it
FORMS_API = "shared_microsoftforms"
FORMS_REFERENCE = "cxhub_sharedmicrosoftforms"
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
TEXT = 100000000  # environmentvariabledefinition type: Text
DESCRIPTION = "Sends each response of the CX Hub Form to the CX Hub intake function."
ROOT_ATTRIBUTES = (
    'version="9.2.25061.218" SolutionPackageVersion="9.2" languagecode="1033" generatedBy="CrmLive" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)


@dataclass(frozen=True)
class Variable:
    parameter: str  # the parameter's name in submissions-flow.json
    schema: str
    display: str
    description: str


VARIABLES = (
    Variable(
        "cxhubFunctionAppUrl",
        "cxhub_FunctionAppUrl",
        "CX Hub Function App URL",
        "The Function App's address with https:// and no trailing slash.",
    ),
    Variable(
        "cxhubFunctionKey",
        "cxhub_FunctionKey",
        "CX Hub submissions function key",
        "A function key of the 'submissions' function, sent as x-functions-key.",
    ),
    Variable(
        "cxhubFormId",
        "cxhub_FormId",
        "CX Hub Form id",
        "The id of the 'Log a customer interaction' Form.",
    ),
)


def _guid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def workflow_id() -> str:
    return _guid("workflow:" + FLOW_NAME)


def flow_file_name() -> str:
    return f"{re.sub(r'[^A-Za-z0-9]', '', FLOW_NAME)}-{workflow_id().upper()}.json"


def _parameter_name(variable: Variable) -> str:
    # How the designer names an environment variable's parameter: "Display name (schema)".
    return f"{variable.display} ({variable.schema})"


def workflow_json(definition: dict[str, Any]) -> dict[str, Any]:
    """The flow as a solution stores it: environment variables for its parameters, the Forms
    connection through a connection reference."""
    out = copy.deepcopy(definition)
    params = out["parameters"]
    text = json.dumps(out)
    for variable in VARIABLES:
        if variable.parameter not in params:
            raise SystemExit(f"{SOURCE.name} has no parameter {variable.parameter}")
        text = text.replace(
            f"parameters('{variable.parameter}')", f"parameters('{_parameter_name(variable)}')"
        )
    out = json.loads(text)
    for variable in VARIABLES:
        old = out["parameters"].pop(variable.parameter)
        out["parameters"][_parameter_name(variable)] = {
            "defaultValue": "",
            "type": "String",  # the environment variable carries the value (a SecureString cannot)
            "metadata": {
                "schemaName": variable.schema,
                "description": old.get("metadata", {}).get("description", ""),
            },
        }
    return {
        "properties": {
            "connectionReferences": {
                FORMS_API: {
                    "runtimeSource": "embedded",
                    "connection": {"connectionReferenceLogicalName": FORMS_REFERENCE},
                    "api": {"name": FORMS_API},
                }
            },
            "definition": out,
            "templateName": "",
        },
        "schemaVersion": "1.0.0.0",
    }


def solution_xml() -> str:
    unique, display, prefix, option_prefix = PUBLISHER
    roots = [f'      <RootComponent type="29" id="{{{workflow_id()}}}" behavior="0" />']
    roots += [f'      <RootComponent type="380" schemaName="{v.schema}" behavior="0" />' for v in VARIABLES]
    return f"""<ImportExportXml {ROOT_ATTRIBUTES}>
  <SolutionManifest>
    <UniqueName>{UNIQUE_NAME}</UniqueName>
    <LocalizedNames>
      <LocalizedName description={quoteattr(DISPLAY_NAME)} languagecode="1033" />
    </LocalizedNames>
    <Descriptions>
      <Description description={quoteattr(DESCRIPTION)} languagecode="1033" />
    </Descriptions>
    <Version>{VERSION}</Version>
    <Managed>0</Managed>
    <Publisher>
      <UniqueName>{unique}</UniqueName>
      <LocalizedNames>
        <LocalizedName description={quoteattr(display)} languagecode="1033" />
      </LocalizedNames>
      <Descriptions />
      <EMailAddress xsi:nil="true"></EMailAddress>
      <SupportingWebsiteUrl xsi:nil="true"></SupportingWebsiteUrl>
      <CustomizationPrefix>{prefix}</CustomizationPrefix>
      <CustomizationOptionValuePrefix>{option_prefix}</CustomizationOptionValuePrefix>
      <Addresses />
    </Publisher>
    <RootComponents>
{chr(10).join(roots)}
    </RootComponents>
    <MissingDependencies />
  </SolutionManifest>
</ImportExportXml>
"""


def customizations_xml() -> str:
    return f"""<ImportExportXml xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Entities />
  <Roles />
  <Workflows>
    <Workflow WorkflowId="{{{workflow_id()}}}" Name={quoteattr(FLOW_NAME)}>
      <JsonFileName>/Workflows/{flow_file_name()}</JsonFileName>
      <Type>1</Type>
      <Subprocess>0</Subprocess>
      <Category>5</Category>
      <Mode>0</Mode>
      <Scope>4</Scope>
      <OnDemand>0</OnDemand>
      <TriggerOnCreate>0</TriggerOnCreate>
      <TriggerOnDelete>0</TriggerOnDelete>
      <AsyncAutodelete>0</AsyncAutodelete>
      <SyncWorkflowLogOnFailure>0</SyncWorkflowLogOnFailure>
      <StateCode>0</StateCode>
      <StatusCode>1</StatusCode>
      <RunAs>1</RunAs>
      <IsTransacted>1</IsTransacted>
      <IntroducedVersion>{VERSION}</IntroducedVersion>
      <IsCustomizable>1</IsCustomizable>
      <BusinessProcessType>0</BusinessProcessType>
      <IsCustomProcessingStepAllowedForOtherPublishers>1</IsCustomProcessingStepAllowedForOtherPublishers>
      <PrimaryEntity>none</PrimaryEntity>
      <LocalizedNames>
        <LocalizedName languagecode="1033" description={quoteattr(FLOW_NAME)} />
      </LocalizedNames>
    </Workflow>
  </Workflows>
  <FieldSecurityProfiles />
  <Templates />
  <EntityMaps />
  <EntityRelationships />
  <OrganizationSettings />
  <optionsets />
  <CustomControls />
  <EntityDataProviders />
  <connectionreferences>
    <connectionreference connectionreferencelogicalname="{FORMS_REFERENCE}">
      <connectionreferencedisplayname>CX Hub Microsoft Forms</connectionreferencedisplayname>
      <connectorid>/providers/Microsoft.PowerApps/apis/{FORMS_API}</connectorid>
      <iscustomizable>1</iscustomizable>
      <promptingbehavior>0</promptingbehavior>
      <statecode>0</statecode>
      <statuscode>1</statuscode>
    </connectionreference>
  </connectionreferences>
  <Languages>
    <Language>1033</Language>
  </Languages>
</ImportExportXml>
"""


def variable_xml(variable: Variable) -> str:
    return f"""<environmentvariabledefinition schemaname="{variable.schema}">
  <description default={quoteattr(variable.description)}>
    <label description={quoteattr(variable.description)} languagecode="1033" />
  </description>
  <displayname default={quoteattr(variable.display)}>
    <label description={quoteattr(variable.display)} languagecode="1033" />
  </displayname>
  <introducedversion>{VERSION}</introducedversion>
  <iscustomizable>1</iscustomizable>
  <isrequired>1</isrequired>
  <secretstore>0</secretstore>
  <type>{TEXT}</type>
</environmentvariabledefinition>
"""


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/octet-stream" />'
    '<Default Extension="json" ContentType="application/octet-stream" />'
    "</Types>"
)


def entries(definition: dict[str, Any] | None = None) -> dict[str, bytes]:
    """Every file of the solution, by its path in the zip."""
    source = definition if definition is not None else json.loads(SOURCE.read_text("utf-8"))
    files = {
        "[Content_Types].xml": CONTENT_TYPES,
        "solution.xml": solution_xml(),
        "customizations.xml": customizations_xml(),
        f"Workflows/{flow_file_name()}": json.dumps(workflow_json(source), indent=2, ensure_ascii=False),
    }
    for variable in VARIABLES:
        files[f"environmentvariabledefinitions/{variable.schema}/environmentvariabledefinition.xml"] = (
            variable_xml(variable)
        )
    return {name: text.encode("utf-8") for name, text in files.items()}


def build(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries().items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = HERE.parent / "dist" / f"{UNIQUE_NAME}_{VERSION.replace('.', '_')}.zip"
    parser.add_argument("--out", type=Path, default=default)
    args = parser.parse_args(argv)
    print(f"Wrote {build(args.out)} ({escape(DISPLAY_NAME)}, version {VERSION})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
