"""The function app: what Azure discovers, and that discovery stays light."""

from __future__ import annotations

import subprocess
import sys
from functools import cache

import azure.functions as func


@cache
def functions() -> dict[str, object]:
    import function_app

    # get_functions() may only be called once per app object.
    return {f.get_function_name(): f for f in function_app.app.get_functions()}


def test_the_app_registers_every_function():
    """function_app registers exactly the product's HTTP and timer functions, so none is lost from a
    deployment."""
    assert set(functions()) == {
        "submissions",
        "writer",
        "forms_poll",
        "governance",
        "erp_folder_import",
        "erp_upload",
        "followups",
        "steward_digest",
        "act",
        "sla",
        "kpis",
        "health",
        "health_endpoint",
        "ops_digest",
        "ops_requeue",
        "purge",
        "customer_search",
        "customer_card",
    }


def test_requeue_is_a_function_key_post_outside_the_hosts_reserved_admin_routes():
    """The requeue route needs a function key and does not start with "admin", which the host reserves."""
    trigger = functions()["ops_requeue"].get_trigger()
    assert trigger.route == "ops/requeue" and trigger.auth_level == func.AuthLevel.FUNCTION
    assert [m.value if hasattr(m, "value") else m for m in trigger.methods] == ["POST"]


def test_the_ops_digest_and_the_purge_run_on_their_schedule_settings():
    """The ops digest and the retention purge are timers on their own %SCHEDULE% app settings."""
    assert functions()["ops_digest"].get_trigger().schedule == "%OPS_DIGEST_SCHEDULE%"
    assert functions()["purge"].get_trigger().schedule == "%PURGE_SCHEDULE%"


def test_the_health_endpoint_is_a_function_key_get():
    """/api/health answers GET only and requires a function key."""
    trigger = functions()["health_endpoint"].get_trigger()
    assert trigger.route == "health" and trigger.auth_level == func.AuthLevel.FUNCTION
    assert [m.value if hasattr(m, "value") else m for m in trigger.methods] == ["GET"]


def test_followups_kpis_and_health_run_on_their_schedule_settings():
    """The follow-up, KPI and upgrade-trigger timers run on their own %SCHEDULE% app settings."""
    assert functions()["followups"].get_trigger().schedule == "%FOLLOWUP_SCHEDULE%"
    assert functions()["kpis"].get_trigger().schedule == "%KPI_SCHEDULE%"
    assert functions()["health"].get_trigger().schedule == "%HEALTH_SCHEDULE%"
    assert functions()["sla"].get_trigger().schedule == "%SLA_SCHEDULE%"


def test_governance_and_the_erp_folder_run_on_their_schedule_settings():
    """Governance and the ERP drop-folder import are timers on their own %SCHEDULE% app settings."""
    assert functions()["governance"].get_trigger().schedule == "%GOVERNANCE_SCHEDULE%"
    assert functions()["erp_folder_import"].get_trigger().schedule == "%ERP_IMPORT_SCHEDULE%"


def test_erp_upload_is_a_function_key_post_route():
    """ERP uploads go to erp/{kind} and require a function key."""
    trigger = functions()["erp_upload"].get_trigger()
    assert trigger.route == "erp/{kind}" and trigger.auth_level == func.AuthLevel.FUNCTION


def test_forms_poll_runs_on_its_schedule_setting():
    """The Forms workbook poll is a timer on the FORMS_POLL_SCHEDULE setting."""
    trigger = functions()["forms_poll"].get_trigger()
    assert trigger.type == "timerTrigger" and trigger.schedule == "%FORMS_POLL_SCHEDULE%"


def test_intake_is_a_function_key_post_route_with_a_queue_output():
    """Intake is a function-key POST on /submissions whose output binding writes to the cxhub-submissions
    queue in the app's storage."""
    fn = functions()["submissions"]
    trigger = fn.get_trigger()
    assert trigger.type == "httpTrigger"
    assert trigger.route == "submissions"
    assert trigger.auth_level == func.AuthLevel.FUNCTION
    assert [m.value if hasattr(m, "value") else m for m in trigger.methods] == ["POST"]
    [queue] = [b for b in fn.get_bindings() if b.type == "queue"]
    assert queue.queue_name == "cxhub-submissions" and queue.connection == "AzureWebJobsStorage"


def test_writer_runs_on_the_writer_schedule_setting():
    """The writer is a timer on the WRITER_SCHEDULE setting."""
    trigger = functions()["writer"].get_trigger()
    assert trigger.type == "timerTrigger"
    assert trigger.schedule == "%WRITER_SCHEDULE%"


def test_importing_the_app_reads_no_settings_and_loads_no_heavy_modules():
    """Discovery imports no rules, adapters or heavy libraries (hub.defaults, constants only, is fine)."""
    code = (
        "import os, sys\n"
        "os.environ.clear()\n"
        "import function_app\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('openpyxl', 'python_calamine', 'rapidfuzz', 'phonenumbers',"
        " 'hub', 'local', 'cloud', 'msgraph', 'pandas', 'jellyfish') and m not in ('hub', 'hub.defaults')]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_timer_function_is_in_the_timer_registry_and_has_a_runner():
    """The timers Azure runs, the ones /api/health and the ops digest report, and the wired runners
    are the same set: a new timer cannot be left out of the health report."""
    from cxhub.wiring import TIMER_RUNNERS
    from hub.operations.timers import TIMER_JOBS

    timers = {name for name, f in functions().items() if f.get_trigger().type == "timerTrigger"}
    assert timers == set(TIMER_JOBS) == set(TIMER_RUNNERS)
    assert len(TIMER_JOBS) == len(set(TIMER_JOBS))
