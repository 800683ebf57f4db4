"""Logs in Azure are JSON lines: one object per line, the writer's per-submission fields merged in."""

from __future__ import annotations

import io
import json
import logging

from cxhub.logs import JsonLineFormatter, install_json_logging


def logged(*lines: tuple[str, tuple]) -> list[dict]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    log = logging.getLogger("hub.intake.writer")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        for text, args in lines:
            log.info(text, *args)
    finally:
        log.removeHandler(handler)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_is_one_json_object_with_time_level_logger_and_message():
    """A plain summary line becomes {"time", "level", "logger", "message"} on one line."""
    [line] = logged(("writer: %d recorded, %s", (3, "0 failed\nsecond line")))
    assert line["level"] == "INFO" and line["logger"] == "hub.intake.writer"
    assert line["message"] == "writer: 3 recorded, 0 failed\nsecond line" and line["time"].endswith("+00:00")


def test_a_json_message_is_merged_so_the_submission_id_is_a_field():
    """The writer's per-submission line is queryable by submissionId, not a quoted string."""
    text = json.dumps({"event": "writer", "submissionId": "SUB-1", "status": "recorded", "level": "x"})
    [line] = logged(("%s", (text,)))
    assert line["submissionId"] == "SUB-1" and line["status"] == "recorded" and "message" not in line
    assert line["level"] == "INFO"  # the record's own fields are not overwritten by the message's


def test_installing_formats_the_existing_handlers_of_the_root_logger():
    """function_app installs the formatter on the handlers the Functions worker already set up."""
    root = logging.Logger("root-for-test")
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    install_json_logging(root)
    assert root.handlers == [handler] and isinstance(handler.formatter, JsonLineFormatter)
    bare = logging.Logger("bare")
    install_json_logging(bare)
    assert len(bare.handlers) == 1 and isinstance(bare.handlers[0].formatter, JsonLineFormatter)


def test_every_module_logs_under_its_own_name():
    """Each product module's logger is logging.getLogger(__name__), so a line says where it came from."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    named = []
    for package in ("hub", "hub_schema", "cxhub", "functions", "graph", "local", "cloud"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "getLogger"
                    and node.args
                    and "__name__" not in ast.unparse(node.args[0])  # its own, or a module's
                ):
                    named.append(f"{path.relative_to(root)}:{node.lineno}")
    assert named == []
