"""The errors breakwater raises, defined in Python and built by the compiled module.

Every error carries the core's stable ``code`` (match on it, never on the text),
the dotted ``path`` of the offending field or parameter, and for documents
(``Policy.from_json`` / ``from_toml``) the 1-based ``line`` and ``column``.

The class follows the code: ``syntax_error`` → :class:`ParseError`,
``invalid_argument`` → :class:`InvalidArgumentError`, ``invalid_type`` →
:class:`BreakwaterTypeError` (also a :class:`TypeError`), and every other code
(``unknown_field``, ``out_of_range``, ``negative_duration``, ...) →
:class:`ConfigError`.
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "BreakwaterError",
    "ConfigError",
    "ParseError",
    "InvalidArgumentError",
    "BreakwaterTypeError",
]


class BreakwaterError(ValueError):
    """A refused input: ``code``, ``path``, ``message``, and ``line``/``column`` for documents."""

    code: str
    path: str
    message: str
    line: Optional[int]
    column: Optional[int]

    def __init__(
        self,
        text: str,
        *,
        code: str,
        path: str = "",
        message: str = "",
        line: Optional[int] = None,
        column: Optional[int] = None,
    ) -> None:
        super().__init__(text)
        self.code = code
        self.path = path
        self.message = message or text
        self.line = line
        self.column = column

    def __reduce__(self):  # keeps the attributes through pickle (multiprocessing)
        return (
            _rebuild,
            (type(self), str(self), self.code, self.path, self.message, self.line, self.column),
        )

    def __repr__(self) -> str:
        where = f", path={self.path!r}" if self.path else ""
        if self.line is not None:
            where += f", line={self.line}, column={self.column}"
        return f"{type(self).__name__}(code={self.code!r}{where}, message={self.message!r})"


def _rebuild(cls, text, code, path, message, line, column):
    return cls(text, code=code, path=path, message=message, line=line, column=column)


class ConfigError(BreakwaterError):
    """A config field was refused (unknown field, out of range, negative duration, ...)."""


class ParseError(BreakwaterError):
    """A JSON or TOML document is not well-formed (code ``syntax_error``, with line and column)."""


class InvalidArgumentError(BreakwaterError):
    """A method argument was refused (code ``invalid_argument``; ``path`` names the parameter)."""


class BreakwaterTypeError(BreakwaterError, TypeError):
    """A value of the wrong type (code ``invalid_type``); also a :class:`TypeError`."""
