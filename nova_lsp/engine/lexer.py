"""A fast scan for comments and string literals with one compiled regular expression.

``tokenize`` in Python 3.11 is pure Python and costs more than parsing; the rules only need
to know where comments are and which line ends fall inside strings.  The scan treats every
string form (prefixes, single and triple quotes, escapes) so that a ``#`` inside a string is
never a comment.  On unterminated strings it stops at the line end, like the tokenizer would
report an error there.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

_SCAN = re.compile(
    r"""
      (?P<comment>\#[^\r\n]*)
    | (?P<string>
        (?:(?<![A-Za-z0-9_])[rRbBuUfF]{1,2})?
        (?: \"\"\"[^\"\\]*(?:(?:\\.|\"(?!\"\"))[^\"\\]*)*(?:\"\"\"|\Z)
          | '''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)
          | \"[^\"\\\r\n]*(?:\\.[^\"\\\r\n]*)*\"?
          | '[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'?
        )
      )
    | (?P<continuation>\\\r?\n)
    """,
    re.VERBOSE | re.DOTALL,
)
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Comment:
    line: int  # 0-based
    col: int  # code points
    text: str


class Lexed:
    """Comments of a text, and the lines whose end lies inside a string or continuation."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        starts.extend(m.end() for m in _NEWLINE.finditer(text))
        self._starts = starts
        self.comments: list[Comment] = []
        self.open_lines: set[int] = set()  # a comment cannot be appended to these lines
        for match in _SCAN.finditer(text):
            kind = match.lastgroup
            if kind == "comment":
                line = bisect.bisect_right(starts, match.start()) - 1
                self.comments.append(Comment(line, match.start() - starts[line], match.group()))
            else:
                first = bisect.bisect_right(starts, match.start()) - 1
                last = bisect.bisect_right(starts, match.end() - 1) - 1
                if kind == "continuation":
                    self.open_lines.add(first)
                elif last > first:
                    self.open_lines.update(range(first, last))

    @cached_property
    def comment_lines(self) -> dict[int, Comment]:
        return {c.line: c for c in self.comments}


@lru_cache(maxsize=8)
def lex(text: str) -> Lexed:
    """The scan of ``text``, shared by the engine and every check of one analysis."""
    return Lexed(text)
