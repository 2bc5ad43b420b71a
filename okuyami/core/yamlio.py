"""Strict YAML loading with a line/column mark for every node.

厳格なYAML読込 — PyYAML alone silently accepts duplicate keys (last wins), reads ``no``/``yes``/``on`` as
booleans and ``012`` as 10. A department's typo must become an error, not a silent rule change, so this
module composes the node tree with PyYAML and builds the values itself:

- plain ``true``/``false`` are booleans; ``yes``/``no``/``on``/``off``/``y``/``n`` are refused;
- decimal integers without a leading zero are integers; ``012``, ``0x1F``, ``1_000``, ``1:30`` are refused;
- ``2026-11-15`` is a date (an impossible date is refused); a timestamp with a time is refused;
- a duplicate key is refused, naming the line of the first one;
- anything quoted is text, always.

Every problem is collected (not just the first) and located. The result keeps the marks of every value and
key, so that later validation (pydantic, conditions) can point at the exact line and column.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .problems import Mark, Problems, did_you_mean

PathKey = tuple[Any, ...]

# libyaml's composer when present (10× faster on a large city's rulebook); both keep line/column marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TRAP_BOOL = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = {"", "~", "null", "Null", "NULL"}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9]+$")
_OTHER_INT = re.compile(r"^[-+]?(0[xob][0-9a-fA-F_]+|[0-9][0-9_]*_[0-9_]*)$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
_FLOAT = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}")


@dataclass
class Document:
    """A loaded YAML file: plain Python data plus the marks of every node."""

    file: str
    data: Any = None
    marks: dict[PathKey, Mark] = field(default_factory=dict)
    key_marks: dict[PathKey, Mark] = field(default_factory=dict)

    def mark(self, path: PathKey = (), *, key: bool = False) -> Mark:
        """The mark of the value at ``path`` (or of its key), falling back to the nearest ancestor."""
        path = tuple(path)
        if key and path in self.key_marks:
            return self.key_marks[path]
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), Mark(self.file, 1, 1))


def _mark(file: str, node_mark: yaml.Mark) -> Mark:
    return Mark(file, node_mark.line + 1, node_mark.column + 1)


class _Builder:
    def __init__(self, file: str, problems: Problems):
        self.doc = Document(file)
        self.problems = problems

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        here = _mark(self.doc.file, node.start_mark)
        self.doc.marks[path] = here
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            first_seen: dict[Any, Mark] = {}
            for key_node, value_node in node.value:
                key_mark = _mark(self.doc.file, key_node.start_mark)
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.error(key_mark, "a key must be a plain name, not a list or a mapping", settle=True)
                    continue
                key = self.scalar(key_node, key_mark)
                if isinstance(key, (int, float, dt.date)) and not isinstance(key, bool):
                    key = key_node.value  # numbers and dates as keys stay text (e.g. a year "2027")
                if not isinstance(key, str):
                    if key is not None or key_node.value != "":
                        self.problems.error(key_mark, f"the key '{key_node.value}' must be a name")
                    else:
                        self.problems.error(key_mark, "empty key")
                    continue
                if key in first_seen:
                    first = first_seen[key]
                    self.problems.error(
                        key_mark,
                        f"duplicate key '{key}' (first at {first.line}:{first.col}); "
                        "YAML would silently keep only the last one — remove or rename one of them",
                    )
                    continue
                first_seen[key] = key_mark
                self.doc.key_marks[path + (key,)] = key_mark
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self.scalar(node, here)

    def scalar(self, node: yaml.ScalarNode, mark: Mark) -> Any:
        text = node.value
        if node.style:  # quoted, literal or folded: always text (plain is None, or '' from libyaml)
            return text
        if text in _NULL:
            return None
        if text in _BOOL:
            return _BOOL[text]
        if _TRAP_BOOL.match(text):
            meant = "true" if text.lower() in {"y", "yes", "on"} else "false"
            self.problems.error(
                mark, settle=True, message=
                f"'{text}' is ambiguous in YAML (old readers take it as {meant}, new ones as text): "
                f"write {meant}, or \"{text}\" in quotes if you mean the word",
            )
            return text
        if _INT.match(text):
            return int(text)
        if _LEADING_ZERO.match(text):
            self.problems.error(
                mark, settle=True, message=
                f"'{text}' has a leading zero (YAML 1.1 reads it as an octal number, "
                f"{int(text, 8) if set(text.lstrip('+-')) <= set('01234567') else 'or as text'}): "
                f"write {int(text)} for the number, or \"{text}\" in quotes for text",
            )
            return text
        if _OTHER_INT.match(text) or _SEXAGESIMAL.match(text):
            self.problems.error(
                mark, settle=True, message=
                f"'{text}' is read differently by different YAML readers: write a plain decimal number, "
                f"or \"{text}\" in quotes for text",
            )
            return text
        if _FLOAT.match(text):
            return float(text)
        if _SPECIAL_FLOAT.match(text):
            self.problems.error(mark, settle=True, message=f"'{text}' is not a usable number here")
            return text
        m = _DATE.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                self.problems.error(mark, settle=True, message=f"impossible date '{text}' (no such day in the calendar)")
                return text
        if _TIMESTAMP.match(text):
            self.problems.error(mark, settle=True, message=f"'{text}': write only the date (YYYY-MM-DD), without a time")
            return text
        return text


def load_text(text: str, file: str, problems: Problems) -> Document:
    """Parse ``text``; problems (syntax, traps, duplicates) are added to ``problems``."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _mark(file, mark) if mark else Mark(file)
        what = exc.problem or exc.context or "invalid YAML"
        hint = ""
        if "\t" in text and "tab" in str(what).lower() or "found character '\\t'" in str(exc):
            hint = " (use spaces, not tabs, to indent)"
        problems.error(where, f"YAML syntax error: {what}{hint}")
        return Document(file)
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare (encoding)
        problems.error(Mark(file), f"YAML error: {exc}")
        return Document(file)
    builder = _Builder(file, problems)
    if node is None:
        builder.doc.marks[()] = Mark(file, 1, 1)
        return builder.doc
    builder.doc.data = builder.build(node, ())
    return builder.doc


def load_file(path: Path, shown_as: str, problems: Problems) -> Document:
    """Read and parse a file; an unreadable file is a located problem, not a traceback."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.error(Mark(shown_as), f"cannot read the file: {exc.strerror or exc}")
        return Document(shown_as)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.error(Mark(shown_as, line, 1), "the file is not UTF-8: save it as UTF-8 (BOM is fine)")
        return Document(shown_as)
    return load_text(text, shown_as, problems)


class StrictModel(BaseModel):
    """Base of every file schema: unknown keys refused, no type coercion ("14" is not 14), immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


# --- pydantic errors, located --------------------------------------------------------------------------

_TYPE_WORDS = {
    "bool_type": "true or false",
    "int_type": "a whole number",
    "string_type": "text",
    "date_type": "a date (YYYY-MM-DD)",
    "list_type": "a list",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "float_type": "a number",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"'{value}'"


def _field_names(model: type[BaseModel], loc: PathKey) -> list[str]:
    """The keys allowed at ``loc`` (for did-you-mean), walking nested models."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        ann = fields[part].annotation
        current = _inner_model(ann)
        if current is None:
            return []
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _inner_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _label(path: PathKey) -> str:
    """'deadline' / 'item 3 of bring' — how a clerk would name the place."""
    if not path:
        return "the file"
    if isinstance(path[-1], int):
        parent = next((p for p in reversed(path) if isinstance(p, str)), "the list")
        return f"item {path[-1] + 1} of '{parent}'"
    return f"'{path[-1]}'"


def validate_each(model: type[BaseModel], doc: Document, problems: Problems, base: PathKey,
                  *, mapping: bool) -> dict | list:
    """Validate every item of the mapping (or list) at ``base`` on its own, so one bad item does not hide
    the problems of the others. Returns the good items (a dict by key, or a list of (index, item))."""
    data = doc.data
    for key in base:
        data = data.get(key) if isinstance(data, dict) else None
    want = dict if mapping else list
    if data is None:
        return {} if mapping else []
    if not isinstance(data, want):
        problems.error(doc.mark(base), f"{_label(base)} must be {'a mapping (id: …)' if mapping else 'a list'}")
        return {} if mapping else []
    if mapping:
        out: dict = {}
        for key, item in data.items():
            good = validate(model, doc, problems, data=item, base=base + (key,))
            if good is not None:
                out[key] = good
        return out
    items = []
    for i, item in enumerate(data):
        good = validate(model, doc, problems, data=item, base=base + (i,))
        if good is not None:
            items.append((i, good))
    return items


def validate(model: type[BaseModel], doc: Document, problems: Problems, *, data: Any = None,
             base: PathKey = ()) -> Any:
    """Validate ``doc.data`` (or ``data`` found at ``base`` in the doc) against ``model``.

    Returns the model instance, or None when there were errors (each one added to ``problems``, located).
    """
    payload = doc.data if data is None and not base else data
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            path = base + loc
            kind = err["type"]
            name = _label(path)
            if kind == "extra_forbidden":
                allowed = _field_names(model, loc[:-1])
                problems.error(
                    doc.mark(path, key=True),
                    f"unknown key '{loc[-1]}'{did_you_mean(loc[-1], allowed)}"
                    + (f"; allowed here: {', '.join(allowed)}" if allowed and not did_you_mean(loc[-1], allowed) else ""),
                )
            elif kind == "missing":
                where = doc.mark(path[:-1])
                parent = "/".join(str(p) for p in path[:-1]) or "the file"
                problems.error(where, f"missing key '{loc[-1]}' in {parent}")
            elif kind in _TYPE_WORDS:
                problems.error(doc.mark(path), f"{name} must be {_TYPE_WORDS[kind]}, not {_describe(err.get('input'))}")
            elif kind == "literal_error":
                expected = err.get("ctx", {}).get("expected", "")
                got = err.get("input")
                options = re.findall(r"'([^']*)'", expected)
                problems.error(doc.mark(path),
                               f"{name} is {_describe(got)}; it must be one of {expected}"
                               f"{did_you_mean(got, options) if isinstance(got, str) else ''}")
            else:
                msg = err["msg"]
                if msg.startswith("Value error, "):
                    msg = msg[len("Value error, "):]
                problems.error(doc.mark(path), f"{name}: {msg}")
        return None
