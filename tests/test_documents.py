"""Printed documents: what the family takes home is complete, embedded, inside its boxes, and honest about
characters it cannot print."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from okuyami.core.case import load_case, load_case_doc, parse_case_text
from okuyami.core.problems import InvalidInput, Problems
from okuyami.core.scenarios import load_scenarios
from okuyami.core.case import check_case
from okuyami.documents import fonts as fonts_mod
from okuyami.documents.packet import make_packet
from okuyami.documents.templates import load_templates

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 22)
HEAVY = ROOT / "examples" / "case_heavy.yaml"


def text_of(pdf: Path, page: int | None = None) -> str:
    reader = PdfReader(str(pdf))
    pages = reader.pages if page is None else [reader.pages[page]]
    return "\n".join(p.extract_text() for p in pages)


@pytest.fixture(scope="module")
def heavy(tmp_path_factory, book):
    out = tmp_path_factory.mktemp("heavy")
    case, doc = load_case_doc(HEAVY, "case_heavy.yaml", today=TODAY)
    return make_packet(book, case, out, today=TODAY, case_doc=doc, case_file="case_heavy.yaml")


def test_packet_files_as_the_contract_says(heavy):
    out = heavy.out_dir
    assert (out / "guidance.pdf").is_file() and (out / "packet.pdf").is_file()
    form_files = sorted(p.stem for p in (out / "forms").glob("*.pdf"))
    assert form_files == sorted(fid for fid, _ in heavy.forms)
    assert len(form_files) >= 15
    packet_pages = len(PdfReader(str(out / "packet.pdf")).pages)
    assert packet_pages == heavy.guidance_pages + len(heavy.forms)


def test_guidance_header_and_order(heavy):
    first = text_of(heavy.out_dir / "guidance.pdf", 0)
    for needle in ("おくやみ手続きのご案内", "佐々木 健一郎 様（68歳）", "令和8年11月9日(月)", "佐々木 大輔 様（長男）",
                   "令和8年11月22日(日)", "0123-45-6700", "1 / "):
        assert needle in first, needle
    whole = text_of(heavy.out_dir / "guidance.pdf")
    # counters in visiting order, then the outside agencies
    order = ["市民課 戸籍係", "市民課 住民記録係", "保険年金課 国民健康保険係", "介護保険課", "税務課 市民税係",
             "環境課", "上下水道局", "市役所以外での手続き", "サンプル税務署"]
    positions = [whole.index(n) for n in order]
    assert positions == sorted(positions)
    assert "期限：令和8年11月24日(火)まで（死亡日から14日以内）" in whole  # 世帯主変更届, 11/23 is a holiday
    assert "確認が必要なこと" in whole and "遺産の総額が相続税の基礎控除" in whole  # 要確認 block
    assert re.search(r"\d+ / (\d+)", whole).group(1) == str(heavy.guidance_pages)


def test_forms_carry_the_names_on_the_right_pages(heavy):
    forms = dict(heavy.forms)
    soshitsu = text_of(forms["kokuho_soshitsu"])
    assert "国民健康保険 資格喪失届" in soshitsu and "佐々木 健一郎" in soshitsu and "ササキ ケンイチロウ" in soshitsu
    assert "佐々木 大輔" in soshitsu  # 届出人
    sosaihi = text_of(forms["kokuho_sosaihi"])
    assert "葬祭費支給申請書" in sosaihi and "佐々木 恵子" in sosaihi  # 喪主
    ininjou = text_of(forms["ininjou"])
    assert "委任状" in ininjou and "国民健康保険 葬祭費の申請" in ininjou and "世帯主変更届" in ininjou
    packet = PdfReader(str(heavy.packet_path))
    titles = [packet.pages[heavy.guidance_pages + i].extract_text() for i in range(len(heavy.forms))]
    assert "住民異動届" in titles[0]  # visiting order: 市民課 first


def test_every_font_is_embedded(heavy):
    reader = PdfReader(str(heavy.packet_path))
    seen = 0
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            assert descriptor is not None, font.get("/BaseFont")
            descriptor = descriptor.get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.get("/BaseFont")
            seen += 1
    assert seen > 0


def test_no_value_leaves_its_box(heavy):
    assert heavy.placed
    over = [p for p in heavy.placed if not p.fits]
    assert over == []
    names = [p for p in heavy.placed if p.binding == "deceased.name"]
    assert names and all(p.text_w <= p.box_w for p in names)


LONG = """format: okuyami-case/1
deceased:
  name: 勅使河原 左衛門三郎右衛門之助
  kana: テシガワラ サエモンサブロウウエモンノスケ
  birth_date: 1940-01-01
  death_date: 2026-11-15
  address: {address}
applicant: {{name: 勅使河原 花子, address: {address}, relationship: 妻, phone: 090-1234-5678}}
funeral: {{date: 2026-11-18, chief_mourner: 勅使河原 花子}}
facts: {{was_household_head: true, household_remaining_15plus: 2, funeral_held: true, seal_registered: true,
        dog_registered: true, water_contract_holder: true, elderly_services: true, municipal_cemetery_user: true}}
"""


def test_long_values_shrink_or_wrap_but_stay_inside(book, tmp_path):
    address = "サンプル県サンプル郡サンプル町大字中央字上ノ原二丁目1234番地の56 サンプルグランドレジデンス東館1203号室"
    case = parse_case_text(LONG.format(address=address), "long.yaml", today=TODAY)
    packet = make_packet(book, case, tmp_path, today=TODAY)
    addresses = [p for p in packet.placed if p.binding in ("deceased.address", "applicant.address")]
    assert addresses and all(p.fits for p in addresses)
    assert any(p.size < 11 or p.lines > 1 for p in addresses)  # it had to shrink or wrap
    assert all(p.fits for p in packet.placed)


def test_a_value_that_cannot_fit_is_refused_not_printed(book, tmp_path):
    address = "サンプル市中央町" + "一丁目二番地三号サンプルマンション" * 12
    case = parse_case_text(LONG.format(address=address), "long.yaml", today=TODAY)
    with pytest.raises(InvalidInput) as exc:
        make_packet(book, case, tmp_path / "out", today=TODAY, case_file="long.yaml")
    assert any("does not fit its box" in str(p) for p in exc.value.problems)
    assert not (tmp_path / "out").exists()  # nothing written


def test_missing_glyph_is_reported_with_its_field_and_line(book, tmp_path):
    case_file = tmp_path / "gaiji.yaml"
    case_file.write_text(HEAVY.read_text(encoding="utf-8").replace("name: 佐々木 健一郎", "name: 𠮷田 健一郎"),
                         encoding="utf-8")
    case, doc = load_case_doc(case_file, "gaiji.yaml", today=TODAY)
    with pytest.raises(InvalidInput) as exc:
        make_packet(book, case, tmp_path / "out", today=TODAY, case_doc=doc, case_file="gaiji.yaml")
    (msg,) = [str(p) for p in exc.value.problems]
    assert msg.startswith("gaiji.yaml:5:9: deceased.name 「𠮷田 健一郎」: '𠮷' (U+20BB7) is not in the font")
    assert not (tmp_path / "out").exists()
    packet = make_packet(book, case, tmp_path / "out", today=TODAY, case_doc=doc, allow_missing_glyphs=True)
    assert any("U+20BB7" in w for w in packet.warnings)
    assert "〓田 健一郎" in text_of(packet.out_dir / "guidance.pdf", 0)


def test_large_print_makes_more_pages_not_smaller_text(book, heavy, tmp_path):
    case = load_case(HEAVY, today=TODAY)
    large = make_packet(book, case, tmp_path, today=TODAY, large=True)
    assert large.guidance_pages > heavy.guidance_pages
    assert large.min_font_size >= 14
    sizes = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.append(font_size * (tm[0] if tm[0] else 1))

    for page in PdfReader(str(tmp_path / "guidance.pdf")).pages:
        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 14 - 0.01
    # same page size as normal print: reflowed, not scaled
    assert PdfReader(str(tmp_path / "guidance.pdf")).pages[0].mediabox == \
        PdfReader(str(heavy.out_dir / "guidance.pdf")).pages[0].mediabox


def _positions(pdf: Path, needle: str):
    found = []

    def visit(text, cm, tm, font_dict, font_size):
        if needle in text:
            found.append((round(cm[4] + tm[4], 1), round(cm[5] + tm[5], 1)))

    PdfReader(str(pdf)).pages[0].extract_text(visitor_text=visit)
    return found


def test_overlay_form_on_the_city_pdf_and_printer_offset(book, tmp_path):
    case = load_case(HEAVY, today=TODAY)
    plain = make_packet(book, case, tmp_path / "a", today=TODAY)
    shifted = make_packet(book, case, tmp_path / "b", today=TODAY, offset_mm=(2.0, 3.0))
    dog = dict(plain.forms)["inu_touroku"]
    text = text_of(dog)
    assert "様式第3号" in text and "鑑札番号" in text  # the city's background form
    assert "佐々木 健一郎" in text and "佐々木 大輔" in text  # our values on it
    a = _positions(dog, "佐々木 大輔")
    b = _positions(dict(shifted.forms)["inu_touroku"], "佐々木 大輔")
    assert a and b
    dx, dy = b[0][0] - a[0][0], b[0][1] - a[0][1]
    assert abs(dx - 2.0 * 72 / 25.4) < 0.2 and abs(dy + 3.0 * 72 / 25.4) < 0.2  # 2 mm right, 3 mm down


def test_every_scenario_prints(book, tmp_path):
    """`okuyami print` on every scenario produces a packet, with nothing outside its box."""
    count = 0
    for path in book.scenario_paths():
        doc, spec = load_scenarios(path, Problems())
        for i, sc in enumerate(spec.scenarios):
            case = check_case(doc, Problems(), today=sc.today, base=("scenarios", i, "case"))
            packet = make_packet(book, case, tmp_path / f"{path.stem}{i}", today=sc.today or TODAY)
            assert all(p.fits for p in packet.placed), sc.name
            assert packet.guidance_pages >= 1
            count += 1
    assert count >= 20


def test_template_errors_are_located(tmp_path):
    folder = tmp_path / "forms_templates"
    folder.mkdir()
    (folder / "_parts.yaml").write_text((ROOT / "forms_templates" / "_parts.yaml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    (folder / "x.yaml").write_text(
        "form: x\ntitle: テスト\nsections:\n  - heading: 故人\n    rows:\n"
        "      - - {label: 氏名, value: deceased.nmae}\n        - {label: 性別, kind: choice}\n"
        "      - - {labl: 住所}\n  - part: shibosha\n", encoding="utf-8")
    problems = Problems()
    load_templates(folder, problems)
    msgs = [str(p) for p in problems.sorted()]
    assert any(re.search(r"x.yaml:6:\d+: 印刷する値 'deceased.nmae' はありません（'deceased.name' のことですか？）", m)
               for m in msgs), msgs
    assert any("x.yaml:7:" in m and "kind: choice には 'choices:'" in m for m in msgs), msgs
    assert any("x.yaml:8:" in m and "未知のキー 'labl'（'label' のことですか？）" in m for m in msgs), msgs
    assert any("x.yaml:9:" in m and "部品 'shibosha' は _parts.yaml にありません（'shibousha' のことですか？）" in m
               for m in msgs), msgs


def test_rules_check_catches_a_form_without_template(rules_copy, monkeypatch):
    from okuyami.core.rulebook import check_rulebook

    monkeypatch.chdir(rules_copy.parent)
    f = rules_copy.parent / "rules" / "kourei.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("forms: [koureisha_service]", "forms: [koureisha_servce]"),
                 encoding="utf-8")
    book, problems = check_rulebook(rules_copy)
    (msg,) = [str(p) for p in problems.errors]
    assert "の様式 'koureisha_servce' のファイル forms_templates/koureisha_servce.yaml がありません" \
           "（'koureisha_service' のことですか？）" in msg
    line = next(i for i, t in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if "koureisha_servce" in t)
    assert msg.startswith(f"rules/kourei.yaml:{line}:13:")  # the forms: entry itself, not the procedure's code


def test_fallback_without_a_truetype_font_says_so_loudly(monkeypatch):
    fonts_mod.find_fonts.cache_clear()
    fonts_mod._index.cache_clear()
    monkeypatch.setattr(fonts_mod, "font_dirs", lambda: [])
    try:
        fs = fonts_mod.find_fonts()
        assert not fs.embedded
        assert any("NOT embedded" in w for w in fs.warnings)
        assert fs.fonts["gothic"].name == "HeiseiKakuGo-W5"
        assert fs.missing("山田𠮷") == ["𠮷"]
    finally:
        fonts_mod.find_fonts.cache_clear()
        fonts_mod._index.cache_clear()


def run(*args, cwd=ROOT):
    env = dict(os.environ, OKUYAMI_TODAY="2026-11-22")
    return subprocess.run([sys.executable, "-m", "okuyami", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_print_cli(tmp_path):
    proc = run("print", "examples/case.yaml", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "packet.pdf").is_file()
    assert "packet.pdf" in proc.stdout
    bad = run("print", "nope.yaml", "--out", str(tmp_path / "x"))
    assert bad.returncode == 1 and "がありません" in bad.stderr and "Traceback" not in bad.stderr
    assert run("print", "examples/case.yaml").returncode == 2  # --out is required
    assert run("print", "examples/case.yaml", "--out", str(tmp_path / "y"), "--offset-mm", "abc").returncode == 2


def test_doctor_reports_the_fonts():
    proc = run("doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "embedded as a subset" in proc.stdout and "rulebook: ok" in proc.stdout


def test_every_template_is_linked_from_a_procedure(book):
    templates = load_templates(book.forms_dir, Problems())
    linked = {f for r in book.rules.values() for f in r.spec.forms}
    assert len(templates) >= 15
    assert sorted(set(templates) - linked) == []
    assert any(t.background is not None for t in templates.values())  # at least one overlay form


def test_japanese_wrapping_keeps_numbers_whole_and_no_line_starts_with_punctuation():
    from okuyami.documents.fonts import find_fonts
    from okuyami.documents.forms import NO_LINE_START, wrap

    font = find_fonts()["mincho"]
    text = "葬祭費はサンプル市では50,000円です。電話090-1234-5678まで、お問い合わせください。" * 3
    for width in range(60, 300, 7):
        lines = wrap(text, font, 9, width)
        assert "".join(lines) == text
        assert not any(line[:1] in NO_LINE_START for line in lines[1:]), lines
        assert not any(line.startswith(",000") or line.startswith("000円") for line in lines)


def test_templates_are_read_again_when_a_file_changes(tmp_path):
    import shutil
    import time

    folder = tmp_path / "forms_templates"
    shutil.copytree(ROOT / "forms_templates", folder)
    first = load_templates(folder, Problems())
    assert load_templates(folder, Problems())["kokuho_soshitsu"] is first["kokuho_soshitsu"]  # cached
    f = folder / "kokuho_soshitsu.yaml"
    time.sleep(0.01)
    f.write_text(f.read_text(encoding="utf-8").replace("title: 国民健康保険 資格喪失届", "title: 国保 資格喪失届"),
                 encoding="utf-8")
    assert load_templates(folder, Problems())["kokuho_soshitsu"].spec.title == "国保 資格喪失届"
    f.write_text(f.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    for _ in range(2):  # the problem is reported on every call, cached or not
        problems = Problems()
        load_templates(folder, problems)
        assert any("未知のキー 'colour'" in str(p) for p in problems.errors)
