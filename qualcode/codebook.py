"""Codebooks: the YAML a researcher writes, validated in full before anything is loaded.

The fields follow MacQueen, McLellan, Kay & Milstein (1998), "Codebook development for
team-based qualitative analysis", Cultural Anthropology Methods 10(2):31-36: a label, a brief and
a full definition, when to use, when not to use, and an example. ``keywords`` and ``patterns``
feed rule auto-coding. Validation collects *every* problem with its location, because fixing a
codebook one error per run is miserable; if any is found nothing is loaded.

Token patterns are checked against spaCy's own pattern schema (imported only when a codebook has
patterns); names and colours follow the store's rules (:mod:`qualcode.store.invariants`), so
whatever a project accepts exports to a codebook that loads again; codes nest at most
:data:`MAX_DEPTH` levels; every problem is one line, with values from the file shown escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qualcode.errors import CodebookError, ProjectError
from qualcode.safeyaml import load_yaml
from qualcode.store.invariants import MAX_NAME_LENGTH, check_color, check_negation, clean_name

TEXT_FIELDS = ("brief", "definition", "when_to_use", "when_not_to_use", "example")
NODE_KEYS = {"label", *TEXT_FIELDS, "color", "keywords", "patterns", "negation", "codes"}
TOP_KEYS = {"name", "version", "description", "sources", "themes"}
MAX_DEPTH = 20
"""Levels of codes below a theme. Real codebooks use two or three; twenty leaves room for any
of them, and a tree deeper than that is a generated or broken file."""


@dataclass
class CodeSpec:
    """One code (a theme is a top-level code with children)."""

    label: str
    brief: str = ""
    definition: str = ""
    when_to_use: str = ""
    when_not_to_use: str = ""
    example: str = ""
    color: str | None = None
    keywords: list[str] = field(default_factory=list)
    patterns: list[list[dict[str, Any]]] = field(default_factory=list)
    negation: str | None = None  # skip | flag | ignore a keyword inside a negation
    codes: list[CodeSpec] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """The stored fields, as ``project.codebook.add``/``.update`` take them."""
        return {
            **{name: getattr(self, name) for name in TEXT_FIELDS},
            "color": self.color,
            "keywords": self.keywords,
            "patterns": self.patterns,
            "negation": self.negation,
        }


@dataclass
class Codebook:
    name: str
    themes: list[CodeSpec]
    version: int = 1
    description: str = ""
    sources: list[str] = field(default_factory=list)

    def walk(self) -> Iterator[tuple[CodeSpec, CodeSpec | None]]:
        """Every code with its parent, parents first, in file order (depth-first, without
        recursion, so a tree built in code of any depth can be walked)."""
        stack: list[tuple[CodeSpec, CodeSpec | None]] = [(t, None) for t in reversed(self.themes)]
        while stack:
            node, parent = stack.pop()
            yield node, parent
            stack.extend((child, node) for child in reversed(node.codes))


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate a codebook file; raise :class:`CodebookError` listing every problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CodebookError(str(path), ["no such file"]) from exc
    except OSError as exc:
        raise CodebookError(str(path), [f"cannot read ({exc.strerror})"]) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(str(path), [f"not UTF-8 text (byte {exc.start})"]) from exc
    return parse_codebook(text, str(path))


def parse_codebook(text: str, source: str = "<codebook>") -> Codebook:
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["unreadable"])[0]
        raise CodebookError(source, [f"{where}malformed YAML ({_visible(problem)})"]) from exc
    except RecursionError as exc:  # load_yaml limits nesting; this is the last line of defence
        raise CodebookError(source, ["YAML nested too deeply to read"]) from exc
    problems = list(_unstorable(data))
    codebook = _build(data, problems)
    if problems or codebook is None:
        raise CodebookError(source, problems or ["empty codebook"])
    return codebook


def _build(data: Any, problems: list[str]) -> Codebook | None:
    if not isinstance(data, dict):
        problems.append("the codebook must be a mapping with 'name' and 'themes'")
        return None
    for key in sorted(set(data) - TOP_KEYS, key=_text):
        problems.append(f"unknown key '{_show(key)}' (allowed: {', '.join(sorted(TOP_KEYS))})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("name: missing codebook name")
        name = ""
    else:
        name = _name(name, "codebook", "name", problems)
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("version: must be a positive whole number")
        version = 1
    description = data.get("description") or ""
    if not isinstance(description, str):
        problems.append("description: must be text")
        description = ""
    sources = data.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        problems.append("sources: must be a list of citations")
        sources = []
    themes_raw = data.get("themes")
    if not isinstance(themes_raw, list) or not themes_raw:
        problems.append("themes: missing or empty list of themes")
        themes_raw = []
    seen: dict[str, str] = {}
    themes = [
        node
        for i, raw in enumerate(themes_raw)
        if (node := _node(raw, f"themes[{i}]", problems, seen, f"themes[{i}]", 0)) is not None
    ]
    return Codebook(name, themes, version, description.strip(), sources)


def _node(
    raw: Any, where: str, problems: list[str], seen: dict[str, str], theme: str, depth: int
) -> CodeSpec | None:
    """One code and (up to :data:`MAX_DEPTH` levels of) its children; recursion is bounded by
    that limit, and ``load_yaml`` refuses deeper nesting before a tree is even built."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with at least a 'label'")
        return None
    for key in sorted(set(raw) - NODE_KEYS, key=_text):
        problems.append(f"{where}: unknown key '{_show(key)}'")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.append(f"{where}.label: missing label")
        label = ""
    else:
        label = _name(label, "code", f"{where}.label", problems)
        if label.lower() in seen:
            problems.append(
                f"{where}.label: duplicate label '{_show(label)}' (also at {seen[label.lower()]})"
            )
        else:
            seen[label.lower()] = where
    spec = CodeSpec(label=label)
    for name in TEXT_FIELDS:
        value = raw.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(f"{where}.{name}: must be text")
            continue
        setattr(spec, name, " ".join(value.split()) if name == "brief" else value.strip())
    color = raw.get("color")
    if color is not None:
        try:
            if not isinstance(color, str):
                raise ProjectError("not text")
            spec.color = check_color(color)  # the store's rule, so exports load again
        except ProjectError:
            problems.append(f"{where}.color: '{_show(color)}' is not a colour like #1f77b4")
    negation = raw.get("negation")
    if negation is not None:
        try:
            spec.negation = check_negation(
                negation if isinstance(negation, str) else repr(negation)
            )
        except ProjectError as exc:
            problems.append(f"{where}.negation: {exc}")
    keywords = raw.get("keywords")
    if keywords is not None:
        if not isinstance(keywords, list):
            problems.append(f"{where}.keywords: must be a list of phrases")
        else:
            for j, keyword in enumerate(keywords):
                if not isinstance(keyword, str) or not keyword.strip():
                    problems.append(f"{where}.keywords[{j}]: must be a non-empty phrase")
                else:
                    spec.keywords.append(" ".join(keyword.split()))
    patterns = raw.get("patterns")
    if patterns is not None:
        if not isinstance(patterns, list):
            problems.append(f"{where}.patterns: must be a list of token patterns")
        else:
            for j, pattern in enumerate(patterns):
                found = pattern_problems(pattern, f"{where}.patterns[{j}]")
                problems.extend(found)
                if not found:
                    spec.patterns.append(pattern)
    children = raw.get("codes")
    if children is not None:
        if not isinstance(children, list):
            problems.append(f"{where}.codes: must be a list of codes")
        elif children and depth >= MAX_DEPTH:
            first = children[0]
            named = first.get("label") if isinstance(first, dict) else None
            at = _show(named) if isinstance(named, str) else f"{where}.codes[0]"
            problems.append(f"{theme}: codes nested deeper than {MAX_DEPTH} levels at '{at}'")
        else:
            for j, child in enumerate(children):
                node = _node(child, f"{where}.codes[{j}]", problems, seen, theme, depth + 1)
                if node is not None:
                    spec.codes.append(node)
    return spec


def _name(value: str, kind: str, where: str, problems: list[str]) -> str:
    """A name with its white space folded, or a problem if the store would refuse it."""
    try:
        return clean_name(value, kind)
    except ProjectError as exc:
        problems.append(f"{where}: {_visible(str(exc))}")
        return " ".join(value.split())[:MAX_NAME_LENGTH]


def _op_ok(value: Any) -> bool:
    """spaCy's operators, including counted ones like {2}, {1,3}, {2,} and {,3} (n <= m).

    spaCy's schema accepts ``{2,1}``; its Matcher then refuses it (E011), so it is checked here.
    """
    if value in ("!", "?", "+", "*"):
        return True
    match = re.fullmatch(r"\{(\d*)(,?)(\d*)\}", value) if isinstance(value, str) else None
    if match is None or not (match.group(1) or match.group(3)):
        return False
    low, comma, high = match.groups()
    if not comma:
        return bool(low) and not high
    return not (low and high) or int(low) <= int(high)


def pattern_problems(pattern: Any, where: str) -> list[str]:
    """Every problem spaCy's own token-pattern schema finds in one Matcher pattern, one line
    each, located as ``where[token].ATTRIBUTE``.

    The schema is the one ``Matcher(vocab, validate=True)`` applies
    (``spacy.schemas.TokenPatternSchema``), so the attributes and predicates allowed are always
    those of the installed spaCy. It needs no vocabulary or pipeline; spaCy itself is imported
    only when a codebook has patterns. Auto-coding still compiles the patterns (regular
    expressions, attributes that need a trained pipeline) when it runs or when a codebook is
    loaded into a project.
    """
    if not isinstance(pattern, list) or not pattern:
        return [f"{where}: must be a non-empty list of token descriptions"]
    problems: list[str] = []
    for k, token in enumerate(pattern):
        spot = f"{where}[{k}]"
        if not isinstance(token, dict):
            problems.append(f"{spot}: each token must be a mapping like {{LOWER: alone}}")
            continue
        checked: dict[str, Any] = {}
        for key, value in token.items():
            if not isinstance(key, str):
                problems.append(f"{spot}: token attribute names must be text, not {_show(key)}")
            elif key == "_":
                problems.append(f"{spot}: custom attributes ('_') are not supported")
            elif key.upper() == "OP":
                if not _op_ok(value):
                    problems.append(f"{spot}: unknown operator OP '{_show(value)}'")
            else:
                checked[key] = value
        problems.extend(_schema_problems(checked, spot))
        problems.extend(_regex_problems(checked, spot))
    return problems


def _regex_problems(token: dict[str, Any], spot: str) -> list[str]:
    """Compile every regular expression in a token as spaCy's Matcher will (``re.compile`` of
    each string under ``REGEX``), so a broken one is reported here, with its place, instead of
    when auto-coding runs."""
    problems = []
    stack: list[tuple[str, Any, bool]] = [("", token, False)]
    while stack:  # depth-first in file order, without recursion
        where, value, in_regex = stack.pop()
        if isinstance(value, dict):
            for key, child in reversed(value.items()):
                regex = in_regex or (isinstance(key, str) and key.upper() == "REGEX")
                stack.append((f"{where}.{_show(key)}", child, regex))
        elif isinstance(value, list):
            stack.extend(
                (f"{where}[{i}]", child, in_regex) for i, child in reversed(list(enumerate(value)))
            )
        elif in_regex and isinstance(value, str):
            try:
                re.compile(value)
            except re.error as exc:
                problems.append(f"{spot}{where}: bad regular expression ({_visible(str(exc))})")
            except RecursionError:
                problems.append(f"{spot}{where}: regular expression nested too deeply")
            except (OverflowError, ValueError) as exc:
                problems.append(f"{spot}{where}: bad regular expression ({_visible(str(exc))})")
    return problems


def _schema_problems(token: dict[str, Any], spot: str) -> list[str]:
    """spaCy's schema verdict on one token, as one line per offending attribute or predicate.

    pydantic reports a value that fits no branch of a union once per branch (``LOWER: 3`` is
    neither text nor a mapping of predicates); the error that reaches deepest into the value
    is kept, since it names what the writer evidently meant.
    """
    from pydantic import ValidationError
    from spacy.schemas import TokenPatternSchema

    try:
        TokenPatternSchema(pattern=[token])  # type: ignore[list-item]  # checked: that is the point
    except ValidationError as exc:
        errors: list[Any] = list(exc.errors())
    else:
        return []
    found: dict[tuple[Any, ...], list[Any]] = {}
    for error in errors:
        loc = tuple(error.get("loc", ()))
        data: Any = token
        path: tuple[Any, ...] = ()
        for part in loc[2:] if loc[:2] == ("pattern", 0) else ():
            # follow the steps into the value; the rest are pydantic's names for union branches
            if isinstance(data, dict) and part in data:
                data, path = data[part], (*path, part)
            elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
                data, path = data[part], (*path, part)
        found.setdefault(path, []).append(error)
    problems = []
    for path, errs in found.items():
        if any(len(other) > len(path) and other[: len(path)] == path for other in found):
            continue  # a deeper error about the same value says more
        error = min(errs, key=lambda e: "TokenPattern" in str(e.get("msg", "")))
        if error.get("type") == "extra_forbidden" and path:
            kind = "token attribute" if len(path) == 1 else "predicate"
            problems.append(f"{spot}{_path(path[:-1])}: unknown {kind} '{_show(path[-1])}'")
            continue
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        message = message[:1].lower() + message[1:]
        problems.append(f"{spot}{_path(path)}: {_visible(message, 160)}")
    return problems


def _path(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{_show(p)}" for p in path)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LARGEST = 2**63 - 1  # SQLite's integers, and spaCy's attribute values, fit in 64 bits


def _unstorable(data: Any) -> Iterator[str]:
    """Values no code should store or print: NUL and other control characters (tab and newline
    are fine), lone surrogates (YAML's ``"\\ud800"``, which SQLite cannot encode) and integers
    beyond 64 bits, each with its location. Walks without recursion, in file order."""
    stack: list[tuple[str, Any, bool]] = [("", data, False)]
    while stack:
        where, value, is_key = stack.pop()
        what = "the key " if is_key else ""
        if isinstance(value, str):
            if bad := _SURROGATE.search(value):
                code = ord(bad.group())
                yield f"{where}: {what}contains a lone surrogate (U+{code:04X}), not valid Unicode text"
            elif bad := _CONTROL.search(value):
                yield f"{where}: {what}contains a control character (U+{ord(bad.group()):04X})"
        elif isinstance(value, int) and not isinstance(value, bool):
            if not -_LARGEST <= value <= _LARGEST:
                yield f"{where}: {what}number is too large"
        elif isinstance(value, dict):
            for key, child in reversed(value.items()):
                at = f"{where}.{_show(key)}" if where else _show(key)
                stack.append((at, child, False))
                stack.append((at, key, True))
        elif isinstance(value, list):
            stack.extend(
                (f"{where}[{i}]", child, False) for i, child in reversed(list(enumerate(value)))
            )


def _text(value: Any) -> str:
    """``str(value)``, also for integers too long to print (Python refuses > 4300 digits)."""
    try:
        return str(value)
    except ValueError:
        return "<a very large number>"


def _show(value: Any, limit: int = 40) -> str:
    """A value from the file as it may appear in a one-line message: shortened, with control
    characters and line breaks made visible."""
    text = _text(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return _visible(text)


def _visible(text: str, limit: int | None = None) -> str:
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in special:
        return special[ch]
    code = ord(ch)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def codebook_to_dict(codebook: Codebook) -> dict[str, Any]:
    """The YAML-ready structure, omitting empty fields so exports stay readable."""
    out: dict[int, dict[str, Any]] = {}
    for spec, parent in codebook.walk():  # parents first, so each parent's dict exists
        node: dict[str, Any] = {"label": spec.label}
        for name in TEXT_FIELDS:
            if getattr(spec, name):
                node[name] = getattr(spec, name)
        if spec.color:
            node["color"] = spec.color
        if spec.keywords:
            node["keywords"] = list(spec.keywords)
        if spec.patterns:
            node["patterns"] = spec.patterns
        if spec.negation:
            node["negation"] = spec.negation
        out[id(spec)] = node
        if parent is not None:
            out[id(parent)].setdefault("codes", []).append(node)

    data: dict[str, Any] = {"name": codebook.name, "version": codebook.version}
    if codebook.description:
        data["description"] = codebook.description
    if codebook.sources:
        data["sources"] = list(codebook.sources)
    data["themes"] = [out[id(theme)] for theme in codebook.themes]
    return data


def dump_codebook(codebook: Codebook) -> str:
    return yaml.safe_dump(
        codebook_to_dict(codebook), sort_keys=False, allow_unicode=True, width=100
    )


def codebook_entries(codebook: Codebook) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(name, parent name, fields) for every code, parents first: what a project stores."""
    return [
        (spec.label, parent.label if parent else None, spec.fields())
        for spec, parent in codebook.walk()
    ]


def codebook_from_codes(
    name: str,
    codes: list[Any],
    version: int = 1,
    description: str = "",
    sources: list[str] | None = None,
) -> Codebook:
    """Rebuild a codebook from a project's codes (records with ``name``, ``parent`` and the
    codebook fields, in tree order), so a project's codebook can be exported and shared."""
    specs: dict[str, CodeSpec] = {}
    themes: list[CodeSpec] = []
    for code in codes:
        texts: dict[str, Any] = {name: getattr(code, name) or "" for name in TEXT_FIELDS}
        spec = CodeSpec(
            label=code.name,
            **texts,
            color=code.color,
            negation=getattr(code, "negation", None),
            keywords=list(code.keywords),
            patterns=list(code.patterns),
        )
        specs[code.name] = spec
        if code.parent and code.parent in specs:
            specs[code.parent].codes.append(spec)
        else:
            themes.append(spec)
    return Codebook(
        name=name,
        themes=themes,
        version=version,
        description=description,
        sources=list(sources or []),
    )
