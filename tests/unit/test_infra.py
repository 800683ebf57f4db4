"""The `azd up` files (azure.yaml, infra/) stay in step with the code, structurally.

These are offline checks only. No Bicep compiler can be installed here: the official Bicep CLI
is downloaded from GitHub (by `az bicep install` or the release page), which is out of reach, and
PyPI, npm and Debian do not carry it. So instead of `bicep build` these tests read the files:
every setting the code reads is set, every timer schedule is set (in UTC, with its Lagos time
beside it), nothing secret is committed, brackets balance, module paths exist, azure.yaml has the
expected shape (read with a tiny reader: PyYAML is not a dependency), and the Python runtime is
the version the project tests on. Run `bicep build infra/main.bicep` (or `azd provision
--preview`) wherever the CLI is available for the compiler's own checks.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
INFRA = ROOT / "infra"
MAIN = INFRA / "main.bicep"
API = INFRA / "app" / "api.bicep"
PARAMETERS = INFRA / "main.parameters.json"
SAMPLE = ROOT / "local.settings.sample.json"

# Settings of local.settings.sample.json that Azure gets in another form (see infra/app/api.bicep).
REPLACED = {
    "FUNCTIONS_WORKER_RUNTIME": "functionAppConfig.runtime",
    "AzureWebJobsStorage": "AzureWebJobsStorage__accountName/__credential/__clientId",
}
# Settings being added to the code now; infra carries them already.
NEW_SETTINGS = {
    "PURGE_SCHEDULE": "0 0 2 * * *",
    "OPS_DIGEST_SCHEDULE": "0 30 6 * * *",
    "CXHUB_RETENTION_DAYS": "90",
}
# Fixed or derived in Azure rather than parameters (infra/app/api.bicep, platformSettings).
DERIVED = {
    "CXHUB_QUEUE",
    "CXHUB_BACKEND",
    "CXHUB_STORAGE_CONNECTION",
    "CXHUB_INTAKE_SECRET",
    "CXHUB_CLIENT_SECRET",
    "CXHUB_MANAGED_IDENTITY_CLIENT_ID",
    "CXHUB_ACTION_KEY",
    "CXHUB_APP_SERVICE_AUTH",
}
KEY_VAULT_REFERENCED = {
    "CXHUB_STORAGE_CONNECTION",
    "CXHUB_INTAKE_SECRET",
    "CXHUB_CLIENT_SECRET",
    "CXHUB_ACTION_KEY",
}
# App settings Flex Consumption deprecates or replaces (functions-app-settings.md,
# "Flex Consumption plan deprecations"), plus the key-based host storage setting.
FORBIDDEN_SETTINGS = {
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_EXTENSION_VERSION",
    "FUNCTIONS_WORKER_RUNTIME_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTSHARE",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_TIME_ZONE",
    "AzureWebJobsStorage",
}
# Built-in Azure role definition ids (public, the same in every tenant) - the only GUIDs allowed.
ROLE_DEFINITION_IDS = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "3913510d-42f4-4e42-8a64-420c390055eb": "Monitoring Metrics Publisher",
    "4633458b-17de-408a-b874-0445c86b69e6": "Key Vault Secrets User",
}
LAGOS_UTC_OFFSET = 1  # Africa/Lagos is UTC+1 all year (no daylight saving)


# --- tiny readers ----------------------------------------------------------------------------


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def infra_text_files() -> list[Path]:
    return [p for p in sorted(INFRA.rglob("*")) if p.is_file()] + [ROOT / "azure.yaml"]


def object_block(source: str, var_name: str) -> str:
    """The text between the braces of `var <var_name> = { ... }` (strings taken into account)."""
    match = re.search(rf"^var\s+{var_name}\s*=\s*\{{", source, re.M)
    assert match, f"var {var_name} not found"
    start = match.end()
    depth, i, in_string = 1, start, False
    while depth:
        ch = source[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == "'":
                in_string = False
        elif ch == "'":
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        i += 1
    return source[start : i - 1]


def object_keys(block: str) -> set[str]:
    """Top-level keys of a Bicep object literal whose entries sit one per line."""
    keys = set()
    depth = 0
    for line in block.splitlines():
        code = strip_line_comment(line)
        if depth == 0:
            match = re.match(r"\s*'?([A-Za-z_][A-Za-z0-9_]*)'?\s*:", code)
            if match:
                keys.add(match.group(1))
        depth += code.count("{") + code.count("[") - code.count("}") - code.count("]")
    return keys


def strip_line_comment(line: str) -> str:
    """The line without a trailing // comment outside a string."""
    in_string = False
    for i, ch in enumerate(line):
        if ch == "'":
            in_string = not in_string
        elif not in_string and line.startswith("//", i):
            return line[:i]
    return line


def app_settings() -> dict[str, str]:
    """Every app setting name the Bicep sets, with the raw Bicep expression of its value."""
    settings: dict[str, str] = {}
    for path, var in ((MAIN, "cxhubSettings"), (API, "platformSettings")):
        block = object_block(path.read_text(), var)
        for line in block.splitlines():
            match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.+)", strip_line_comment(line))
            if match:
                settings[match.group(1)] = match.group(2).strip()
        assert object_keys(block) <= settings.keys()
    return settings


def bicep_params(path: Path = MAIN) -> dict[str, dict]:
    """`param NAME type = default` declarations with their decorators and trailing comment."""
    lines = path.read_text().splitlines()
    params: dict[str, dict] = {}
    for index, line in enumerate(lines):
        match = re.match(r"param\s+(\w+)\s+(\w+)(?:\s*=\s*(.*))?$", line)
        if not match:
            continue
        name, kind, rest = match.groups()
        decorators = []
        j = index - 1
        # Decorators sit directly above; multi-line ones (@allowed([...]), @metadata({...}))
        # continue on indented lines and close on "])" or "})".
        while j >= 0 and lines[j] and not re.match(r"(?:param|var|resource|module|output)\b|//", lines[j]):
            decorators.append(lines[j])
            j -= 1
        default, comment = None, ""
        if rest is not None:
            code = strip_line_comment(rest)
            comment = rest[len(code) :].lstrip("/ ").strip()
            code = code.strip()
            default = code[1:-1] if code.startswith("'") and code.endswith("'") else code
        params[name] = {"type": kind, "default": default, "comment": comment, "decorators": decorators}
    return params


def sample_values() -> dict[str, str]:
    return json.loads(SAMPLE.read_text())["Values"]


def read_simple_yaml(text: str) -> dict:
    """A reader for the block-mapping subset of YAML azure.yaml uses: `key: value`, nesting by
    indentation, `#` comments. Anything else (lists, flow style, anchors) is rejected."""
    root: dict = {}
    stack: list[tuple[int, dict]] = [(-1, root)]
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        assert "\t" not in raw[: indent + 1], f"line {number}: tabs are not YAML indentation"
        match = re.fullmatch(r"([A-Za-z0-9_.-]+):(?:\s+(.*?))?\s*(?:#.*)?", raw.strip())
        assert match, f"line {number}: not a simple `key: value` line: {raw!r}"
        key, value = match.groups()
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        assert key not in parent, f"line {number}: duplicate key {key}"
        if value:
            assert not value.startswith(("[", "{", "&", "*", "|", ">")), f"line {number}: unsupported"
            parent[key] = value.strip("'\"")
        else:
            parent[key] = {}
            stack.append((indent, parent[key]))
    return root


# --- settings --------------------------------------------------------------------------------


def test_every_sample_setting_is_an_app_setting_or_in_its_replaced_form():
    """Every setting in local.settings.sample.json reaches the Function App from infra/, and storage is
    reached through the managed identity rather than a connection string."""
    settings = app_settings()
    for name in sample_values():
        if name in REPLACED:
            continue
        assert name in settings, f"{name} (local.settings.sample.json) is not set in infra/"
    assert "AzureWebJobsStorage" not in settings
    for part in ("accountName", "credential", "clientId"):
        assert f"AzureWebJobsStorage__{part}" in settings
    assert settings["AzureWebJobsStorage__credential"] == "'managedidentity'"


def test_worker_runtime_is_set_through_function_app_config_not_an_app_setting():
    """The Python runtime is declared in the Flex Consumption functionAppConfig, not as the
    FUNCTIONS_WORKER_RUNTIME setting that plan refuses."""
    api = API.read_text()
    assert "FUNCTIONS_WORKER_RUNTIME" not in app_settings()
    assert re.search(r"runtime:\s*\{\s*name:\s*'python'\s*version:\s*pythonVersion\s*\}", api)


def test_no_flex_consumption_deprecated_setting_is_sent():
    """None of the app settings Flex Consumption rejects as deprecated is sent by infra/."""
    assert not FORBIDDEN_SETTINGS & app_settings().keys()


def test_new_settings_are_carried_with_their_defaults():
    """Each setting added since the first deployment is an app setting whose Bicep parameter carries the
    code's default."""
    settings, params = app_settings(), bicep_params()
    for name, default in NEW_SETTINGS.items():
        assert name in settings
        assert params[name]["default"] == default


def test_each_setting_parameter_defaults_to_the_sample_value():
    """Every sample setting is a string parameter of main.bicep whose default equals the sample value, so azd
    up deploys what local runs use."""
    params, sample = bicep_params(), sample_values()
    for name, value in sample.items():
        if name in REPLACED or name in DERIVED:
            continue
        assert name in params, f"{name} should be a parameter of infra/main.bicep"
        assert params[name]["default"] == value, f"{name}: {params[name]['default']!r} != {value!r}"
        assert params[name]["type"] == "string"


def test_queue_and_backend_are_fixed_for_azure():
    """In Azure the queue is always the Storage queue and the hub is always reached through Graph."""
    settings = app_settings()
    assert settings["CXHUB_QUEUE"] == "'azure'"
    assert settings["CXHUB_BACKEND"] == "'graph'"


def test_secrets_reach_the_app_only_as_key_vault_references():
    """Secrets reach the app only as Key Vault references, and an optional secret that was not given becomes
    an empty setting, never a dangling reference."""
    settings = app_settings()
    for name in KEY_VAULT_REFERENCED:
        assert "@Microsoft.KeyVault(SecretUri=${" in settings[name], name
    # Optional secrets: an empty setting, never a reference to a secret that was not stored (an
    # unresolved reference reaches the app as non-empty text; docs/ADMIN.md: intake secret unset
    # = function key only, the Power Automate case).
    for name in ("CXHUB_INTAKE_SECRET", "CXHUB_CLIENT_SECRET", "CXHUB_ACTION_KEY"):
        assert settings[name].startswith("!empty(") and settings[name].endswith(": ''"), name
    for name in ("cxhubIntakeSecret", "cxhubClientSecret", "cxhubActionKey"):
        assert bicep_params()[name]["default"] == "", f"{name} is optional"
    assert "keyVaultReferenceIdentity: identityId" in API.read_text()


def test_managed_identity_settings_point_at_the_user_assigned_identity():
    """Graph, storage and telemetry all authenticate as the one user-assigned identity, which is off by
    default for local runs."""
    settings = app_settings()
    assert settings["CXHUB_MANAGED_IDENTITY_CLIENT_ID"] == "identityClientId"
    assert settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    telemetry = settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]
    assert "ClientId=${identityClientId};Authorization=AAD" in telemetry
    assert bicep_params()["CXHUB_USE_MANAGED_IDENTITY"]["default"] == "false"


def test_parameters_file_maps_every_parameter_to_an_azd_variable_with_the_same_default():
    """main.parameters.json only sets parameters main.bicep declares, each through an azd ${VAR} substitution
    with the same default."""
    declared = bicep_params()
    mapped = json.loads(PARAMETERS.read_text())["parameters"]
    assert mapped["environmentName"]["value"] == "${AZURE_ENV_NAME}"
    assert mapped["location"]["value"] == "${AZURE_LOCATION}"
    for name, entry in mapped.items():
        assert name in declared, f"main.parameters.json sets {name}, which main.bicep does not declare"
        value = entry["value"]
        match = re.fullmatch(r"\$\{([A-Z_][A-Z0-9_]*)(?:=([^}]*))?\}", value)
        assert match, f"{name}: every value is an azd ${{VAR}} substitution, never a literal: {value!r}"
        if name.isupper():  # the settings parameters are named as the setting
            variable, default = match.groups()
            assert variable == name
            assert (default or "") == (declared[name]["default"] or ""), name
    for name, spec in declared.items():
        if spec["default"] is None:  # required: azd must be able to fill it in
            assert name in mapped, f"required parameter {name} is not in main.parameters.json"
    for name in sample_values():
        if name not in REPLACED and name not in DERIVED:
            assert name in mapped, f"{name} cannot be set with `azd env set`"


# --- timer schedules -------------------------------------------------------------------------


def schedules_in_functions() -> set[str]:
    found = set()
    for path in sorted((ROOT / "functions").glob("*.py")):
        found |= set(re.findall(r'schedule="%([A-Za-z0-9_]+)%"', path.read_text()))
    return found


def test_every_timer_schedule_used_by_a_function_is_set():
    """Every %SCHEDULE% setting a timer function reads is set by infra/, so no timer fails to bind in
    Azure."""
    used = schedules_in_functions()
    assert used, 'no schedule="%...%" found in functions/*.py: the pattern is out of date'
    missing = used - app_settings().keys()
    assert not missing, f"schedules used in functions/ but not set in infra/: {sorted(missing)}"


def test_schedule_defaults_are_utc_with_the_lagos_time_beside_them():
    """Timer schedule defaults are six-field NCRONTAB in UTC, each commented with its Lagos time (or how often
    it runs)."""
    params = bicep_params()
    schedules = {n: p for n, p in params.items() if n.endswith("_SCHEDULE")}
    assert schedules_in_functions() | set(NEW_SETTINGS) - {"CXHUB_RETENTION_DAYS"} <= set(schedules)
    for name, spec in schedules.items():
        fields = spec["default"].split()
        assert len(fields) == 6, f"{name}: six-field NCRONTAB expected"
        minute, hour = fields[1:3]
        if not hour.isdigit():  # every N minutes: no wall-clock time to state
            assert "every" in spec["comment"], f"{name}: say how often it runs"
            continue
        match = re.search(r"(\d\d):(\d\d) UTC = (?:\w+ )?(\d\d):(\d\d) Lagos", spec["comment"])
        assert match, f"{name}: comment should read 'HH:MM UTC = HH:MM Lagos', got {spec['comment']!r}"
        utc_h, utc_m, lagos_h, lagos_m = map(int, match.groups())
        assert (utc_h, utc_m) == (int(hour), int(minute)), name
        assert lagos_h == (utc_h + LAGOS_UTC_OFFSET) % 24 and lagos_m == utc_m, name


# --- no secrets in the repository ------------------------------------------------------------


def test_no_guid_other_than_built_in_role_definition_ids():
    """The only GUIDs in infra/ are the documented built-in role definition IDs, so no tenant or subscription
    ID is committed."""
    for path in infra_text_files():
        for guid in re.findall(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", path.read_text()):
            assert guid.lower() in ROLE_DEFINITION_IDS, f"{path.relative_to(ROOT)}: unexplained GUID {guid}"


def test_no_storage_key_or_client_secret_literal():
    """No infra file holds something shaped like a storage key, an Entra client secret or a SAS token."""
    storage_key = re.compile(r"[A-Za-z0-9+/]{86}==")
    entra_client_secret = re.compile(r"[A-Za-z0-9_.\-]{3}\dQ~[A-Za-z0-9_.~\-]{31,34}")
    for path in infra_text_files():
        text = path.read_text()
        rel = path.relative_to(ROOT)
        assert not storage_key.search(text), f"{rel}: looks like a storage account key"
        assert not entra_client_secret.search(text), f"{rel}: looks like an Entra client secret"
        assert "SharedAccessSignature=" not in text and "sig=" not in text, f"{rel}: SAS token"
        for match in re.finditer(r"AccountKey=", text):
            # Only ever a deployment-time listKeys() interpolation, never a literal key.
            assert text[match.end() :].startswith("${") and "listKeys()" in text[match.end() :][:60], rel


def test_secret_like_parameters_are_secure_and_have_no_default_value():
    """A parameter named like a secret, key or token is @secure() and has no default value."""
    for path in bicep_files():
        for name, spec in bicep_params(path).items():
            if spec["type"] in ("string", "object") and re.search(
                r"secret|password|pwd|(api|account|access)_?key|token$", name, re.I
            ):
                assert "@secure()" in spec["decorators"], f"{path.name}: param {name} needs @secure()"
                assert spec["default"] in (None, ""), f"{path.name}: secure param {name} has a default"


def test_no_output_exposes_a_secret():
    """No Bicep output lists keys or reads a @secure() parameter, so deployment history never shows a
    secret."""
    for path in bicep_files():
        for line in path.read_text().splitlines():
            if line.startswith("output "):
                assert "listKeys" not in line and not re.search(r"secret\s*$", line, re.I), line
                secure = {n for n, s in bicep_params(path).items() if "@secure()" in s["decorators"]}
                used = set(re.findall(r"\b\w+\b", line.split("=", 1)[1]))
                assert not secure & used, f"{path.name}: output reads a @secure() parameter: {line}"


def test_storage_connection_string_only_lives_in_key_vault():
    """A storage connection string with an account key is only ever written into a Key Vault secret."""
    for path in bicep_files():
        text = path.read_text()
        if "AccountKey=" in text:
            assert "Microsoft.KeyVault/vaults/secrets" in text, f"{path.name}: key outside a vault secret"


# --- structure -------------------------------------------------------------------------------


def _after_comment_or_verbatim(text: str, i: int) -> int | None:
    """Where a // or /* comment or a '''verbatim''' string starting at `i` ends (its brackets do not
    count), or None if none starts there."""
    for opener, closer in (("//", "\n"), ("/*", "*/"), ("'''", "'''")):
        if text.startswith(opener, i):
            end = text.find(closer, i + len(opener))
            if end < 0:
                return len(text)
            return end if closer == "\n" else end + len(closer)
    return None


def bracket_errors(text: str) -> list[str]:
    """Unbalanced ( [ { in Bicep, skipping comments and string text but not ${...} interpolation."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []  # brackets, plus "'" for "inside a string" and "$" for interpolation
    errors: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        in_string = bool(stack) and stack[-1] == "'"
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if text.startswith("${", i):
                stack.append("$")
                i += 2
                continue
            if ch == "'":
                stack.pop()
        elif (after := _after_comment_or_verbatim(text, i)) is not None:
            i = after
            continue
        elif ch == "'":
            stack.append("'")
        elif ch in "([{":
            stack.append(ch)
        elif ch in ")]}":
            opener = pairs[ch]
            closes_interpolation = ch == "}" and stack and stack[-1] == "$"
            if closes_interpolation or (stack and stack[-1] == opener):
                stack.pop()
            else:
                errors.append(f"unexpected {ch!r} at offset {i}")
        i += 1
    if stack:
        errors.append(f"unclosed {''.join(stack)!r} at end of file")
    return errors


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: str(p.relative_to(INFRA)))
def test_brackets_balance(path: Path):
    """Every Bicep and JSON file under infra/ has balanced brackets outside strings and comments."""
    assert bracket_errors(path.read_text()) == []


def test_bracket_checker_catches_imbalance():
    """The bracket checker reports an unclosed bracket and accepts brackets inside strings, interpolations and
    comments."""
    assert bracket_errors("var a = { b: [1, 2 }") != []
    assert bracket_errors("var a = '${b}}' // )") == []
    assert bracket_errors("var a = 'x${f('{')}y'") == []


def test_every_module_path_exists():
    """Every Bicep module path points at a file in the repository (at least six modules), none at a registry
    that cannot be checked offline."""
    modules = 0
    for path in bicep_files():
        for target in re.findall(r"^module\s+\w+\s+'([^']+)'", path.read_text(), re.M):
            assert not target.startswith("br"), f"{path.name}: registry module {target} cannot be checked"
            assert (path.parent / target).resolve().is_file(), f"{path.name}: module {target} does not exist"
            modules += 1
    assert modules >= 6


def test_main_bicep_is_an_azd_subscription_template():
    """main.bicep is a subscription-scoped template that creates the resource group and outputs the values azd
    and the docs rely on."""
    main = MAIN.read_text()
    assert re.search(r"^targetScope = 'subscription'$", main, re.M)
    assert "Microsoft.Resources/resourceGroups@" in main
    for output in (
        "AZURE_FUNCTION_NAME",
        "AZURE_RESOURCE_GROUP",
        "AZURE_FUNCTION_APP_HOSTNAME",
        "AZURE_MANAGED_IDENTITY_CLIENT_ID",
        "AZURE_KEY_VAULT_NAME",
    ):
        assert re.search(rf"^output {output} string = ", main, re.M), output


def test_every_resource_pins_an_api_version():
    """Every Bicep resource pins a dated API version."""
    for path in bicep_files():
        for resource_type in re.findall(r"^resource\s+\w+\s+'([^']+)'", path.read_text(), re.M):
            pinned = re.fullmatch(r"Microsoft\.[A-Za-z]+/[A-Za-z/]+@\d{4}-\d{2}-\d{2}", resource_type)
            assert pinned, resource_type


def test_flex_consumption_shape():
    """The Function App is a Linux Flex Consumption app with 2 GB instances, at most 40 of them, deploying
    from a blob container as the user-assigned identity."""
    api = API.read_text()
    assert re.search(r"name:\s*'FC1'\s*tier:\s*'FlexConsumption'", api)
    assert "kind: 'functionapp,linux'" in api
    assert re.search(r"param instanceMemoryMB int = 2048", api)
    assert bicep_params()["maximumInstanceCount"]["default"] == "40"
    assert "type: 'blobContainer'" in api and "type: 'UserAssignedIdentity'" in api
    assert "'azd-service-name': 'api'" in api


def test_storage_has_the_queues_and_containers_the_code_uses():
    """The storage account declares the intake queue, its -poison queue, the state container and the
    deployment container the code uses."""
    from cxhub.settings import DEFAULT_QUEUE_NAME

    storage = (INFRA / "core" / "storage" / "storage.bicep").read_text()
    assert f"'{DEFAULT_QUEUE_NAME}'" in storage
    assert f"'{DEFAULT_QUEUE_NAME}-poison'" in storage
    assert "'cxhub-state'" in storage
    assert "deploymentContainerName" in storage


def test_key_vault_uses_rbac_and_holds_the_named_secrets():
    """Key Vault uses RBAC, holds the three named secrets, and every role assignment is scoped to one
    resource."""
    vault = (INFRA / "core" / "security" / "keyvault.bicep").read_text()
    assert "enableRbacAuthorization: true" in vault
    for secret in ("cxhub-intake-secret", "cxhub-client-secret", "cxhub-storage-connection"):
        assert f"'{secret}'" in vault
    rbac = (INFRA / "app" / "rbac.bicep").read_text()
    for role in ROLE_DEFINITION_IDS:
        assert role in rbac
    # Every assignment is scoped to one resource, never the resource group or subscription.
    assert "resourceGroup()" not in rbac and "subscription()" not in rbac


def test_azure_yaml_declares_one_python_function_service():
    """azure.yaml declares exactly one service, the Python Function App at the repository root."""
    doc = read_simple_yaml((ROOT / "azure.yaml").read_text())
    assert doc["name"]
    assert list(doc["services"]) == ["api"]
    assert doc["services"]["api"] == {"project": ".", "language": "python", "host": "function"}


def test_simple_yaml_reader_rejects_what_it_does_not_understand():
    """The small YAML reader reads nested mappings and refuses lists rather than misreading them."""
    assert read_simple_yaml("a:\n  b: c\nd: e\n") == {"a": {"b": "c"}, "d": "e"}
    with pytest.raises(AssertionError):
        read_simple_yaml("a:\n  - b\n")


def test_python_version_matches_the_one_the_project_tests_on():
    """Azure runs the Python version the project requires and lints for (3.11)."""
    main = MAIN.read_text()
    match = re.search(r"^var pythonVersion = '(\d+\.\d+)'", main, re.M)
    assert match
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    floor = re.fullmatch(r">=\s*(\d+\.\d+)", pyproject["project"]["requires-python"])
    assert floor and match.group(1) == floor.group(1) == "3.11"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + match.group(1).replace(".", "")
    assert "pythonVersion: pythonVersion" in main


def test_the_mail_link_pages_sit_behind_app_service_authentication_with_entra_id():
    """authsettingsV2 signs people in with Entra ID before /api/act and /api/customers, keeps the
    function-key routes reachable by machines, and is what turns CXHUB_APP_SERVICE_AUTH on."""
    api = API.read_text()
    match = re.search(
        r"resource \w+ 'Microsoft\.Web/sites/config@[\d-]+' = if \(!empty\(signInClientId\)\) \{(.*?)\n\}\n",
        api,
        re.S,
    )
    assert match, "no authsettingsV2 config resource conditioned on signInClientId in infra/app/api.bicep"
    block = match[1]
    assert "name: 'authsettingsV2'" in block and "parent: functionApp" in block
    assert "requireAuthentication: true" in block
    assert "unauthenticatedClientAction: 'RedirectToLoginPage'" in block
    assert "redirectToProvider: 'azureactivedirectory'" in block
    excluded = re.search(r"excludedPaths: \[(.*?)\]", block, re.S)
    assert excluded
    paths = set(re.findall(r"'([^']+)'", excluded[1]))
    routes = set(
        re.findall(r'route="([^"/{]+)', "".join(p.read_text() for p in (ROOT / "functions").glob("*.py")))
    )
    key_routes = {"submissions", "erp", "health"}
    assert key_routes <= routes, "function-key routes renamed: update the excluded paths"
    assert paths == {f"/api/{r}" for r in key_routes}, "exactly the function-key routes skip sign-in"
    assert "act" in routes and "/api/act" not in paths
    assert "azureActiveDirectory" in block and "clientId: signInClientId" in block
    assert "openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'" in block
    assert app_settings()["CXHUB_APP_SERVICE_AUTH"] == "!empty(signInClientId) ? 'true' : 'false'"
    assert "signInClientId: signInClientId" in MAIN.read_text()
