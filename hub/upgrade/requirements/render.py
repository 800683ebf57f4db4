"""Rendering the draft: Markdown and HTML walk the same Draft, so the two attachments can never
disagree; hub data can never turn into markup in either.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from hub.rendering import environment
from hub.upgrade.requirements.document import Block, Draft

_CODE = re.compile(r"`([^`\n]+)`")
_MD_SPECIAL = re.compile(r"([\\*_\[\]<>|])")
# Only a marker followed by a space (or nothing) opens a list or heading: "-5%" and "34.0%" are text.
_MD_MARKER = re.compile(r"^([#+\-])(?=\s|$)")
_MD_ORDINAL = re.compile(r"^(\d+)([.)])(?=\s|$)")


def _md(text: str, *, starts_line: bool = False) -> str:
    """Markdown-safe text: data can never turn into markup (or raw HTML); `code` spans are kept.

    starts_line: the text opens a block, where "- ", "# " or "1." would start a list or heading.
    """
    parts = _CODE.split(" ".join(text.split()))
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"`{part}`")
            continue
        escaped = _MD_SPECIAL.sub(r"\\\1", part)
        if i == 0 and starts_line:
            escaped = _MD_ORDINAL.sub(r"\1\\\2", _MD_MARKER.sub(r"\\\1", escaped))
        out.append(escaped)
    return "".join(out)


def _md_block(block: Block) -> list[str]:
    if block.kind == "subheading":
        return [f"### {_md(block.text)}", ""]
    if block.kind == "callout":
        return [f"> {_md(block.text, starts_line=True)}", ""]
    if block.kind == "bullets":
        return [*(f"- {_md(item, starts_line=True)}" for item in block.items), ""]
    if block.kind == "numbered":
        return [*(f"{i}. {_md(item, starts_line=True)}" for i, item in enumerate(block.items, 1)), ""]
    if block.kind == "table":
        rule = ["---:" if numeric else "---" for numeric in block.numeric]
        lines = ["| " + " | ".join(_md(h) for h in block.headers) + " |", "| " + " | ".join(rule) + " |"]
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in block.rows]
        return [*lines, ""]
    return [_md(block.text, starts_line=True), ""]


def render_markdown(draft: Draft) -> str:
    lines = [f"# {_md(draft.title)}", ""]
    for block in draft.intro:
        lines += _md_block(block)
    for section in draft.sections:
        lines += [f"## {_md(section.heading)}", ""]
        for block in section.blocks:
            lines += _md_block(block)
    return "\n".join(lines).rstrip() + "\n"


_CODE_STYLE = "font-family:Consolas,monospace;background:#f1f5f9;padding:0 3px;border-radius:3px"


def _inline_html(text: str) -> Markup:
    """The same inline rule as _md: `code` spans become <code>, everything else is escaped text."""
    parts = _CODE.split(text)
    return Markup("").join(
        Markup('<code style="{}">{}</code>').format(_CODE_STYLE, part) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


def _environment():
    env = environment()
    env.filters.setdefault("inline", _inline_html)  # the draft's one piece of inline markup
    return env


def render_html(draft: Draft) -> str:
    return _environment().get_template("requirements_doc.html.j2").render(draft=draft)
