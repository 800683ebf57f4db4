"""The one jinja2 environment for everything CX Hub renders (mails, the draft); each capability keeps
its templates in its own `templates/` folder, and template names are unique across them.

Autoescaped (hub data is never trusted HTML), strict about undefined names (a typo in a template
fails a test instead of mailing a blank), and blocks trimmed so the HTML stays readable.
"""

from __future__ import annotations

from functools import cache

import jinja2

from hub.text import count, figure, measure, noun

_WITH_TEMPLATES = ("intake", "followups", "kpis", "upgrade", "web", "customers", "actions")


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.PackageLoader(f"hub.{pkg}", "templates") for pkg in _WITH_TEMPLATES]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Numbers in words people read, the same in every template: {{ n|counted("day") }} -> "1 day"
    # (named "counted": jinja's own |count is the length).
    env.filters.update(counted=count, figure=figure, measure=measure, noun=noun)
    return env
