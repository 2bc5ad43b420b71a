"""``okuyami family-page --out DIR``: the static page the city puts on its own website (スマートフォンで見る).

It writes three files, to be served together from one folder:

- ``index.html`` — the page, its script and its style inline (a Content-Security-Policy in the page allows only
  those, by hash, and requests to its own folder);
- ``rules.json`` — the city's public rulebook texts the page needs: procedure titles, counters with floor and
  phone, outside agencies, what to bring, notes, in ja / en / easy-ja as the sheet prints them, each procedure's
  id as the link writes it (:mod:`okuyami.family.fragment`), and the page's own texts;
- ``sw.js`` — a service worker that keeps the two others on the phone, so the page opens without a signal.

No server code, no cookies, no request to anywhere else (no CDN, no web fonts: the phone's own fonts). The
family's list is in the link's fragment, which the browser never sends to the server.
"""

from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources
from pathlib import Path

from ..core.rulebook import Rulebook
from ..core.translations import translated
from ..core.wareki import ERAS
from ..documents import i18n
from . import fragment as F
from .texts import PAGE_TEXTS, SHEET_KEYS

FORMAT = "okuyami-family-page/1"
FILES = ("index.html", "rules.json", "sw.js")
LANGS = i18n.LANGUAGES


def _asset(name: str) -> str:
    return resources.files("okuyami.family").joinpath("static", name).read_text(encoding="utf-8")


def site_data(book: Rulebook) -> dict:
    """What ``rules.json`` holds: only public texts of the rulebook (nothing about any family)."""
    root = book.root
    muni, corner = root.municipality, root.municipality.corner

    def tr(obj, key: str, original=None) -> dict | None:
        """{lang: text} as the sheet prints it: a missing translation gives the Japanese, marked."""
        if (getattr(obj, key, None) if original is None else original) in (None, "", []):
            return None
        out = {}
        for lang in LANGS:
            value, fell_back = translated(obj, key, lang, original)
            marker = i18n.text("untranslated", lang) if fell_back else ""
            out[lang] = [marker + v for v in value] if isinstance(value, list) else marker + value
        return out

    def each(fn) -> dict:
        return {lang: fn(lang) for lang in LANGS}

    def hours(place) -> dict | None:
        default = type(place).model_fields["hours"].default
        if place.hours is None:
            return None
        out = tr(place, "hours")
        for lang in ("en", "easy-ja"):
            if place.hours == default and getattr(place, "hours" + ("_en" if lang == "en" else "_easy")) is None:
                out[lang] = i18n.text("default_hours", lang)
        return out

    counters = []
    for cid, c in root.counters.items():
        counters.append({
            "id": cid, "name": tr(c, "name"), "phone": c.phone, "hours": hours(c), "note": tr(c, "note"),
            "place": each(lambda lang, c=c: i18n.counter_place(c, lang, lambda obj, key: tr(obj, key)[lang])),
            "office": None if c.office == corner.office else tr(root.offices[c.office], "name")})
    agencies = [{"id": aid, "name": tr(a, "name"), "address": a.address, "phone": a.phone, "hours": tr(a, "hours"),
                 "note": tr(a, "note")} for aid, a in root.agencies.items()]
    ids = F.unique_ids(book.rules)
    procedures = []
    for rule in book.ordered:
        spec = rule.spec
        deadline = spec.deadline

        def due_text(lang: str, spec=spec, deadline=deadline) -> str:  # the sheet's words for a deadline without a date
            text = tr(spec, "deadline", original=deadline.describe())[lang] if deadline.text \
                else i18n.describe_deadline(deadline, lang)
            bare = text.removeprefix(i18n.text("untranslated", lang)) if lang != "ja" else text
            if bare.startswith("期限") or bare.lower().startswith("no deadline"):
                return text
            return i18n.text("deadline_text", lang, text=text)

        procedures.append({
            "code": rule.code, "id": ids.get(rule.code), "title": tr(spec, "title"),
            "counter": spec.counter, "agency": spec.agency,
            "bring": tr(spec, "bring") or each(lambda lang: []),
            "note": tr(spec, "note"), "reason": tr(spec, "reason"),
            "late": tr(spec, "late") or each(lambda lang: i18n.text("late_default", lang)),
            "due_how": each(lambda lang, d=deadline: "" if d.text is not None else
                            i18n.text("deadline_how", lang, how=i18n.describe_deadline(d, lang))),
            "due_text": each(due_text)})
    office = root.offices[corner.office]
    texts = {key: {lang: i18n.TEXTS[key].get(lang, i18n.TEXTS[key].get("ja", "")) for lang in LANGS}
             for key in SHEET_KEYS}
    texts.update(PAGE_TEXTS)
    return {
        "format": FORMAT,
        "link_versions": [F.VERSION],
        "municipality": {"name": tr(muni, "name"), "code": muni.code,
                         "corner": {"name": tr(corner, "name"), "place": tr(corner, "place"), "phone": corner.phone,
                                    "hours": tr(corner, "hours"), "office": tr(office, "name")}},
        "counters": counters,
        "agencies": agencies,
        "procedures": procedures,
        "eras": [{"name": e.name, "start": e.start.isoformat()} for e in ERAS],
        "texts": texts,
    }


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def render_site(book: Rulebook) -> dict[str, bytes]:
    """file name → content of the three files."""
    data = json.dumps(site_data(book), ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    script, style = _asset("page.js"), _asset("page.css")
    csp = ("default-src 'none'; " f"script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
           "connect-src 'self'; img-src 'self' data:; worker-src 'self'; manifest-src 'none'; "
           "base-uri 'none'; form-action 'none'")
    html = (_asset("page.html").replace("{{CSP}}", csp).replace("{{STYLE}}", style).replace("{{SCRIPT}}", script)
            .replace("{{FORMAT}}", FORMAT))
    version = hashlib.sha256((html + data).encode("utf-8")).hexdigest()[:12]
    sw = _asset("sw.js").replace("{{VERSION}}", version)
    return {"index.html": html.encode("utf-8"), "rules.json": data.encode("utf-8"), "sw.js": sw.encode("utf-8")}


def write_site(book: Rulebook, out: Path) -> list[Path]:
    """Write the page into ``out`` (created if needed); returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in render_site(book).items():
        path = out / name
        path.write_bytes(content)
        written.append(path)
    return written
