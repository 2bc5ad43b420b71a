"""Line-exact edits of a YAML file (YAMLの部分書き換え): change the text of a value in place, add a key right under
its sibling, remove a key — and leave every other character of the file as it was (comments, order, blank lines,
quoting, flow or block style of everything untouched). Used by ``rules import-xlsx``.

An edit works on the character spans that :func:`okuyami.core.yamlio.load_text` keeps with ``spans=True``: the
new value replaces exactly the old value's text; nothing is re-dumped. The caller checks the result by reading it
again (:func:`okuyami.core.xlsx_rules` compares every value with what it wanted, and runs the rulebook's checks).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .problems import Problems
from .yamlio import Document, PathKey, Span, load_text

_PLAIN_START = set("-?:,[]{}#&*!|>'\"%@` \t")
_FLOW_CHARS = set(",[]{}")


def plain_ok(value: str, *, flow: bool) -> bool:
    """Whether ``value`` can be written without quotes and read back as exactly this text (not a number, a date,
    a boolean, a comment …), in block or flow context."""
    if not value or value != value.strip() or value[0] in _PLAIN_START or "\n" in value or "\t" in value \
            or "\r" in value:
        return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    if flow and (_FLOW_CHARS & set(value)):
        return False
    probe = f"k: [{value}]\n" if flow else f"k: {value}\n"
    problems = Problems()
    doc = load_text(probe, "probe", problems)
    want = {"k": [value]} if flow else {"k": value}
    return not problems.items and doc.data == want


def render_scalar(value: str, *, flow: bool) -> str:
    """The text to write for ``value``: plain when that reads back the same, else double-quoted (JSON's escapes are
    YAML's)."""
    if plain_ok(value, flow=flow):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass
class Editor:
    """Edits on one document; :meth:`result` applies them (from the end, so that offsets stay right)."""

    doc: Document
    edits: list[tuple[int, int, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        assert self.doc.text is not None and self.doc.spans is not None, "load the document with spans=True"
        self.text = self.doc.text
        self.newline = "\r\n" if "\r\n" in self.text else "\n"

    # -- where things are ------------------------------------------------------------------------------------------
    def span(self, path: PathKey) -> Span:
        return self.doc.spans[tuple(path)]

    def key_span(self, path: PathKey) -> Span:
        return self.doc.key_spans[tuple(path)]

    def column(self, index: int) -> int:
        return index - (self.text.rfind("\n", 0, index) + 1)

    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def line_end(self, index: int) -> int:
        """The index of the line break that ends the line holding ``index`` (or the end of the text)."""
        end = self.text.find("\n", index)
        if end == -1:
            return len(self.text)
        return end - 1 if end > 0 and self.text[end - 1] == "\r" else end

    def in_flow(self, path: PathKey) -> bool:
        """Whether the node at ``path`` stands inside a flow collection ({…} or […])."""
        path = tuple(path)
        for i in range(len(path) - 1, -1, -1):
            parent = self.doc.spans.get(path[:i])
            if parent is not None and parent.flow:
                return True
        return False

    def replace(self, start: int, end: int, new: str) -> None:
        for s, e, _ in self.edits:
            if start < e and s < end or (start == end == s):
                raise ValueError("two edits of the same place")
        self.edits.append((start, end, new))

    # -- values ----------------------------------------------------------------------------------------------------
    def set_scalar(self, path: PathKey, value: str) -> None:
        """Replace the text of the scalar at ``path``, keeping its style where it can (a block scalar stays one)."""
        sp = self.span(path)
        flow = self.in_flow(path)
        if sp.style in ("|", ">") and not flow:
            seg = self.text[sp.start:sp.end]
            content_end = sp.start + len(seg.rstrip())
            lines = seg.split("\n")
            indent = next((len(x) - len(x.lstrip(" ")) for x in lines[1:] if x.strip()), self.column(sp.start) + 2)
            pad = " " * indent
            if "\n" in value:
                body = self.newline.join(pad + line if line else "" for line in value.split("\n"))
                self.replace(sp.start, content_end, "|-" + self.newline + body)
            else:
                self.replace(sp.start, content_end, (">-" if sp.style == ">" else "|-") + self.newline + pad + value)
            return
        if sp.style == '"' or (sp.style == "'" and "\n" in value):
            self.replace(sp.start, sp.end, json.dumps(value, ensure_ascii=False))
        elif sp.style == "'":
            self.replace(sp.start, sp.end, "'" + value.replace("'", "''") + "'")
        else:
            self.replace(sp.start, sp.end, render_scalar(value, flow=flow))

    def set_list(self, path: PathKey, values: list[str]) -> None:
        """Replace the list at ``path``: item by item when the number of items is the same (comments between them
        stay), else the whole list, in its own style (flow stays flow, block stays block)."""
        sp = self.span(path)
        data = self._data(path)
        if isinstance(data, list) and len(data) == len(values):
            for i, (old, new) in enumerate(zip(data, values)):
                if old != new:
                    self.set_scalar(tuple(path) + (i,), new)
            return
        if sp.flow or not data:
            self.replace(sp.start, sp.end, "[" + ", ".join(render_scalar(v, flow=True) for v in values) + "]")
            return
        first = self.span(tuple(path) + (0,))
        last = self.span(tuple(path) + (len(data) - 1,))
        dash = self.text.rfind("-", self.line_start(first.start), first.start)
        start = dash if dash != -1 else first.start
        if not values:
            self.replace(start, last.end, "[]")
            return
        pad = " " * self.column(start)
        body = (self.newline + pad).join("- " + render_scalar(v, flow=False) for v in values)
        self.replace(start, self._item_end(last), body)

    def _item_end(self, sp: Span) -> int:
        if sp.style in ("|", ">"):
            seg = self.text[sp.start:sp.end]
            return sp.start + len(seg.rstrip())
        return sp.end

    def _data(self, path: PathKey) -> Any:
        data = self.doc.data
        for part in path:
            data = data[part]
        return data

    # -- keys ------------------------------------------------------------------------------------------------------
    def add_keys(self, mapping: PathKey, after: str, pairs: list[tuple[str, str | list[str]]]) -> None:
        """Write ``key: value`` lines into the mapping at ``mapping``, in this order, right after its key ``after``
        (and its value): a translation goes right under the text it translates."""
        mapping = tuple(mapping)
        value_span = self.span(mapping + (after,))
        key_span = self.key_span(mapping + (after,))
        after_data = self._data(mapping + (after,))
        end = self._item_end(value_span)
        if isinstance(after_data, list) and after_data and not value_span.flow:
            end = self._item_end(self.span(mapping + (after, len(after_data) - 1)))
        if self.span(mapping).flow or self.in_flow(mapping + (after,)):
            text = "".join(f", {key}: " + (render_scalar(value, flow=True) if isinstance(value, str) else
                                           "[" + ", ".join(render_scalar(v, flow=True) for v in value) + "]")
                           for key, value in pairs)
            self.replace(end, end, text)
            return
        pad = " " * self.column(key_span.start)
        lines = []
        for key, value in pairs:
            if isinstance(value, str):
                if "\n" in value:
                    inner = " " * (len(pad) + 2)
                    shown = "|-" + self.newline + self.newline.join(inner + ln if ln else "" for ln in value.split("\n"))
                else:
                    shown = render_scalar(value, flow=False)
                lines.append(f"{pad}{key}: {shown}")
            else:
                step = self._list_indent(mapping)
                items = self.newline.join(f"{pad}{' ' * step}- {render_scalar(v, flow=False)}" for v in value)
                lines.append(f"{pad}{key}:" + (self.newline + items if value else " []"))
        at = self.line_end(end) if not (end > 0 and self.text[end - 1] == "\n") else end
        if at == end and end > 0 and self.text[end - 1] == "\n":  # after a block scalar: at the next line's start
            self.replace(at, at, self.newline.join(lines) + self.newline)
        else:
            self.replace(at, at, self.newline + self.newline.join(lines))

    def _list_indent(self, mapping: PathKey) -> int:
        """How far the file indents a block list under its key (2 for 'bring:\\n  - x'; 0 for 'bring:\\n- x')."""
        for key, value in (self._data(mapping) or {}).items():
            if isinstance(value, list) and value and not self.span(mapping + (key,)).flow:
                first = self.span(mapping + (key, 0))
                dash = self.text.rfind("-", self.line_start(first.start), first.start)
                return max(0, self.column(dash if dash != -1 else first.start) - self.column(self.key_span(mapping + (key,)).start))
        return 2

    def remove_key(self, mapping: PathKey, key: str) -> None:
        """Take ``key`` (and its value) out of the mapping at ``mapping``."""
        mapping = tuple(mapping)
        ks = self.key_span(mapping + (key,))
        vs = self.span(mapping + (key,))
        data = self._data(mapping + (key,))
        end = self._item_end(vs)
        if isinstance(data, list) and data and not vs.flow:
            end = self._item_end(self.span(mapping + (key, len(data) - 1)))
        if self.span(mapping).flow:
            before = self.text.rfind(",", self.span(mapping).start, ks.start)
            if before != -1:
                self.replace(before, end, "")
            else:  # the first key of a flow mapping: take the comma after it
                after = self.text.find(",", end, self.span(mapping).end)
                self.replace(ks.start, (after + 1 if after != -1 else end), "")
            return
        start = self.line_start(ks.start)
        if self.text[start:ks.start].strip():  # 'key' shares its line ('- key: …'): keep the line, take the key
            raise ValueError("cannot remove the first key of a list item")
        stop = self.line_end(end)
        nl = self.text.find("\n", stop)
        self.replace(start, nl + 1 if nl != -1 else stop, "")

    def rename_key(self, path: PathKey, new: str) -> None:
        ks = self.key_span(path)
        self.replace(ks.start, ks.end, new)

    def result(self) -> str:
        text = self.text
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            text = text[:start] + new + text[end:]
        return text

__all__ = ["Editor", "plain_ok", "render_scalar"]
