"""The page core: who is signed in, who may read and act, and the routes."""

from __future__ import annotations

import base64
import json

from hub.web.access import StaffDirectory, may_act, may_read
from hub.web.http import Router, WebRequest, WebResponse
from hub.web.identity import identify

STAFF = StaffDirectory.from_rows(
    [
        {
            "Email": "ada@x.ng",
            "Full Name": "Ada Obi",
            "Division": "Sales",
            "Role": "Sales",
            "Manager Email": "bola@x.ng",
            "Active": "Yes",
        },
        {
            "Email": "bola@x.ng",
            "Full Name": "Bola Ade",
            "Division": "Sales",
            "Role": "Manager",
            "Active": "Yes",
        },
        {
            "Email": "chi@x.ng",
            "Full Name": "Chi Eze",
            "Division": "Sales",
            "Role": "Data Steward",
            "Active": "Yes",
        },
        {
            "Email": "dan@x.ng",
            "Full Name": "Dan Musa",
            "Division": "Service",
            "Role": "Data Steward",
            "Active": "Yes",
        },
        {
            "Email": "eve@x.ng",
            "Full Name": "Eve Uche",
            "Division": "Service",
            "Role": "Service",
            "Active": "No",
        },
        {
            "Email": "fola@x.ng",
            "Full Name": "Fola Ige",
            "Division": "Service",
            "Role": "Admin",
            "Active": "Yes",
        },
    ],
    admins=["it@x.ng"],
)


def _principal(claims: dict[str, str]) -> str:
    body = {"auth_typ": "aad", "claims": [{"typ": k, "val": v} for k, v in claims.items()]}
    return base64.b64encode(json.dumps(body).encode()).decode()


def test_sign_in_headers_are_ignored_and_stripped_unless_app_service_auth_is_on():
    """A client-sent X-MS-CLIENT-PRINCIPAL-NAME gives no identity and never reaches a page."""
    forged = WebRequest.build("GET", "/api/act", headers={"X-MS-CLIENT-PRINCIPAL-NAME": "bola@x.ng"})
    seen = identify(forged, app_service_auth=False)
    assert seen.user is None
    assert seen.header("x-ms-client-principal-name") is None


def test_the_local_stand_in_is_the_signed_in_person_when_app_service_auth_is_off():
    """`cxhub serve --as EMAIL` signs that person in, and a forged header cannot override it."""
    forged = WebRequest.build("GET", "/api/act", headers={"X-MS-CLIENT-PRINCIPAL-NAME": "bola@x.ng"})
    assert identify(forged, app_service_auth=False, stand_in="Ada@X.ng").user == "ada@x.ng"


def test_behind_app_service_authentication_the_principal_name_header_is_the_person():
    """With the setting on, the name App Service Authentication injects is who is signed in (lower case)."""
    req = WebRequest.build("GET", "/api/act", headers={"X-MS-CLIENT-PRINCIPAL-NAME": "Ada@X.ng"})
    assert identify(req, app_service_auth=True, stand_in="bola@x.ng").user == "ada@x.ng"


def test_the_encoded_principal_is_read_when_the_name_header_is_missing():
    """X-MS-CLIENT-PRINCIPAL (base64 JSON claims) gives the mail address from preferred_username."""
    req = WebRequest.build(
        "GET",
        "/",
        headers={"X-MS-CLIENT-PRINCIPAL": _principal({"name": "Ada", "preferred_username": "ada@x.ng"})},
    )
    assert identify(req, app_service_auth=True).user == "ada@x.ng"
    garbage = WebRequest.build("GET", "/", headers={"X-MS-CLIENT-PRINCIPAL": "%%%not base64"})
    assert identify(garbage, app_service_auth=True).user is None
    deep = base64.b64encode(b"[" * 5000 + b"]" * 5000).decode()
    nested = WebRequest.build("GET", "/", headers={"X-MS-CLIENT-PRINCIPAL": deep})
    assert identify(nested, app_service_auth=True).user is None  # not a RecursionError and a 500


def test_the_intended_person_their_manager_a_steward_of_the_division_and_admins_may_act():
    """Exactly the four kinds of people the issue names may act on Ada's Sales item."""

    def allowed(user):
        return may_act(user, "ada@x.ng", "Sales", STAFF)

    assert allowed("ada@x.ng")
    assert allowed("bola@x.ng")  # Ada's manager
    assert allowed("chi@x.ng")  # Data Steward of Sales
    assert allowed("fola@x.ng")  # Role Admin
    assert allowed("it@x.ng")  # CXHUB_ADMIN_EMAILS
    assert not allowed("dan@x.ng")  # a steward of another division
    assert not allowed("eve@x.ng")  # inactive
    assert not allowed("stranger@y.com")
    assert not allowed(None)


def test_every_active_staff_member_and_admin_may_read_but_not_strangers_or_leavers():
    """Reading is open to the whole active staff list and the admins, nobody else."""
    assert may_read("ada@x.ng", STAFF) and may_read("dan@x.ng", STAFF) and may_read("it@x.ng", STAFF)
    assert not may_read("eve@x.ng", STAFF)
    assert not may_read("stranger@y.com", STAFF)
    assert not may_read(None, STAFF)


def test_routes_pass_path_parameters_and_answer_405_and_404_plainly():
    """A route pattern's {name} reaches the handler; a wrong method or path gets a plain HTML page."""
    router = Router()
    router.add("GET", "/api/customers/{account_id}", lambda r: WebResponse(200, r.params["account_id"]))
    assert router.dispatch(WebRequest.build("GET", "/api/customers/ACC-000001")).body == "ACC-000001"
    wrong_method = router.dispatch(WebRequest.build("POST", "/api/customers/ACC-000001"))
    assert wrong_method.status == 405 and "Use GET" in wrong_method.body
    missing = router.dispatch(WebRequest.build("GET", "/api/nothing<b>"))
    assert missing.status == 404 and "&lt;b&gt;" in missing.body and "<b>" not in missing.body


def test_form_bodies_are_read_and_oversized_ones_give_nothing():
    """A urlencoded form gives its fields; a body over 16 KiB gives none rather than being parsed."""
    assert WebRequest.build("POST", "/", body=b"t=abc&csrf=x%2By").form() == {"t": "abc", "csrf": "x+y"}
    assert WebRequest.build("POST", "/", body=b"t=" + b"a" * 20_000).form() == {}
