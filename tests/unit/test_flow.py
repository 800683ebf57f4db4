"""The Power Automate definition in flows/ stays in step with intake and the Form question set."""

import json
import re
from pathlib import Path

import pytest

from hub_schema.form import question_by_key

ROOT = Path(__file__).parents[2]
FLOW = ROOT / "flows" / "submissions-flow.json"
SCHEMA = "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#"
PLACEHOLDER = re.compile(r"^@\{outputs\('Get_response_details'\)\?\['body/r<questionId:([a-z_]+)>'\]\}$")


@pytest.fixture(scope="module")
def flow() -> dict:
    return json.loads(FLOW.read_text("utf-8"))


@pytest.fixture(scope="module")
def http(flow) -> dict:
    actions = [a for a in flow["actions"].values() if a["type"] == "Http"]
    assert len(actions) == 1, "the flow has exactly one HTTP action"
    return actions[0]


def intake_route() -> str:
    """The route of the intake function, read from its decorator (prefixed like the host does)."""
    source = (ROOT / "functions" / "intake.py").read_text("utf-8")
    routes = re.findall(r'@bp\.route\(\s*route="([^"]+)"', source)
    assert len(routes) == 1, "functions/intake.py declares one HTTP route"
    host = json.loads((ROOT / "host.json").read_text("utf-8"))
    prefix = host.get("extensions", {}).get("http", {}).get("routePrefix", "api")
    return "/" + "/".join(part for part in (prefix, routes[0]) if part)


def param_name(expression: str) -> str:
    match = re.fullmatch(r"@\{?parameters\('([^']+)'\)\}?", expression)
    assert match, f"{expression!r} is not a plain parameters('...') expression"
    return match[1]


def test_the_definition_is_json_with_the_workflow_definition_schema(flow):
    """The Power Automate flow file is a workflow definition with parameters, triggers and actions."""
    assert flow["$schema"] == SCHEMA
    assert set(flow) >= {"parameters", "triggers", "actions"}


def test_the_trigger_is_the_forms_webhook_on_the_form_id_parameter(flow):
    """The flow starts on the Microsoft Forms new-response webhook for the form ID parameter."""
    trigger = flow["triggers"]["When_a_new_response_is_submitted"]
    assert trigger["type"] == "OpenApiConnectionWebhook"
    assert trigger["inputs"]["host"]["operationId"] == "CreateFormWebhook"
    assert trigger["inputs"]["host"]["apiId"].endswith("/shared_microsoftforms")
    assert param_name(trigger["inputs"]["parameters"]["form_id"]) in flow["parameters"]


def test_get_response_details_reads_the_triggering_response(flow):
    """The flow reads the details of the very response that triggered it."""
    action = flow["actions"]["Get_response_details"]
    assert action["type"] == "OpenApiConnection"
    assert action["inputs"]["host"]["operationId"] == "GetFormResponseById"
    params = action["inputs"]["parameters"]
    assert param_name(params["form_id"]) in flow["parameters"]
    assert "resourceData/responseId" in params["response_id"]
    assert params["response_id"].startswith("@triggerOutputs()")


def test_the_http_action_posts_to_the_intake_route(flow, http):
    """The flow POSTs to the intake function's route, on a base URL parameter, after the response details
    succeed."""
    inputs = http["inputs"]
    assert inputs["method"] == "POST"
    assert inputs["uri"].endswith(intake_route())
    assert inputs["uri"].startswith("@{parameters('")
    assert param_name(inputs["uri"][: inputs["uri"].index("}") + 1]) in flow["parameters"]
    assert http["runAfter"] == {"Get_response_details": ["Succeeded"]}


def test_the_function_key_header_comes_from_a_secure_parameter(flow, http):
    """The function key is sent from an empty secure parameter and hidden from run history, never shipped in
    the definition."""
    headers = {k.lower(): v for k, v in http["inputs"]["headers"].items()}
    assert headers["content-type"] == "application/json"
    name = param_name(headers["x-functions-key"])
    assert flow["parameters"][name]["type"].lower() == "securestring"
    assert flow["parameters"][name]["defaultValue"] == "", "never ship a key in the definition"
    assert "inputs" in http["runtimeConfiguration"]["secureData"]["properties"]


def test_the_http_action_retries_exponentially_four_times(http):
    """The POST to intake retries four times with exponential back-off."""
    policy = http["inputs"]["retryPolicy"]
    assert policy["type"] == "exponential"
    assert policy["count"] == 4


def test_the_body_has_the_intake_envelope(http):
    """The POST body is the intake envelope: response ID, submission time, responder and answers."""
    body = http["inputs"]["body"]
    assert set(body) == {"responseId", "submittedAt", "responder", "answers"}
    assert "resourceData/responseId" in body["responseId"]
    assert "body/submitDate" in body["submittedAt"]
    assert "body/responder" in body["responder"]


def test_every_answer_key_is_a_canonical_form_key(http):
    """Every answer the flow sends is keyed by a form.toml question key and filled from that question's own
    placeholder."""
    answers = http["inputs"]["body"]["answers"]
    unknown = set(answers) - set(question_by_key())
    assert not unknown, f"not keys of hub_schema/form.toml: {sorted(unknown)}"
    for key, value in answers.items():
        match = PLACEHOLDER.match(value)
        assert match and match[1] == key, f"{key}: {value!r} is not this question's placeholder"


def test_every_required_question_is_mapped(http):
    """Every required question of form.toml is sent by the flow."""
    answers = http["inputs"]["body"]["answers"]
    required = {key for key, q in question_by_key().items() if q.required}
    assert required, "form.toml has required questions"
    assert required <= set(answers), f"required questions not mapped: {sorted(required - set(answers))}"


def test_refusals_kept_in_rejected_end_the_run_without_a_failure(flow):
    """A 400 or 422 from intake (kept on Rejected) ends the flow run as succeeded; other failures end it as
    failed."""
    check = next(a for a in flow["actions"].values() if a["type"] == "If")
    assert check["runAfter"] == {"Send_to_CX_Hub": ["Failed", "TimedOut"]}
    codes = {term["equals"][1] for term in check["expression"]["or"]}
    assert codes == {400, 422}  # the replies whose payload intake keeps in the Rejected tab
    (yes,) = check["actions"].values()
    (no,) = check["else"]["actions"].values()
    assert (yes["type"], yes["inputs"]["runStatus"]) == ("Terminate", "Succeeded")
    assert (no["type"], no["inputs"]["runStatus"]) == ("Terminate", "Failed")
