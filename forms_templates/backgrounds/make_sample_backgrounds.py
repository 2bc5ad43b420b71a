"""Makes inu_touroku.pdf: サンプル市's "official" 犬の登録事項変更届, blank, as a city would supply it.

A real city replaces the PDF with its own form and adjusts the field positions in ../inu_touroku.yaml
(millimetres from the top-left corner). Run: python forms_templates/backgrounds/make_sample_backgrounds.py
"""

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from okuyami.documents.fonts import find_fonts

HERE = Path(__file__).resolve().parent


def main() -> None:
    fonts = find_fonts()
    m = fonts["mincho"]
    c = canvas.Canvas(str(HERE / "inu_touroku.pdf"), pagesize=A4, initialFontName=fonts["gothic"])
    c.setTitle("犬の登録事項変更届（サンプル市様式第3号）")
    H = A4[1]

    def y(top):
        return H - top * mm

    def text(x, top, s, size=10):
        c.setFont(m, size)
        c.drawString(x * mm, y(top), s)

    def box(x, top, w, h, width=0.4):
        c.setLineWidth(width)
        c.rect(x * mm, y(top + h), w * mm, h * mm)

    text(15, 14, "様式第3号（第5条関係）", 8)
    c.setFont(m, 17)
    c.drawCentredString(A4[0] / 2, y(26), "犬 の 登 録 事 項 変 更 届")
    text(15, 38, "サンプル市長　様", 11)
    text(128, 38, "届出日　令和　　年　　月　　日", 10)
    text(15, 43.5, "狂犬病予防法施行規則第6条の規定により、次のとおり届け出ます。", 9)
    # 旧所有者
    for (x, top, w, h) in [(15, 50, 180, 36)]:
        box(x, top, w, h, 1.1)
    text(16, 48.8, "犬の所有者（亡くなった方）", 8)
    for top in (50, 62, 74):
        box(15, top, 25, 12)
    text(17, 57.5, "住　　所")
    text(17, 69.5, "氏　　名")
    text(17, 81.5, "死亡年月日")
    box(40, 50, 155, 12); box(40, 62, 155, 12); box(40, 74, 155, 12)
    # 新所有者
    text(16, 92.5, "新しい所有者", 9)
    box(15, 95, 180, 36, 1.1)
    for top in (95, 107, 119):
        box(15, top, 25, 12)
    text(17, 102.5, "住　　所")
    text(17, 114.5, "氏　　名")
    text(17, 126.5, "続　　柄")
    box(40, 95, 155, 12); box(40, 107, 80, 12); box(120, 107, 22, 12); box(142, 107, 53, 12)
    text(122, 114.5, "電　話")
    box(40, 119, 155, 12)
    # 犬
    text(16, 137.5, "犬", 9)
    box(15, 140, 180, 36, 1.1)
    for i, (l1, l2) in enumerate([("犬の名前", "鑑札番号"), ("種　　類", "毛　　色"), ("注射済票番号", "性　　別")]):
        top = 140 + 12 * i
        box(15, top, 25, 12); box(40, top, 60, 12); box(100, top, 25, 12); box(125, top, 70, 12)
        text(17, top + 7.5, l1, 9 if len(l1) > 5 else 10)
        text(102, top + 7.5, l2)
    text(128, 171.5, "オス　・　メス　（避妊・去勢　済）", 9)
    # 変更の内容
    box(15, 184, 180, 14, 1.1)
    box(15, 184, 25, 14)
    text(17, 192.5, "変更の内容")
    text(43, 192.5, "所有者の変更（所有者の死亡による）", 11)
    text(15, 206, "※ マイクロチップを登録している犬は、環境省の犬と猫のマイクロチップ情報登録でも変更の届出をしてください。", 8)
    text(15, 212, "受付　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　　サンプル市 環境課 生活衛生係", 8)
    c.showPage()
    c.save()


if __name__ == "__main__":
    main()
