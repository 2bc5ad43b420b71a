"""Strict YAML loading with a line/column mark for every node — every YAML file okuyami reads comes through here
(the rulebook, case files, scenario files, form templates, 住基 vendor profiles).

厳格なYAML読込 — PyYAML alone silently accepts duplicate keys (last wins), reads ``no``/``yes``/``on`` as
booleans and ``012`` as 10. A department's typo must become an error, not a silent rule change, so this
module composes the node tree with PyYAML and builds the values itself:

- plain ``true``/``false`` are booleans; ``yes``/``no``/``on``/``off``/``y``/``n`` are refused;
- decimal integers without a leading zero are integers; ``012``, ``0x1F``, ``1_000``, ``1:30`` are refused;
- ``2026-11-15`` is a date (an impossible date is refused); a timestamp with a time is refused;
- a duplicate key is refused, naming the line of the first one;
- anything quoted is text, always;
- a tag (``!!python/object``, ``!!python/unicode``, ``!custom``) is refused, except ``!!str``;
- anchors, aliases and merge keys (``<<: *common``) work, but an alias bomb (aliases of aliases that expand to
  millions of values) is refused before anything is built, as is a file over :data:`MAX_BYTES` or nested deeper
  than :data:`MAX_DEPTH`: a hostile or broken file costs milliseconds, not minutes.

A file that cannot be read at all (not UTF-8, a tab, a missing colon, an unclosed quote …) is one located problem
in Japanese, at the line where the mistake is (where a quote opens, not where the parser gave up), marked as the
*cause* (:meth:`Problems.cause`) so that checks depending on that file stay quiet.

Every problem is collected (not just the first) and located. The result keeps the marks of every value and
key, so that later validation (pydantic, conditions) can point at the exact line and column; with ``spans=True``
also the character span and style of every node (for the line-exact writer of :mod:`okuyami.core.xlsx_rules`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .messages import quoted, say
from .problems import Mark, Problems, closest, hint

PathKey = tuple[Any, ...]

# libyaml's composer when present (10× faster on a large city's rulebook); both keep line/column marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 16 * 1024 * 1024  # a file larger than this is refused unread (a city's whole rulebook is ~150 kB)
MAX_DEPTH = 64  # nesting of mappings and lists
MAX_ALIAS_EXPANSION = 100_000  # values that aliases may add beyond those written out

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

_STD = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp", "merge", "value")}
_COLLECTION_TAGS = {_STD + "map", _STD + "seq"}


@dataclass(frozen=True)
class Span:
    """Where a node stands in the text: character offsets (``start`` included, ``end`` excluded), its style
    (``'"'``, ``"'"``, ``'|'``, ``'>'`` or ``None`` for plain / block) and whether a collection is written in flow
    style (``{…}``, ``[…]``)."""

    start: int
    end: int
    style: str | None = None
    flow: bool = False


@dataclass
class Document:
    """A loaded YAML file: plain Python data plus the marks of every node."""

    file: str
    data: Any = None
    marks: dict[PathKey, Mark] = field(default_factory=dict)
    key_marks: dict[PathKey, Mark] = field(default_factory=dict)
    spans: dict[PathKey, Span] | None = None  # with load_text(spans=True)
    key_spans: dict[PathKey, Span] | None = None
    text: str | None = None  # the text read (with spans=True)

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


# --- before building: size, depth, aliases and tags ---------------------------------------------------------

def _measure(root: yaml.Node, file: str, problems: Problems) -> bool:
    """Refuse a document nested too deep, whose aliases expand too far, or that carries a tag; True when fine.

    Walks the node graph once (an alias is the same node object again), without recursion; scalars are counted
    where they stand, only collections are visited."""
    sizes: dict[int, int] = {}  # id(collection) → values it stands for, aliases expanded
    on_path: set[int] = set()
    distinct = 0
    if isinstance(root, yaml.ScalarNode):
        bad = _tag_problem(root)
        if bad:
            problems.cause(_mark(file, root.start_mark), say("unknown tag", tag=bad))
        return not bad
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        nid = id(node)
        children = _children(node)
        if done:
            total = 1
            for child in children:
                total += sizes.get(id(child), 1)
            sizes[nid] = total
            if total > distinct + MAX_ALIAS_EXPANSION:
                problems.cause(_mark(file, node.start_mark), say("alias expansion", count=f"{MAX_ALIAS_EXPANSION:,}"))
                return False
            continue
        if nid in sizes or nid in on_path:
            continue  # an alias of a collection already measured (or about to be)
        if depth > MAX_DEPTH:
            problems.cause(_mark(file, node.start_mark), say("too deep", depth=MAX_DEPTH))
            return False
        on_path.add(nid)
        distinct += 1
        stack.append((node, depth, True))
        for child in children:
            bad = _tag_problem(child)
            if bad:
                problems.cause(_mark(file, child.start_mark), say("unknown tag", tag=bad))
                return False
            if isinstance(child, yaml.ScalarNode):
                distinct += 1
            elif id(child) not in sizes:
                stack.append((child, depth + 1, False))
    return True


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _tag_problem(node: yaml.Node) -> str | None:
    """The tag written on ``node`` when it is not allowed (None when there is no tag, or ``!!str``)."""
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag in _PLAIN_TAGS:
            return None
    elif tag in _COLLECTION_TAGS:
        return None
    return "!!" + tag[len(_STD):] if tag.startswith(_STD) else tag


_STR = _STD + "str"
_YAML11_TEXT = {"y", "Y", "n", "N"}  # PyYAML leaves these text; a reader of YAML 1.1 takes them as booleans


class _Builder:
    def __init__(self, file: str, problems: Problems, spans: bool):
        self.doc = Document(file)
        self.problems = problems
        if spans:
            self.doc.spans, self.doc.key_spans = {}, {}

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        here = _mark(self.doc.file, node.start_mark)
        self.doc.marks[path] = here
        if self.doc.spans is not None:
            self.doc.spans[path] = Span(node.start_mark.index, node.end_mark.index,
                                        getattr(node, "style", None) or None, bool(getattr(node, "flow_style", False)))
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            first_seen: dict[Any, Mark] = {}
            for key_node, value_node in self.pairs(node):
                key_mark = _mark(self.doc.file, key_node.start_mark)
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.error(key_mark, say("bad key"), settle=True)
                    continue
                key = self.scalar(key_node, key_mark)
                if isinstance(key, (int, float, dt.date)) and not isinstance(key, bool):
                    key = key_node.value  # numbers and dates as keys stay text (e.g. a year "2027")
                if not isinstance(key, str):
                    if key is not None or key_node.value != "":
                        self.problems.error(key_mark, say("bad key"))
                    else:
                        self.problems.error(key_mark, say("empty key"))
                    continue
                if key in first_seen:
                    first = first_seen[key]
                    self.problems.error(key_mark, say("duplicate key", key=key, first=f"{first.line}行{first.col}桁"))
                    continue
                first_seen[key] = key_mark
                self.doc.key_marks[path + (key,)] = key_mark
                if self.doc.key_spans is not None:
                    self.doc.key_spans[path + (key,)] = Span(key_node.start_mark.index, key_node.end_mark.index,
                                                             key_node.style or None)
                out[key] = self.build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
        return self.scalar(node, here)

    def pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """The mapping's key/value pairs, with merge keys (``<<: *common``) resolved: a key written in the mapping
        wins over a merged one, as YAML says."""
        own, merged = [], []
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STD + "merge":
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for src in sources:
                    if not isinstance(src, yaml.MappingNode):
                        self.problems.error(_mark(self.doc.file, key_node.start_mark), say("bad merge"), settle=True)
                        continue
                    merged.extend(self.pairs(src))
            else:
                own.append((key_node, value_node))
        if not merged:
            return own
        written = {k.value for k, _ in own if isinstance(k, yaml.ScalarNode)}
        seen: set[str] = set()
        extra = []
        for k, v in merged:
            if isinstance(k, yaml.ScalarNode) and (k.value in written or k.value in seen):
                continue
            seen.add(getattr(k, "value", ""))
            extra.append((k, v))
        return own + extra

    def scalar(self, node: yaml.ScalarNode, mark: Mark) -> Any:
        text = node.value
        if node.style:  # quoted, literal or folded: always text
            return text
        if node.tag == _STR and text not in _YAML11_TEXT:
            return text  # PyYAML found nothing else in it (or '!!str' was written): text

        if text in _NULL:
            return None
        if text in _BOOL:
            return _BOOL[text]
        if _TRAP_BOOL.match(text):
            meant = "true" if text.lower() in {"y", "yes", "on"} else "false"
            self.problems.error(mark, say("ambiguous boolean", text=text, meant=meant), settle=True)
            return text
        if _INT.match(text):
            return int(text)
        if _LEADING_ZERO.match(text):
            self.problems.error(mark, say("leading zero", text=text, number=int(text)), settle=True)
            return text
        if _OTHER_INT.match(text) or _SEXAGESIMAL.match(text):
            self.problems.error(mark, say("ambiguous number", text=text), settle=True)
            return text
        if _FLOAT.match(text):
            return float(text)
        if _SPECIAL_FLOAT.match(text):
            self.problems.error(mark, say("not a number", text=text), settle=True)
            return text
        m = _DATE.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                self.problems.error(mark, say("impossible date", text=text), settle=True)
                return text
        if _TIMESTAMP.match(text):
            self.problems.error(mark, say("date with time", text=text), settle=True)
            return text
        return text


# --- a file that cannot be read: where the mistake is, in Japanese ----------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_LEAD = re.compile(r"^[ \t\u3000]*")
_FW_COLON = re.compile(r"^[ \t\u3000]*(?:-[ \t\u3000]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t\u3000]*：")
_FW_AFTER_COLON = re.compile(r"^[ \t]*(?:-[ \t]+)?([A-Za-z_][A-Za-z0-9_]*):\u3000")
_NO_SPACE = re.compile(r"^[ \t]*(?:-[ \t]+)?([a-z_][a-z0-9_]*):(?=[^\s/:])")
_KEY_LINE = re.compile(r"^[ \t]*(?:-[ \t]+)?[^\s#'\"][^#]*?:(?:[ \t]|$)")


def _lines(text: str) -> list[str]:
    return _LINE_BREAK.split(text)


def _lint(lines: list[str], upto: int, file: str) -> list[tuple[Mark, str]]:
    """Mistakes that make a line unreadable, on lines 1..``upto`` (1-based): a tab or a full-width space in the
    indentation, a full-width colon after a key, a key without a space after its colon."""
    found = []
    for n, line in enumerate(lines[:upto], 1):
        lead = _LEAD.match(line).group(0)
        if "\t" in lead and line.strip():
            found.append((Mark(file, n, lead.index("\t") + 1), say("tab")))
        elif "\u3000" in lead and line.strip():
            found.append((Mark(file, n, lead.index("\u3000") + 1), say("full-width space", where="行の始め（字下げ）")))
        elif m := _FW_COLON.match(line):
            found.append((Mark(file, n, m.start(1) + 1), say("full-width colon", key=m.group(1))))
        elif m := _FW_AFTER_COLON.match(line):
            found.append((Mark(file, n, m.end(1) + 2), say("full-width space", where=f"'{m.group(1)}:' の後")))
        elif m := _NO_SPACE.match(line):
            found.append((Mark(file, n, m.start(1) + 1), say("space after colon", key=m.group(1))))
    return found


def _content_line(lines: list[str], before: int) -> int | None:
    """The 0-based index of the last line before ``before`` that holds something (not blank, not a comment)."""
    for i in range(min(before, len(lines)) - 1, -1, -1):
        s = lines[i].strip()
        if s and not s.startswith("#"):
            return i
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _quote_problem(text: str, problem_mark: yaml.Mark, file: str) -> tuple[Mark, str] | None:
    """A quoted string that runs on past its line (its closing quote forgotten) and ends where the parser gave up:
    reported where it opens. A quoted string ended early by a quote inside it: reported there."""
    tokens = []
    try:
        for tok in _scan(text):  # every token up to where the scanner itself stops
            tokens.append(tok)
    except yaml.YAMLError:
        pass
    for tok in tokens:
        if not isinstance(tok, yaml.ScalarToken) or tok.style not in ('"', "'"):
            continue
        if tok.end_mark.line != problem_mark.line:
            continue
        q = tok.style
        if tok.start_mark.line != tok.end_mark.line:
            return _mark(file, tok.start_mark), say("unclosed quote", q=q)
        if tok.end_mark.index == problem_mark.index and tok.end_mark.index < len(text) \
                and text[tok.end_mark.index] not in " \t\r\n,]}#:":
            fix = ("中の ' を '' と2つ重ねるか、全体を \"…\" で囲んでください" if q == "'" else
                   "中の \" の前に \\ を書くか、全体を '…' で囲んでください")
            return _mark(file, tok.start_mark), say("quote inside quote", q=q, fix=fix)
    return None


def _scan(text: str):
    for tok in yaml.scan(text, Loader=_LOADER):
        yield tok


_DETAILS = [
    ("found character that cannot start any token", "ここに書けない記号があります（「@」「`」「%」で始まる値は引用符で囲みます）"),
    ("while scanning an alias", "「*」で始まる値は別名と読まれます。値を引用符で囲んでください"),
    ("while scanning an anchor", "「&」で始まる値はアンカーと読まれます。値を引用符で囲んでください"),
    ("found unknown escape character", "\"…\" の中の「\\」は特別な意味を持ちます。'…'（一重引用符）で囲んでください"),
    ("did not find expected hexdecimal number", "\"…\" の中の「\\」は特別な意味を持ちます。'…'（一重引用符）で囲んでください"),
    ("expected a single document", "'---' で区切られた2つ目の文書があります。1つのファイルには1つだけ書きます"),
    ("found duplicate anchor", "同じ名前のアンカー（&）が2回あります。名前を変えてください"),
    ("while scanning a block scalar", "「|」「>」の後の書き方が正しくありません"),
    ("while scanning a directive", "「%」で始まる行は書けません"),
    ("found unexpected end of stream", "ファイルが途中で終わっています"),
]


def _syntax_problem(text: str, exc: yaml.MarkedYAMLError, file: str) -> list[tuple[Mark, str]]:
    """The cause of a YAML syntax error, located where the clerk must edit, in Japanese."""
    pm, cm = exc.problem_mark, exc.context_mark
    problem, context = exc.problem or "", exc.context or ""
    lines = _lines(text)
    where = pm or cm
    at = _mark(file, where) if where else Mark(file)
    upto = (pm.line + 1) if pm else len(lines)
    linted = _lint(lines, upto, file)
    if linted:
        return linted[:20]
    if "undefined alias" in problem:
        name = text[pm.index:].lstrip("*").split()[0] if pm else ""
        return [(at, say("undefined alias", name=re.sub(r"[,\]}].*", "", name)))]
    if "scanning a quoted scalar" in context and cm is not None:
        return [(_mark(file, cm), say("unclosed quote", q=text[cm.index] if cm.index < len(text) else "\""))]
    if pm is not None:
        quote = _quote_problem(text, pm, file)
        if quote:
            return [quote]
    if "tab" in problem or (pm and pm.index < len(text) and text[pm.index] == "\t"):
        return [(at, say("tab"))]
    if "scanning a simple key" in context and "could not find expected ':'" in problem and cm is not None:
        shown = lines[cm.line].strip() if cm.line < len(lines) else ""
        return [(_mark(file, cm), say("missing colon", text=_first_word(shown)))]
    if ("parsing a flow mapping" in context or "parsing a flow sequence" in context) and cm is not None and pm is not None:
        opening = text[cm.index] if cm.index < len(text) else "{"
        closing = "}" if opening == "{" else "]"
        if pm.line != cm.line:
            return [(_mark(file, cm), say("unclosed bracket", open=opening, close=closing))]
        return [(at, say("YAML syntax", detail=f"ここには「,」か「{closing}」が必要です（項目の区切りは「, 」）"))]
    if "mapping values are not allowed" in problem and pm is not None:
        line = lines[pm.line] if pm.line < len(lines) else ""
        before = line[:pm.column]
        if _KEY_LINE.match(before + ": "):
            # 'note: 受付時間: 9時' — a second ': ' on the line
            if re.match(r"^[ \t]*(?:-[ \t]+)?[^\s#][^#]*?:[ \t]", before):
                return [(at, say("colon in value"))]
        prev = _content_line(lines, pm.line)
        if prev is not None:
            pl = lines[prev]
            if not _KEY_LINE.match(pl) and not pl.strip().startswith("- ") and not pl.strip().endswith(("|", ">", "|-", ">-")):
                return [(Mark(file, prev + 1, _indent(pl) + 1), say("missing colon", text=_first_word(pl.strip())))]
            if _indent(line) > _indent(pl.lstrip("- ") if False else pl):
                return [(Mark(file, pm.line + 1, _indent(line) + 1), say("indentation", hint=_indent_hint(lines, pm.line)))]
        return [(at, say("YAML syntax", detail="ここにはコロン「:」を書けません"))]
    if any(w in problem for w in ("expected '-' indicator", "did not find expected key", "expected <block end>")) \
            and pm is not None:
        return [(Mark(file, pm.line + 1, pm.column + 1), say("indentation", hint=_indent_hint(lines, pm.line)))]
    for needle, detail in _DETAILS:
        if needle in problem or needle in context:
            return [(at, say("YAML syntax", detail=detail))]
    return [(at, say("YAML syntax", detail="書き方の誤り"))]


def _first_word(line: str) -> str:
    """'title 死亡届' → 'title': the key a clerk forgot the colon after."""
    words = line.removeprefix("- ").split()
    return (words[0] if words else line)[:40]


def _indent_hint(lines: list[str], line: int) -> str:
    """「上の行の 'title:' と同じ位置（5桁目）から…」: what the line's neighbours say its indentation should be."""
    prev = _content_line(lines, line)
    if prev is None:
        return "行の始めの空白を同じ階層の行とそろえてください"
    pl = lines[prev]
    key = re.match(r"^[ \t]*(?:-[ \t]+)?([^\s:#]+):", pl)
    col = _indent(pl) + (len(re.match(r"^[ \t]*(-[ \t]+)?", pl).group(1) or "") if pl.strip().startswith("- ") else 0) + 1
    if key:
        return (f"上の行の '{key.group(1)}:' と同じ階層なら同じ位置（{col}桁目）から、その中身なら"
                "もっと右から書き始めてください（半角スペースで）")
    return "行の始めの空白を同じ階層の行とそろえてください（半角スペースで）"


def load_text(text: str, file: str, problems: Problems, *, spans: bool = False) -> Document:
    """Parse ``text``; problems (syntax, traps, duplicates) are added to ``problems``."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        for mark, message in _syntax_problem(text, exc, file):
            problems.cause(mark, message)
        return Document(file)
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare (encoding)
        problems.cause(Mark(file), say("YAML syntax", detail=type(exc).__name__))
        return Document(file)
    except RecursionError:  # pragma: no cover - libyaml limits nesting to 1000 levels first
        problems.cause(Mark(file), say("too deep", depth=MAX_DEPTH))
        return Document(file)
    builder = _Builder(file, problems, spans)
    if spans:
        builder.doc.text = text
    if node is None:
        builder.doc.marks[()] = Mark(file, 1, 1)
        return builder.doc
    if not _measure(node, file, problems):
        return Document(file)
    builder.doc.data = builder.build(node, ())
    return builder.doc


def decode(raw: bytes) -> tuple[str | None, int, str]:
    """(text, line, guess): the text of a UTF-8 file (BOM or not); for any other encoding None, the line of the
    first byte that is not UTF-8 and what the file seems to be saved as."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, 1, "（UTF-16（Unicode）で保存されています）"
    try:
        return raw.decode("utf-8-sig"), 0, ""
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("cp932")
            guess = "（Shift_JIS（cp932）で保存されているようです）"
        except UnicodeDecodeError:
            guess = ""
        return None, line, guess


def load_file(path: Path, shown_as: str, problems: Problems, *, spans: bool = False,
              text: str | None = None) -> Document:
    """Read and parse a file; an unreadable file is a located problem (the cause), not a traceback. ``text``, when
    given, is used instead of the file's content (a change not yet written, e.g. by import-xlsx)."""
    if text is None:
        try:
            size = path.stat().st_size
            if size > MAX_BYTES:
                problems.cause(Mark(shown_as), say("file too large", size=f"{size / 1024 / 1024:.1f} MB",
                                                   limit=f"{MAX_BYTES // 1024 // 1024} MB"))
                return Document(shown_as)
            raw = path.read_bytes()
        except FileNotFoundError:
            problems.cause(Mark(shown_as), say("file not found", file=shown_as, hint=""))
            return Document(shown_as)
        except OSError as exc:
            problems.cause(Mark(shown_as), say("cannot read", reason=_os_reason(exc)))
            return Document(shown_as)
        text, line, guess = decode(raw)
        if text is None:
            problems.cause(Mark(shown_as, line, 1), say("not UTF-8", guess=guess))
            return Document(shown_as)
    elif text.startswith("\ufeff"):
        text = text[1:]
    return load_text(text, shown_as, problems, spans=spans)


def _os_reason(exc: OSError) -> str:
    import errno

    return {errno.EACCES: "読み取りの権限がありません", errno.EISDIR: "ファイルではなくフォルダです",
            errno.ENOENT: "ファイルがありません"}.get(exc.errno, exc.strerror or type(exc).__name__)


class StrictModel(BaseModel):
    """Base of every file schema: unknown keys refused, no type coercion ("14" is not 14), immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)


# --- pydantic errors, located and in Japanese ------------------------------------------------------------------

_TYPE_WORDS = {
    "bool_type": "true か false",
    "int_type": "整数",
    "string_type": "文字",
    "date_type": "日付（YYYY-MM-DD）",
    "list_type": "リスト（「- 」で始まる行、または [a, b]）",
    "dict_type": "マッピング（「キー: 値」の行）",
    "model_type": "マッピング（「キー: 値」の行）",
    "model_attributes_type": "マッピング（「キー: 値」の行）",
    "float_type": "数",
    "int_from_float": "整数",
    "none_required": "何も書かない",
    "literal_error": None,
}

#: what a clerk calls a key (for messages): 「'desks'（並行して対応できる窓口の数）」
KEY_WORDS = {
    "title": "手続き名", "name": "名前", "code": "手続きコード", "counter": "窓口", "agency": "外部機関",
    "days": "期限の日数", "months": "期限の月数", "years": "期限の年数", "bring": "持ち物", "note": "備考",
    "reason": "理由", "late": "期限を過ぎたら", "text": "文", "desks": "並行して対応できる窓口の数",
    "slot_minutes": "1組の時間（分）", "notice_open_days": "何開庁日前までに予約するか", "ahead_days": "何日先まで予約できるか",
    "hours": "時間", "place": "場所", "phone": "電話番号", "address": "住所", "floor": "階", "number": "窓口番号",
    "verified_max_age_days": "確認の期限（日）", "retention_days": "保存期間（日）", "department": "課",
    "office": "庁舎", "fact": "事実名", "format": "形式", "basis": "根拠法令", "source": "出典",
}


def label(path: PathKey) -> str:
    """'days'（期限の日数） / 「'bring' の3番目」 — how a clerk would name the place."""
    if not path:
        return "ファイル"
    if isinstance(path[-1], int):
        parent = next((p for p in reversed(path) if isinstance(p, str)), None)
        return f"'{parent}' の{path[-1] + 1}番目" if parent else f"{path[-1] + 1}番目の項目"
    key = str(path[-1])
    base = key
    for sfx in ("_en", "_easy"):
        if key.endswith(sfx):
            base = key[: -len(sfx)]
    words = KEY_WORDS.get(base)
    if words and base != key:
        words += "の英語訳" if key.endswith("_en") else "のやさしい日本語訳"
    return f"'{key}'（{words}）" if words else f"'{key}'"


def _field_names(model: type[BaseModel], loc: PathKey) -> list[str]:
    """The keys allowed at ``loc`` (for did-you-mean), walking nested models."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            by_alias = {f.alias: n for n, f in (fields or {}).items() if f.alias}
            if part in by_alias:
                part = by_alias[part]
            else:
                return []
        ann = fields[part].annotation
        current = _inner_model(ann)
        if current is None:
            return []
    fields = getattr(current, "model_fields", None)
    return [f.alias or n for n, f in fields.items()] if fields else []


def _inner_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


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
        problems.error(doc.mark(base), say("wrong type", name=label(base), got=quoted(data), fix="",
                                           expected="マッピング（「id: …」の行）" if mapping else
                                           "リスト（「- 」で始まる行）"))
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


def _clean_loc(payload: Any, loc: tuple) -> tuple:
    """The error's location in the data: pydantic adds the names of union members ('str', 'int',
    'list[str]') and validator steps to ``loc``; these are not keys of the file."""
    out = []
    current = payload
    for part in loc:
        if isinstance(current, dict) and part in current:
            out.append(part)
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            out.append(part)
            current = current[part]
        elif isinstance(part, str) and (current is None or not isinstance(current, (dict, list))
                                         or "[" in part or part in ("str", "int", "bool", "float", "date",
                                                                    "none", "function-after", "function-before",
                                                                    "function-wrap", "lax-or-strict", "literal",
                                                                    "nullable", "json-or-python", "chain")):
            continue  # a union member or a validator step
        else:
            out.append(part)  # a missing or unknown key
            current = None
    return tuple(out)


def translate_error(err: dict, path: PathKey, name: str, model: type[BaseModel], loc: tuple) -> tuple[str, bool]:
    """(Japanese message, located at the key) for one pydantic error, by its type; never pydantic's English."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        allowed = _field_names(model, loc[:-1])
        close = hint(key, allowed)
        if "：" in key or "\u3000" in key:
            return say("full-width colon" if "：" in key else "full-width space",
                       key=key.split("：")[0], where=f"'{key}'の中"), True
        fix = "正しいキー名に直してください" if close else (
            f"ここに書けるキーは {', '.join(allowed)} です" if allowed else "このキーを消してください")
        return say("unknown key", key=key, hint=close, fix=fix), True
    if kind == "missing":
        key = str(loc[-1]) if loc else "?"
        fix = "書き足してください" + ("（期限がなければ deadline: {text: 速やかに}）" if key == "deadline" else "")
        return say("missing key", where=label(path[:-1]) if path[:-1] else "ファイル", key=key, fix=fix), False
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        if kind == "greater_than" and not isinstance(limit, int):
            return say("invalid value", name=name, fix=f"{limit} より大きい数にしてください（今は {quoted(got)}）"), False
        return say("too small", name=name, limit=limit if kind == "greater_than_equal" else limit + 1,
                   got=quoted(got)), False
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        fix = "数の書き間違いではありませんか" if isinstance(got, int) and isinstance(limit, int) and got > limit * 10 else \
            "値を確かめてください"
        return say("too large", name=name, limit=f"{limit:,}" if isinstance(limit, int) else limit,
                   got=quoted(got), fix=fix), False
    if kind == "string_too_short" or kind == "empty_text":
        return say("empty text", name=name), False
    if kind == "string_too_long":
        return say("text too long", name=name, got=len(got) if isinstance(got, str) else "?",
                   limit=ctx.get("max_length", "?")), False
    if kind == "too_long":
        return say("too many items", name=name, got=ctx.get("actual_length", "?"),
                   limit=ctx.get("max_length", "?")), False
    if kind == "too_short":
        return say("invalid value", name=name, fix=f"{ctx.get('min_length', 1)}個以上書いてください"), False
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        if len(options) == 1 and path and path[-1] == "format":
            return say("wrong format", want=options[0]), False
        return say("not one of", name=name, got=got if not isinstance(got, (dict, list)) else quoted(got),
                   options=", ".join(options), hint=hint(got, options)), False
    if kind in _TYPE_WORDS:
        fix = ""
        want = _TYPE_WORDS[kind]
        if kind in ("int_type", "float_type", "bool_type") and isinstance(got, str):
            fix = "引用符を外してください" if re.fullmatch(r"-?\d+|true|false", got) else ""
        elif kind == "string_type" and isinstance(got, (int, float, bool, dt.date)):
            fix = f"文字として書くなら \"{got if not isinstance(got, bool) else str(got).lower()}\" と引用符で囲んでください"
        text = say("wrong type", name=name, expected=want, got=quoted(got), fix=fix)
        return text, False
    if kind == "value_error":  # a validator's own words (a ValueError): shown when they are Japanese
        own = str(ctx.get("error") or "")
        if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", own):
            return say("invalid value", name=name, fix=own), False
    if kind in _OUR_KINDS:  # our own validators (PydanticCustomError with a message key of the catalogue)
        return say(kind, **{k: v for k, v in ctx.items()}), False
    if kind in ("date_from_datetime_inexact", "date_parsing", "date_from_datetime_parsing"):
        return say("wrong type", name=name, expected="日付（YYYY-MM-DD）", got=quoted(got), fix=""), False
    return say("invalid value", name=name, fix="書き方を手引きの例と比べてください"), False


_OUR_KINDS: set[str] = set()


def our_error(key: str, **values: Any):
    """An error raised inside a schema's validator, said with the catalogue's message ``key``."""
    from pydantic_core import PydanticCustomError

    _OUR_KINDS.add(key)
    return PydanticCustomError(key, key, values)


def validate(model: type[BaseModel], doc: Document, problems: Problems, *, data: Any = None,
             base: PathKey = ()) -> Any:
    """Validate ``doc.data`` (or ``data`` found at ``base`` in the doc) against ``model``.

    Returns the model instance, or None when there were errors (each one added to ``problems``, located).
    Several errors at one place (a value that is neither of two allowed types) are said once."""
    payload = doc.data if data is None and not base else data
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        said: dict[PathKey, list[str]] = {}
        kinds: dict[PathKey, list[dict]] = {}
        for err in exc.errors(include_url=False):
            loc = _clean_loc(payload, tuple(err["loc"]))
            kinds.setdefault(loc, []).append(err)
        # 'Title' written for 'title': the unknown key is the cause; "'title' is missing" would only repeat it
        misspelt = set()
        for loc, errs in kinds.items():
            for err in errs:
                if err["type"] == "extra_forbidden" and loc:
                    close = closest(str(loc[-1]), _field_names(model, loc[:-1]))
                    if close:
                        misspelt.add(loc[:-1] + (close,))
        for loc, errs in kinds.items():
            path = base + loc
            if loc in misspelt and all(e["type"] == "missing" for e in errs):
                continue
            type_errs = [e for e in errs if e["type"] in _TYPE_WORDS and e["type"] != "literal_error"]
            if len(type_errs) > 1 and len(type_errs) == len(errs):  # e.g. number: 1.5 for 'str | int'
                wants = "か".join(dict.fromkeys(_TYPE_WORDS[e["type"]] for e in type_errs))
                problems.error(doc.mark(path), say("wrong type", name=label(path), expected=wants,
                                                   got=quoted(errs[0].get("input")), fix=""))
                continue
            for err in errs[:1] if len({e["type"] for e in errs}) == 1 else errs:
                message, at_key = translate_error(err, path, label(path), model, loc)
                if message in said.setdefault(path, []):
                    continue
                said[path].append(message)
                problems.error(doc.mark(path, key=at_key) if at_key else
                               (doc.mark(path[:-1]) if err["type"] == "missing" else doc.mark(path)), message)
        return None
