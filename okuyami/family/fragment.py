"""The family's list in a link (スマートフォンで見る): what goes after ``#`` in the second QR code on the sheet.

A browser never sends the fragment to the web server, so the city's page learns nothing about the family: the
page reads the fragment on the phone and looks the procedures up in the city's public ``rules.json``. The
fragment holds no name and no address: only procedure ids, their statuses, deadlines, 後日 days, the language, the
issue date and a 4-character key (a one-way tag of the case, so the phone keeps one family's ticks apart from
another's).

Format version 1 (every character is in the QR code's alphanumeric set, so the fragment costs 5.5 bits a
character in the code; the page address before it is a byte segment)::

    fragment := "1" LANG ISSUED KEY item*
    LANG     := "J" (ja) | "E" (en) | "Y" (easy-ja)
    ISSUED   := 3 base-32 digits: the print date, in days since 2000-01-01
    KEY      := 4 base-32 digits
    item     := REF FLAGS [DEADLINE] [FOLLOW_UP]
    REF      := 4 base-32 digits (the procedure's id, :func:`code_id`)
              | "." NAME "."     (the code itself, upper case, "_" written "-": for a code whose id is not unique)
    FLAGS    := 1 base-32 digit: bits 0-1 progress (0 open, 1 done, 2 後日, 3 不要), bit 2 to_confirm (要確認),
                bit 3 a deadline follows, bit 4 a 後日 day follows
    DEADLINE, FOLLOW_UP := a signed number of days after ISSUED (zigzag), in groups of 4 bits, most significant
                first: "G".."V" for a group with more to come, "0".."F" for the last

base-32 digits are ``0-9A-V``. A procedure's id is the first 20 bits of SHA-256 of its code: it never changes when
the rulebook gains or loses other procedures, and the page finds it in ``rules.json`` (each procedure records its
id). A code whose id another code of the rulebook shares is written by name instead. Items come in the sheet's
order (the rulebook's visiting order). A later format changes the first character; the page refuses a version it
does not know, and reads the fragment in either case.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

VERSION = "1"
DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUV"  # base 32; every one is a QR alphanumeric character
EPOCH = dt.date(2000, 1, 1)
LANG_CODES = {"ja": "J", "en": "E", "easy-ja": "Y"}
ID_LENGTH = 4  # base-32 digits of a procedure id (20 bits)
KEY_LENGTH = 4

# statuses (as in ``okuyami evaluate``) and what the counter recorded (the store's task statuses, 経過)
REQUIRED, TO_CONFIRM = "required", "to_confirm"
OPEN, DONE, DEFERRED, NOT_NEEDED = "open", "done", "deferred", "not_applicable"
_PROGRESS = (OPEN, DONE, DEFERRED, NOT_NEEDED)
_NAME = re.compile(r"[A-Z0-9-]+")


class FragmentError(ValueError):
    """A fragment that cannot be read (the message says why, in Japanese)."""


@dataclass(frozen=True)
class Item:
    """One procedure of the family's list. ``code`` is None when decoding met an id that the given rulebook
    does not know (``ref`` keeps what was written)."""

    code: str | None
    status: str = REQUIRED  # required / to_confirm
    progress: str = OPEN  # open / done / deferred (後日) / not_applicable (不要)
    deadline: dt.date | None = None
    follow_up: dt.date | None = None  # 後日: the day the family means to do it
    ref: str = ""


@dataclass(frozen=True)
class FamilyList:
    language: str  # ja / en / easy-ja
    issued: dt.date  # the print date of the sheet
    key: str  # KEY_LENGTH base-32 digits
    items: tuple[Item, ...]


def code_id(code: str) -> str:
    """The procedure's id in a link: 4 base-32 digits from SHA-256 of its code (stable for ever)."""
    n = int.from_bytes(hashlib.sha256(code.encode("utf-8")).digest()[:4], "big") >> (32 - 5 * ID_LENGTH)
    return _fixed(n, ID_LENGTH)


def unique_ids(codes: Iterable[str]) -> dict[str, str]:
    """code → id for every code whose id no other code of ``codes`` shares (the others go by name)."""
    codes = list(dict.fromkeys(codes))
    counts = Counter(code_id(c) for c in codes)
    return {c: code_id(c) for c in codes if counts[code_id(c)] == 1}


def case_key(*parts: object) -> str:
    """A one-way 20-bit tag of the case (no name can be read back from it): the phone keeps ticks per key."""
    text = "okuyami-family-page|" + "|".join(str(p) for p in parts)
    n = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") >> (32 - 5 * KEY_LENGTH)
    return _fixed(n, KEY_LENGTH)


def encode(family: FamilyList, ids: Mapping[str, str]) -> str:
    """The fragment (without '#'). ``ids``: code → id, as :func:`unique_ids` gives for the rulebook."""
    if family.language not in LANG_CODES:
        raise ValueError(f"language {family.language!r}")
    if not re.fullmatch(f"[{DIGITS}]{{{KEY_LENGTH}}}", family.key):
        raise ValueError(f"key {family.key!r}")
    out = [VERSION, LANG_CODES[family.language], _fixed((family.issued - EPOCH).days, 3), family.key]
    for item in family.items:
        if item.code is None:
            raise ValueError("an item without a code")
        if item.code in ids:
            out.append(ids[item.code])
        else:
            out.append("." + item.code.upper().replace("_", "-") + ".")
        flags = _PROGRESS.index(item.progress) | (4 if item.status == TO_CONFIRM else 0) \
            | (8 if item.deadline else 0) | (16 if item.follow_up else 0)
        out.append(DIGITS[flags])
        for day in (item.deadline, item.follow_up):
            if day is not None:
                out.append(_varint((day - family.issued).days))
    return "".join(out)


def decode(fragment: str, ids: Mapping[str, str] | None = None) -> FamilyList:
    """The list a fragment holds. ``ids``: id → code (from the rulebook); an id it lacks gives an item with
    ``code=None``. Raises :class:`FragmentError` for anything malformed or a version this code does not know."""
    text = fragment.lstrip("#").strip().upper()
    ids = {k.upper(): v for k, v in (ids or {}).items()}
    if not text:
        raise FragmentError("リンクに一覧がありません")
    if text[0] != VERSION:
        raise FragmentError(f"このリンクの形式（{text[0]}）はこのページより新しいか、読めません")
    pos = 1

    def take(n: int) -> str:
        nonlocal pos
        if pos + n > len(text):
            raise FragmentError("リンクが途中で切れています")
        part = text[pos:pos + n]
        pos += n
        return part

    lang_char = take(1)
    language = {v: k for k, v in LANG_CODES.items()}.get(lang_char)
    if language is None:
        raise FragmentError(f"言語 '{lang_char}' は読めません")
    issued = EPOCH + dt.timedelta(days=_number(take(3)))
    key = take(KEY_LENGTH)
    _number(key)
    items: list[Item] = []
    while pos < len(text):
        if text[pos] == ".":
            end = text.find(".", pos + 1)
            if end < 0 or not _NAME.fullmatch(text[pos + 1:end]):
                raise FragmentError("手続きの名前が読めません")
            ref = text[pos + 1:end].lower().replace("-", "_")
            code: str | None = ref
            pos = end + 1
        else:
            ref = take(ID_LENGTH)
            _number(ref)
            code = ids.get(ref)
        flags = _number(take(1))
        deadline = follow_up = None
        if flags & 8:
            days, pos = _read_varint(text, pos)
            deadline = issued + dt.timedelta(days=days)
        if flags & 16:
            days, pos = _read_varint(text, pos)
            follow_up = issued + dt.timedelta(days=days)
        items.append(Item(code, TO_CONFIRM if flags & 4 else REQUIRED, _PROGRESS[flags & 3], deadline, follow_up,
                          ref))
    return FamilyList(language, issued, key, tuple(items))


def link(page_url: str, fragment: str) -> str:
    """The page's address with the fragment (any fragment already in the address is replaced)."""
    return page_url.split("#", 1)[0] + "#" + fragment


# -- numbers -------------------------------------------------------------------------------------------------

def _fixed(n: int, width: int) -> str:
    if not 0 <= n < 32 ** width:
        raise ValueError(f"{n} does not fit {width} base-32 digits")
    out = ""
    for _ in range(width):
        out = DIGITS[n % 32] + out
        n //= 32
    return out


def _number(digits: str) -> int:
    n = 0
    for ch in digits:
        i = DIGITS.find(ch)
        if i < 0:
            raise FragmentError(f"'{ch}' はリンクに使われない文字です")
        n = n * 32 + i
    return n


def _varint(n: int) -> str:
    z = 2 * n if n >= 0 else -2 * n - 1  # zigzag: small numbers of either sign stay short
    groups = []
    while True:
        groups.append(z & 15)
        z >>= 4
        if not z:
            break
    groups.reverse()
    return "".join(DIGITS[g + 16] for g in groups[:-1]) + DIGITS[groups[-1]]


def _read_varint(text: str, pos: int) -> tuple[int, int]:
    """(number, position after it)."""
    z = 0
    while True:
        if pos >= len(text):
            raise FragmentError("リンクが途中で切れています")
        d = DIGITS.find(text[pos])
        if d < 0:
            raise FragmentError(f"'{text[pos]}' はリンクに使われない文字です")
        z = z * 16 + (d & 15)
        pos += 1
        if d < 16:
            return (z // 2 if z % 2 == 0 else -(z + 1) // 2), pos
