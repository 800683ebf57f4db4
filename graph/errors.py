"""Graph error responses classified the way Microsoft documents it, never by `message`.

"Error handling for Excel APIs in Microsoft Graph" (learn.microsoft.com/graph/workbook-error-handling):
the `innerError` object may recursively hold more specific codes; parse the second-level code
first (case-insensitive), then the top-level code, then the HTTP status; honour `Retry-After`.
"Error codes for Excel APIs" lists the top-level and the detailed codes; "Microsoft Graph error
responses" (learn.microsoft.com/graph/errors) the statuses (423 Locked, 509...). Codes seen in the
wild but not in that list (EditModeCannotAcquireLock...) are marked so below.

What a kind means for CX Hub:
  locked       someone else holds the workbook (or a filter blocks inserts): do not resend until it
               is resolved; the writer puts the batch back for the next run.
  throttled    wait Retry-After, then the same request may go again.
  timeout      the service gave up: a read may go again after a wait; a write may have landed.
  recreate     the session is gone for a transient reason: a new session, then the same call.
  session_gone the session is unusable and the same createSession is not expected to work now.
  server       an unspecified service error: do not resend now; drop the session.
  not_found / denied / invalid / unsupported: permanent for this request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

LOCKED = "locked"
THROTTLED = "throttled"
TIMEOUT = "timeout"
RECREATE = "recreate"
SESSION_GONE = "session_gone"
SERVER = "server"
NOT_FOUND = "not_found"
DENIED = "denied"
INVALID = "invalid"
UNSUPPORTED = "unsupported"
CONFLICT = "conflict"

# Second-level codes (workbook-error-handling "Parse second-level error code", and the detailed
# codes of workbook-error-codes), lower-cased. The value is the kind.
DETAILED_CODES: dict[str, str] = {
    "accessconflict": LOCKED,
    "accessdenied": DENIED,
    "badrequestuncategorized": INVALID,
    "conflictuncategorized": LOCKED,  # "not expected to resend until the conflict is resolved"
    "filteredrangeconflict": LOCKED,  # a filter on the table: someone must clear it first
    "forbiddenuncategorized": DENIED,
    "gatewaytimeoutuncategorized": TIMEOUT,
    "generalexception": SERVER,
    "insertdeleteconflict": LOCKED,  # e.g. a filter is active on the table
    "internalservererroruncategorized": SERVER,
    "invalidargument": INVALID,
    "invalidreference": INVALID,
    "invalidsessionaccessconflict": LOCKED,  # same createSession not expected to work until resolved
    "invalidsessionauthentication": SESSION_GONE,
    "invalidsessionnotfound": SESSION_GONE,  # the workbook cannot be found: recreating is not expected
    "invalidsessionrecreatable": RECREATE,
    "invalidsessionrestricted": SESSION_GONE,
    "invalidsessionunexpected": SESSION_GONE,
    "invalidsessionunsupportedworkbook": SESSION_GONE,
    "itemalreadyexists": CONFLICT,
    "itemnotfound": NOT_FOUND,
    "methodnotallowed": INVALID,
    "methodnotalloweduncategorized": INVALID,
    "nonblankcelloffsheet": INVALID,
    "notfounduncategorized": NOT_FOUND,
    "notimplementeduncategorized": UNSUPPORTED,
    "payloadtoolargeuncategorized": INVALID,
    "rangeexceedslimit": INVALID,
    "requestaborted": SERVER,
    "serviceunavailableuncategorized": THROTTLED,
    "toomanyrequestsuncategorized": THROTTLED,
    "transientfailure": THROTTLED,
    "unauthorizeduncategorized": DENIED,
    "unsupportedoperation": UNSUPPORTED,
    "unsupportedworkbook": UNSUPPORTED,
    # Not in Microsoft's tables, answered by the Excel service when another editor holds the file
    # (409) or when lock attempts are throttled (429); both mean "someone holds the workbook".
    "editmodecannotacquirelock": LOCKED,
    "editmodecannotacquirelocktoomanyrequests": LOCKED,
}

# Top-level codes (workbook-error-codes "Top-level error code", plus Graph's general codes from
# learn.microsoft.com/graph/errors that drive and SharePoint calls answer), lower-cased.
TOP_LEVEL_CODES: dict[str, str] = {
    "invalidrequest": INVALID,
    "unauthenticated": DENIED,
    "accessdenied": DENIED,
    "resourcenotfound": NOT_FOUND,
    "itemnotfound": NOT_FOUND,
    "methodnotallowed": INVALID,
    "conflict": CONFLICT,
    "namealreadyexists": CONFLICT,
    "requestsizeexceeded": INVALID,
    "toomanyrequests": THROTTLED,
    "activitylimitreached": THROTTLED,
    "internalservererror": SERVER,
    "generalexception": SERVER,
    "notimplemented": UNSUPPORTED,
    "notsupported": UNSUPPORTED,
    "servicenotavailable": THROTTLED,
    "serviceunavailable": THROTTLED,
    "gatewaytimeout": TIMEOUT,
    "resourcelocked": LOCKED,
    "editmodecannotacquirelock": LOCKED,
    "editmodecannotacquirelocktoomanyrequests": LOCKED,
}

# The last resort: the HTTP status (learn.microsoft.com/graph/errors).
STATUS_KINDS: dict[int, str] = {
    400: INVALID,
    401: DENIED,
    403: DENIED,
    404: NOT_FOUND,
    405: INVALID,
    409: CONFLICT,
    413: INVALID,
    423: LOCKED,  # "The resource that is being accessed is locked."
    429: THROTTLED,
    500: SERVER,
    501: UNSUPPORTED,
    502: SERVER,
    503: THROTTLED,
    504: TIMEOUT,
    509: THROTTLED,  # bandwidth limit exceeded
}


@dataclass(frozen=True)
class Classified:
    kind: str
    code: str  # the code the decision was made on ('' when the status decided)
    codes: tuple[str, ...]  # every code in the chain, top-level first


def error_codes(body: Any) -> tuple[str, ...]:
    """Every `code` from the top-level error down the nested `innerError` chain."""
    error = body.get("error") if isinstance(body, dict) else None
    codes: list[str] = []
    seen = 0
    while isinstance(error, dict) and seen < 32:  # a recursion bound, not a documented depth
        code = error.get("code")
        if isinstance(code, str) and code:
            codes.append(code)
        error = error.get("innerError") or error.get("innererror")
        seen += 1
    return tuple(codes)


def classify(status: int | None, body: Any) -> Classified:
    """Second-level code, then deeper codes, then the top-level code, then the status."""
    codes = error_codes(body)
    nested = codes[1:]
    for code in nested:
        kind = DETAILED_CODES.get(code.lower())
        if kind:
            return Classified(kind, code, codes)
    if codes:
        kind = TOP_LEVEL_CODES.get(codes[0].lower()) or DETAILED_CODES.get(codes[0].lower())
        if kind:
            return Classified(kind, codes[0], codes)
    return Classified(STATUS_KINDS.get(status or 0, SERVER if (status or 0) >= 500 else INVALID), "", codes)


def parse_body(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError):
        return None
