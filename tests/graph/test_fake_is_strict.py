"""The fake Graph answers as Graph does where the product's assumptions used to be built in:
status codes, default property sets, session expiry codes, concurrency, keys it accepts."""

from __future__ import annotations

import ssl
import threading

import httpx
import pytest

from hub.ports import HubChanges, HubUnavailable
from tests.fakegraph import Fault

ROW = {"Account ID": "ACC-000001", "Company Name": "Dangote Cement"}


def _http(fake):
    token = fake._issue("app")["access_token"]
    return httpx.Client(
        verify=ssl.create_default_context(cafile=str(fake.cert_path)),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _workbook(fake, item):
    return f"{fake.graph_url}/drives/{fake.drive_id}/items/{item}/workbook"


def test_rows_add_answers_200_and_reads_without_select_carry_everything(graph_store, fake, hub_item):
    """tablerow-add returns 200 OK; a column listing without $select carries each column's values,
    a range without $select its text, formulas, number formats and value types."""
    graph_store.apply(HubChanges(appends={"Accounts": [ROW]}))
    (added,) = [r for r in fake.requests if r.path.endswith("/rows/add")]
    assert added.status == 200
    with _http(fake) as http:
        columns = http.get(f"{_workbook(fake, hub_item)}/tables/Accounts/columns").json()["value"]
        table_range = http.get(f"{_workbook(fake, hub_item)}/tables/Accounts/range()").json()
    assert all("values" in c for c in columns)
    assert {"text", "formulas", "formulasLocal", "formulasR1C1", "numberFormat", "valueTypes"} <= set(
        table_range
    )


def test_concurrent_requests_on_one_workbook_are_throttled(fake, hub_item):
    """Microsoft asks for one request at a time per workbook: a second one in flight gets 429."""
    fake.faults.append(Fault("latency", path="/workbook/tables$", delay=1.0, times=1))
    statuses: list[int] = []
    with _http(fake) as http:
        url = f"{_workbook(fake, hub_item)}/tables"
        slow = threading.Thread(target=lambda: statuses.append(http.get(url).status_code))
        slow.start()
        while not fake._in_flight:
            pass
        statuses.append(http.get(url).status_code)
        slow.join()
    assert sorted(statuses) == [200, 429]


@pytest.mark.parametrize(
    ("codes", "recovers"),
    [
        (("itemNotFound", "invalidSessionReCreatable"), True),
        (("itemNotFound", "invalidSessionNotFound"), False),
        (("conflict", "invalidSessionAccessConflict"), False),
        (("badRequest", "invalidSessionUnexpected"), False),
    ],
)
def test_an_expired_session_answers_the_configured_documented_code(graph_store, fake, codes, recovers):
    """The session dies between calls: a recreatable one is made again and the rows land; the others
    put the batch back (HubUnavailable) without a second createSession."""
    fake.expired_session = (404 if codes[0] == "itemNotFound" else 409, codes)
    fake.faults.append(Fault("session_expired", method="POST", path="rows/add", times=1))
    if recovers:
        graph_store.apply(HubChanges(appends={"Accounts": [ROW]}))
        assert fake.count("POST", "createSession$") == 2
    else:
        with pytest.raises(HubUnavailable):
            graph_store.apply(HubChanges(appends={"Accounts": [ROW]}))
        assert fake.count("POST", "createSession$") == 1


def test_the_manager_is_found_by_id_or_upn_never_by_mail(fake):
    """GET /users/{mail}/manager is a 404 where mail and UPN differ; by UPN or id it answers."""
    boss = fake.add_user("boss@mikano.example")
    user = fake.add_user("ada.okafor@mikano.example", upn="aokafor@mikanogroup.onmicrosoft.com", manager=boss)
    with _http(fake) as http:
        assert http.get(f"{fake.graph_url}/users/ada.okafor@mikano.example/manager").status_code == 404
        assert (
            http.get(f"{fake.graph_url}/users/aokafor@mikanogroup.onmicrosoft.com/manager").status_code == 200
        )
        assert http.get(f"{fake.graph_url}/users/{user}/manager").json()["mail"] == "boss@mikano.example"
