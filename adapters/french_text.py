"""French typography for everything a template renders, pages and mails alike.

French puts a non-breaking space before « : ; ? ! » and inside « », so the
sign never wraps alone onto a line. One mechanism does it: a Jinja extension
rewrites the templates' own text as they are compiled, and the environment's
``finalize`` does the same to every value written into them (a use case's
message, an agency's name). Dates are written the French way too
(« 1er novembre 2026 »), through the ``french_date`` and ``french_moment``
filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup

from application.french_time import french_date, french_moment

NBSP = "\u00a0"
BEFORE = re.compile(r"[ \u00a0\u202f]+([:;?!»])")
AFTER = re.compile(r"«[ \u00a0\u202f]+")
NOT_PUNCTUATION = re.compile(r"(https?|mailto)\u00a0:")  # never inside an address


def typeset(text: str) -> str:
    """``text`` with the spaces around French punctuation made non-breaking."""
    text = AFTER.sub("«" + NBSP, BEFORE.sub(NBSP + r"\1", text))
    return NOT_PUNCTUATION.sub(r"\1:", text)


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):  # already safe HTML: only spaces change, never a tag
        return Markup(typeset(str(value)))  # noqa: S704
    if isinstance(value, str):
        return typeset(value)
    return value


class FrenchTypography(Extension):
    """Typesets the literal text of every template, once, as it is compiled."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        for token in stream:
            if token.type == "data":
                yield Token(token.lineno, "data", typeset(token.value))
            else:
                yield token


def install(environment: Environment) -> None:
    """French typography and dates for every template of ``environment``."""
    environment.add_extension(FrenchTypography)
    environment.finalize = _finalize
    environment.filters["french_date"] = french_date
    environment.filters["french_moment"] = french_moment
