"""Log records as JSON lines, the format the Functions host ships to Application Insights.

One object per line: time (UTC, ISO), level, logger, message. A message that is itself a JSON object
(the writer's line per submission, keyed by its submission ID) is merged in as fields rather than
quoted, so a query can filter on submissionId directly. Standard library only: function_app imports
this at start-up, which must stay light.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = _json_object(message)
        if fields is None:
            line["message"] = message
        else:
            line.update({k: v for k, v in fields.items() if k not in line})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _json_object(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def install_json_logging(root: logging.Logger | None = None) -> None:
    """Format every handler of the root logger as JSON lines (the Functions worker's own handler
    forwards the formatted text to the host); with no handler yet, log JSON lines to stderr."""
    root = root or logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonLineFormatter())
