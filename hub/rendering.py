"""The one jinja2 environment for everything CX Hub renders from hub/templates (mails, the draft).

Autoescaped (hub data is never trusted HTML), strict about undefined names (a typo in a template
fails a test instead of mailing a blank), and blocks trimmed so the HTML stays readable.
"""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("hub", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
