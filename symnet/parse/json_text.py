"""JSON from a file nobody vouches for, read within limits: size, nesting depth, number length.

Python's :func:`json.loads` has no depth limit (a deeply nested document ends in a
``RecursionError``), turns a 5,000-digit integer into a ``ValueError`` from the int-string
limit, and reads ``1e999`` as infinity. :func:`parse_json` checks the size and the depth
first, with no recursion, and hands every number token to a converter that refuses it when
it is too long or not finite, so each of these is one ``ParseError`` line.

>>> parse_json('{"kernel": [[1, 2], [3, 4.5]]}')
{'kernel': [[1, 2], [3, 4.5]]}
>>> parse_json("[" * 100 + "]" * 100)
Traceback (most recent call last):
...
symnet.exceptions.ParseError: the JSON is nested more than 32 levels deep
"""

from __future__ import annotations

import json
import math
import re

from symnet.exceptions import ParseError

__all__ = ["MAX_JSON_BYTES", "MAX_JSON_DEPTH", "MAX_NUMBER_LENGTH", "json_depth", "parse_json"]

#: The longest JSON text read (characters).
MAX_JSON_BYTES = 4_000_000
#: The deepest nesting of lists and objects read.
MAX_JSON_DEPTH = 32
#: The longest number token read (characters): far more than any float64 needs.
MAX_NUMBER_LENGTH = 100

# A JSON string literal; its brackets are text, not nesting. (A pattern as text: ``re``
# caches it, and the parser package calls nothing named compile.)
_STRING = r'"(?:[^"\\]|\\.)*"'


def json_depth(text: str, stop: int | None = None) -> int:
    """The deepest nesting of ``[`` and ``{`` in JSON ``text``, outside strings (no recursion).

    Counting ends as soon as the depth passes ``stop``, so a crafted document costs little.

    >>> json_depth('{"a": [1, {"b": "[[["}]}')
    3
    """
    depth = deepest = 0
    for bracket in re.finditer(r"[\[\]{}]", re.sub(_STRING, "", text, flags=re.DOTALL)):
        depth += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, depth)
        if stop is not None and deepest > stop:
            break
    return deepest


def _number(kind, limit: int):
    def convert(token: str):
        if len(token) > limit:
            raise ParseError(f"a JSON number has {len(token)} characters (limit {limit})")
        value = kind(token)
        if isinstance(value, float) and not math.isfinite(value):
            raise ParseError(f"the JSON number {token} is too large for a float")
        return value

    return convert


def _constant(token: str):
    raise ParseError(f"the JSON holds {token}, which is not a finite number")


def parse_json(
    text: str,
    max_depth: int = MAX_JSON_DEPTH,
    max_length: int = MAX_JSON_BYTES,
    max_number: int = MAX_NUMBER_LENGTH,
):
    """The value of JSON ``text``; ``ParseError`` when it is invalid or beyond a limit.

    Refused: text longer than ``max_length`` characters, nesting deeper than ``max_depth``,
    a number token longer than ``max_number`` characters, ``NaN``/``Infinity`` and numbers
    that overflow a float.
    """
    if len(text) > max_length:
        raise ParseError(f"the JSON has {len(text)} characters (limit {max_length})")
    if json_depth(text, stop=max_depth) > max_depth:
        raise ParseError(f"the JSON is nested more than {max_depth} levels deep")
    try:
        return json.loads(
            text,
            parse_int=_number(int, max_number),
            parse_float=_number(float, max_number),
            parse_constant=_constant,
        )
    except json.JSONDecodeError as error:
        raise ParseError(f"it is not valid JSON ({error.msg}, line {error.lineno})") from None
