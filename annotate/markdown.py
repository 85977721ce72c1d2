"""Render rulebook Markdown to safe HTML: markdown-it-py, then sanitised with nh3.

Raw HTML in a rulebook is parsed (so harmless tags such as ``<br>`` work) and then cleaned:
``<script>``, event-handler attributes and ``javascript:`` links never reach the page.
Clause headings (``### R1.2 Title``) get ``id="clause-R1.2"`` anchors so pages can link to a
clause; the anchor is added after cleaning, from the validated clause key only.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from annotate.services.rulebooks.parsing import split_body

_md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
_CLAUSE_HEADING = re.compile(r"<h3>([RL]\d+(?:\.\d+)*) ")


def clause_anchor(key: str) -> str:
    """The HTML id of a clause heading."""
    return f"clause-{key}"


def render_markdown(text: str, *, strip_front_matter: bool = True) -> Markup:
    """Return sanitised HTML for ``text`` (front matter removed by default)."""
    if strip_front_matter:
        text = split_body(text)
    html = nh3.clean(
        _md.render(text),
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    html = _CLAUSE_HEADING.sub(
        lambda m: f'<h3 id="{clause_anchor(m[1])}" class="clause-heading">{m[1]} ', html
    )
    return Markup(html)  # noqa: S704 - cleaned by nh3 above
