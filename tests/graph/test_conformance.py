"""The check against Graph v1.0's published description finds what is wrong, and passes what is
right (the autouse fixture in conftest.py runs it after every Graph test)."""

from __future__ import annotations

import json

from tests.graph.conformance import DESCRIPTION, check_request, check_response

ITEM = "/v1.0/drives/b!d/items/01ABC"


def test_the_description_records_where_it_was_cut_from():
    """Source repository and commit are in the trimmed description."""
    source = json.loads(DESCRIPTION.read_text("utf-8"))["info"]["x-source"]
    assert source["repository"] == "https://github.com/microsoftgraph/msgraph-metadata"
    assert len(source["commit"]) == 40 and source["cut-by"] == "tools/cut_graph_openapi.py"


def test_the_product_s_request_shapes_pass():
    """rows/add with values, a column listing with $select, a range read with $select, sendMail
    (parameter names are matched case-insensitively), a drive item by path."""
    assert not check_request(
        "POST", f"{ITEM}/workbook/tables/T/rows/add", {}, {"index": None, "values": [[1]]}
    )
    assert not check_request("GET", f"{ITEM}/workbook/tables/T/columns", {"$select": "name,index"}, None)
    assert not check_request("GET", f"{ITEM}/workbook/tables/T/range()", {"$select": "address,values"}, None)
    mail = {"message": {"subject": "s", "toRecipients": [{"emailAddress": {"address": "a@b.c"}}]}}
    assert not check_request("POST", "/v1.0/users/x@y.z/sendMail", {}, {**mail, "saveToSentItems": False})
    assert not check_request("GET", "/v1.0/drives/b!d/root:/CX Hub:", {}, None)
    assert not check_request("GET", "/v1.0/sites/contoso.sharepoint.com:/sites/CX:", {}, None)


def test_wrong_paths_query_options_and_bodies_are_named():
    """An operation Graph does not have, a query option it does not take, a body of the wrong shape."""
    assert check_request("POST", f"{ITEM}/workbook/tables/T/rows/append", {}, {"values": []})
    (problem,) = check_request("GET", f"{ITEM}/workbook/tables/T/columns", {"$frobnicate": "1"}, None)
    assert "$frobnicate" in problem
    problems = check_request("POST", f"{ITEM}/workbook/tables/T/rows/add", {}, {"rows": [[1]]})
    assert problems and "rows" in problems[0]
    assert check_request("POST", f"{ITEM}/workbook/createSession", {}, {})  # persistChanges is required


def test_wrong_answers_are_named():
    """A column listing whose index is text, or a collection without value, is not Graph's."""
    assert check_response("GET", f"{ITEM}/workbook/tables/T/columns", 200, {"value": [{"index": "0"}]})
    assert check_response("GET", f"{ITEM}/workbook/tables/T/columns", 200, {"columns": []})
    assert not check_response("GET", f"{ITEM}/workbook/tables/T/columns", 200, {"value": [{"index": 0}]})
