"""Operations: the health endpoint, the daily ops digest to the admins, the retention purge."""

from __future__ import annotations

import json
import logging

import azure.functions as func

bp = func.Blueprint()
log = logging.getLogger("cxhub.operations")
