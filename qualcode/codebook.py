"""Codebooks: the YAML a researcher writes, validated in full before anything is loaded.

The fields follow MacQueen, McLellan, Kay & Milstein (1998), "Codebook development for
team-based qualitative analysis", Cultural Anthropology Methods 10(2):31-36: a label, a brief and
a full definition, when to use, when not to use, and an example. ``keywords`` and ``patterns``
feed rule auto-coding. Validation collects *every* problem with its location, because fixing a
codebook one error per run is miserable; if any is found nothing is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qualcode.errors import CodebookError
from qualcode.safeyaml import load_yaml

TEXT_FIELDS = ("brief", "definition", "when_to_use", "when_not_to_use", "example")
NODE_KEYS = {"label", *TEXT_FIELDS, "color", "keywords", "patterns", "codes"}
TOP_KEYS = {"name", "version", "description", "sources", "themes"}
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_PATTERN_KEYS = {
    "ORTH",
    "TEXT",
    "NORM",
    "LOWER",
    "LEMMA",
    "POS",
    "TAG",
    "MORPH",
    "DEP",
    "ENT_TYPE",
    "SHAPE",
    "LENGTH",
    "IS_ALPHA",
    "IS_ASCII",
    "IS_DIGIT",
    "IS_LOWER",
    "IS_UPPER",
    "IS_TITLE",
    "IS_PUNCT",
    "IS_SPACE",
    "IS_STOP",
    "IS_SENT_START",
    "LIKE_NUM",
    "LIKE_URL",
    "LIKE_EMAIL",
    "SPACY",
    "PREFIX",
    "SUFFIX",
    "OP",
}
_LIST_PREDICATES = {"IN", "NOT_IN", "INTERSECTS", "IS_SUBSET", "IS_SUPERSET"}
_PATTERN_PREDICATES = {
    "IN",
    "NOT_IN",
    "REGEX",
    "FUZZY",
    "INTERSECTS",
    "IS_SUBSET",
    "IS_SUPERSET",
    "==",
    "!=",
    ">=",
    "<=",
    ">",
    "<",
}


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
    codes: list[CodeSpec] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """The stored fields, as ``Project.add_code``/``update_code`` take them."""
        return {
            **{name: getattr(self, name) for name in TEXT_FIELDS},
            "color": self.color,
            "keywords": self.keywords,
            "patterns": self.patterns,
        }


@dataclass
class Codebook:
    name: str
    themes: list[CodeSpec]
    version: int = 1
    description: str = ""
    sources: list[str] = field(default_factory=list)

    def walk(self) -> Iterator[tuple[CodeSpec, CodeSpec | None]]:
        """Every code with its parent, parents first, in file order."""

        def visit(
            node: CodeSpec, parent: CodeSpec | None
        ) -> Iterator[tuple[CodeSpec, CodeSpec | None]]:
            yield node, parent
            for child in node.codes:
                yield from visit(child, node)

        for theme in self.themes:
            yield from visit(theme, None)


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
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CodebookError(source, [f"{where}malformed YAML ({problem})"]) from exc
    problems: list[str] = []
    codebook = _build(data, problems)
    if problems or codebook is None:
        raise CodebookError(source, problems or ["empty codebook"])
    return codebook


def _build(data: Any, problems: list[str]) -> Codebook | None:
    if not isinstance(data, dict):
        problems.append("the codebook must be a mapping with 'name' and 'themes'")
        return None
    for key in sorted(set(data) - TOP_KEYS, key=str):
        problems.append(f"unknown key '{key}' (allowed: {', '.join(sorted(TOP_KEYS))})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("name: missing codebook name")
        name = ""
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
        if (node := _node(raw, f"themes[{i}]", problems, seen)) is not None
    ]
    return Codebook(name.strip(), themes, version, description.strip(), sources)


def _node(raw: Any, where: str, problems: list[str], seen: dict[str, str]) -> CodeSpec | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with at least a 'label'")
        return None
    for key in sorted(set(raw) - NODE_KEYS, key=str):
        problems.append(f"{where}: unknown key '{key}'")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        problems.append(f"{where}.label: missing label")
        label = ""
    else:
        label = " ".join(label.split())
        if label.lower() in seen:
            problems.append(
                f"{where}.label: duplicate label '{label}' (also at {seen[label.lower()]})"
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
        if not isinstance(color, str) or not _COLOR.match(color):
            problems.append(f"{where}.color: '{color}' is not a colour like #1f77b4")
        else:
            spec.color = color.lower()
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
                if _pattern_ok(pattern, f"{where}.patterns[{j}]", problems):
                    spec.patterns.append(pattern)
    children = raw.get("codes")
    if children is not None:
        if not isinstance(children, list):
            problems.append(f"{where}.codes: must be a list of codes")
        else:
            for j, child in enumerate(children):
                node = _node(child, f"{where}.codes[{j}]", problems, seen)
                if node is not None:
                    spec.codes.append(node)
    return spec


def _op_ok(value: Any) -> bool:
    """spaCy's operators, including counted ones like {2}, {1,3}, {2,} and {,3} (n <= m)."""
    if value in ("!", "?", "+", "*"):
        return True
    match = re.fullmatch(r"\{(\d*)(,?)(\d*)\}", str(value))
    if match is None or not (match.group(1) or match.group(3)):
        return False
    low, comma, high = match.groups()
    if not comma:
        return bool(low) and not high
    return not (low and high) or int(low) <= int(high)


def _pattern_ok(pattern: Any, where: str, problems: list[str]) -> bool:
    """Check a spaCy Matcher token pattern's shape without importing spaCy.

    The full check (spaCy's own validator) runs again when auto-coding compiles the rules.
    """
    if not isinstance(pattern, list) or not pattern:
        problems.append(f"{where}: must be a non-empty list of token descriptions")
        return False
    ok = True
    for k, token in enumerate(pattern):
        spot = f"{where}[{k}]"
        if not isinstance(token, dict):
            problems.append(f"{spot}: each token must be a mapping like {{LOWER: alone}}")
            ok = False
            continue
        for key, value in token.items():
            if key not in _PATTERN_KEYS and not str(key).startswith("_"):
                problems.append(f"{spot}: unknown token attribute '{key}'")
                ok = False
            elif key == "OP" and not _op_ok(value):
                problems.append(f"{spot}: unknown operator OP '{value}'")
                ok = False
            elif isinstance(value, dict):
                for predicate, operand in value.items():
                    if predicate not in _PATTERN_PREDICATES:
                        problems.append(f"{spot}.{key}: unknown predicate '{predicate}'")
                        ok = False
                    elif predicate in _LIST_PREDICATES and not isinstance(operand, list):
                        problems.append(f"{spot}.{key}.{predicate}: must be a list of values")
                        ok = False
    return ok


def codebook_to_dict(codebook: Codebook) -> dict[str, Any]:
    """The YAML-ready structure, omitting empty fields so exports stay readable."""

    def node(spec: CodeSpec) -> dict[str, Any]:
        out: dict[str, Any] = {"label": spec.label}
        for name in TEXT_FIELDS:
            if getattr(spec, name):
                out[name] = getattr(spec, name)
        if spec.color:
            out["color"] = spec.color
        if spec.keywords:
            out["keywords"] = list(spec.keywords)
        if spec.patterns:
            out["patterns"] = spec.patterns
        if spec.codes:
            out["codes"] = [node(child) for child in spec.codes]
        return out

    data: dict[str, Any] = {"name": codebook.name, "version": codebook.version}
    if codebook.description:
        data["description"] = codebook.description
    if codebook.sources:
        data["sources"] = list(codebook.sources)
    data["themes"] = [node(theme) for theme in codebook.themes]
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


def codebook_from_codes(name: str, codes: list[Any], version: int = 1) -> Codebook:
    """Rebuild a codebook from a project's codes (records with ``name``, ``parent`` and the
    codebook fields, in tree order), so a project's codebook can be exported and shared."""
    specs: dict[str, CodeSpec] = {}
    themes: list[CodeSpec] = []
    for code in codes:
        spec = CodeSpec(
            label=code.name,
            **{name: getattr(code, name) or "" for name in TEXT_FIELDS},
            color=code.color,
            keywords=list(code.keywords),
            patterns=list(code.patterns),
        )
        specs[code.name] = spec
        if code.parent and code.parent in specs:
            specs[code.parent].codes.append(spec)
        else:
            themes.append(spec)
    return Codebook(name=name, themes=themes, version=version)
