"""The coding query language: a hand-written recursive-descent parser.

Grammar (keywords in any case; a code name is quoted, or one bare word)::

    query   := expr ["WHERE" cond] EOF
    expr    := and ("OR" and)*
    and     := follow (("AND" ["NOT"]) follow)*
    follow  := near ("FOLLOWED" "BY" near ["WITHIN" unit])*
    near    := primary ("NEAR" ["/" NUMBER] primary)*
    primary := NAME | STRING | "CODE" name | "THEME" name | "QUERY" name | "TEXT" STRING
             | "(" expr ")"
    unit    := "turn" | "sentence" | "document"
    cond    := conj ("OR" conj)*
    conj    := test ("AND" test)*
    test    := "(" cond ")" | field OP value      OP: = != < <= > >=
    field   := "SPEAKER" | "CODER" | "DOCUMENT" | NAME (an attribute)
    value   := STRING | NAME | NUMBER   (an unquoted 2024-02-01 is one NAME)

NEAR binds tightest, then FOLLOWED BY, then AND / AND NOT, then OR. What each operator returns
is documented in :mod:`qualcode.query.engine`. Errors are :class:`QuerySyntaxError` with the
1-based column of the token where the parser gave up.

A number is only a number when no ``-`` follows it, so an unquoted ISO date (``2024-02-01``) or
``5-year`` is one word rather than a number and two negative numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualcode.errors import QualcodeError

_LEX = re.compile(
    r"""(?P<ws>\s+)|(?P<str>"[^"]*"|'[^']*')|(?P<op>!=|<=|>=|=|<|>)|(?P<p>[()/])"""
    r"""|(?P<num>-?\d+(?:\.\d+)?(?![\w.-]))|(?P<name>[^\s()/"'=!<>]+)|(?P<bad>["'!])"""
)
KEYWORDS = {"AND", "OR", "NOT", "NEAR", "FOLLOWED", "BY", "WITHIN", "WHERE", "CODE", "THEME",
            "QUERY", "TEXT"}  # fmt: skip
UNITS = ("turn", "sentence", "document")
FIELDS = ("SPEAKER", "CODER", "DOCUMENT")


class QuerySyntaxError(QualcodeError):
    def __init__(self, message: str, column: int, found: str = "") -> None:
        super().__init__(f"{message} at column {column}" + (f" (found {found})" if found else ""))
        self.column = column


@dataclass(frozen=True)
class Ref:
    kind: str  # "code" | "theme" | "query" | "text"
    name: str
    column: int


@dataclass(frozen=True)
class Binary:
    op: str  # "OR" | "AND" | "AND NOT" | "NEAR" | "FOLLOWED BY"
    left: Expr
    right: Expr
    distance: int = 1  # NEAR: sentences apart
    unit: str = "document"  # FOLLOWED BY ... WITHIN


Expr = Ref | Binary


@dataclass(frozen=True)
class Test:
    field: str  # "SPEAKER" | "CODER" | "DOCUMENT" | an attribute name
    op: str
    value: str
    column: int
    value_column: int = 0


@dataclass(frozen=True)
class Cond:
    op: str  # "AND" | "OR"
    parts: tuple[Cond | Test, ...]


@dataclass(frozen=True)
class Query:
    expr: Expr
    where: Cond | Test | None
    text: str


def parse_query(text: str) -> Query:
    p = _Parser(text)
    expr = p.expr()
    where = None
    if p.keyword("WHERE"):
        where = p.cond()
    if p.i < len(p.toks):
        p.fail("expected AND, OR, NEAR, FOLLOWED BY or WHERE")
    return Query(expr, where, text)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.i = text, 0
        self.toks: list[tuple[str, str, int]] = []
        for m in _LEX.finditer(text):
            kind = m.lastgroup or "bad"
            if kind == "bad" or (kind == "str" and len(m.group()) < 2):
                raise QuerySyntaxError("unclosed quote", m.start() + 1)
            if kind != "ws":
                self.toks.append((kind, m.group(), m.start() + 1))

    def peek(self) -> tuple[str, str, int]:
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", "", len(self.text) + 1)

    def fail(self, what: str) -> None:
        kind, value, column = self.peek()
        raise QuerySyntaxError(what, column, "" if kind == "eof" else repr(value))

    def keyword(self, *words: str) -> str | None:
        kind, value, _ = self.peek()
        if kind == "name" and value.upper() in words:
            self.i += 1
            return value.upper()
        return None

    def expr(self) -> Expr:
        node = self.and_()
        while self.keyword("OR"):
            node = Binary("OR", node, self.and_("OR"))
        return node

    def and_(self, after: str = "") -> Expr:
        node = self.follow(after)
        while self.keyword("AND"):
            op = "AND NOT" if self.keyword("NOT") else "AND"
            node = Binary(op, node, self.follow(op))
        return node

    def follow(self, after: str) -> Expr:
        node = self.near(after)
        while self.keyword("FOLLOWED"):
            if not self.keyword("BY"):
                self.fail("expected BY after FOLLOWED")
            right, unit = self.near("FOLLOWED BY"), "document"
            if self.keyword("WITHIN"):
                kind, value, _ = self.peek()
                if value.lower() not in UNITS:
                    self.fail("expected turn, sentence or document after WITHIN")
                unit, self.i = value.lower(), self.i + 1
            node = Binary("FOLLOWED BY", node, right, unit=unit)
        return node

    def near(self, after: str) -> Expr:
        node = self.primary(after)
        while self.keyword("NEAR"):
            distance = 1
            if self.peek()[1] == "/":
                self.i += 1
                kind, value, _ = self.peek()
                if kind != "num" or not value.isdigit():
                    self.fail("expected a number of sentences after NEAR/")
                distance, self.i = int(value), self.i + 1
            node = Binary("NEAR", node, self.primary(f"NEAR/{distance}"), distance)
        return node

    def primary(self, after: str) -> Expr:
        kind, value, column = self.peek()
        if value == "(":
            self.i += 1
            node = self.expr()
            if self.peek()[1] != ")":
                self.fail("expected )")
            self.i += 1
            return node
        ref = self.keyword("CODE", "THEME", "QUERY", "TEXT")
        if ref:
            kind, value, column = self.peek()
            if kind != "str" and (ref == "TEXT" or kind != "name"):
                self.fail(
                    f"expected a {'search in quotes' if ref == 'TEXT' else 'name'} after {ref}"
                )
            self.i += 1
            return Ref(ref.lower(), value[1:-1] if kind == "str" else value, column)
        if kind == "str" or (kind == "name" and value.upper() not in KEYWORDS):
            self.i += 1
            return Ref("code", value[1:-1] if kind == "str" else value, column)
        self.fail("expected a code name" + (f" after {after}" if after else ""))
        raise AssertionError  # pragma: no cover

    def cond(self) -> Cond | Test:
        parts = [self.conj()]
        while self.keyword("OR"):
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else Cond("OR", tuple(parts))

    def conj(self) -> Cond | Test:
        parts = [self.test()]
        while self.keyword("AND"):
            parts.append(self.test())
        return parts[0] if len(parts) == 1 else Cond("AND", tuple(parts))

    def test(self) -> Cond | Test:
        kind, field, column = self.peek()
        if field == "(":
            self.i += 1
            inner = self.cond()
            if self.peek()[1] != ")":
                self.fail("expected )")
            self.i += 1
            return inner
        if kind not in ("name", "str") or field.upper() in KEYWORDS - {"TEXT", "QUERY"}:
            self.fail("expected an attribute, SPEAKER, CODER or DOCUMENT")
        self.i += 1
        field = field[1:-1] if kind == "str" else field
        field = field.upper() if field.upper() in FIELDS else field
        kind, op, _ = self.peek()
        if kind != "op":
            self.fail(f"expected =, !=, <, <=, > or >= after {field}")
        self.i += 1
        kind, value, value_column = self.peek()
        if kind not in ("str", "name", "num"):
            self.fail(f"expected a value after {field} {op}")
        self.i += 1
        return Test(field, op, value[1:-1] if kind == "str" else value, column, value_column)
