"""The picture of the workbook in the handbook (docs/rules-guide.md §8-2): python docs/workbook_picture.py

Exports the default rulebook's 市民課 sheet with `okuyami rules export-xlsx`, lets LibreOffice print its first rows
and columns to PDF (a copy whose print area is set for the picture; the workbook itself is unchanged) and turns the
page into docs/rules-workbook.png with pdftoppm. Needs Debian's libreoffice-calc and poppler-utils — for this
picture only; nothing in the tests or CI uses them."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402

from okuyami.core.rulebook import load_rulebook  # noqa: E402
from okuyami.core.xlsx_rules import export_workbook  # noqa: E402


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="okuyami-picture-"))
    xlsx = work / "rules.xlsx"
    export_workbook(load_rulebook(ROOT / "rules.yaml"), xlsx, "shimin")
    wb = load_workbook(xlsx)
    ws = wb["市民課"]
    ws.print_area = "A1:K6"  # code, titles, counter, deadline, what to bring, note: the first four procedures
    ws.print_title_rows = ws.print_title_cols = None
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    wb.save(work / "picture.xlsx")
    subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(work),
                    str(work / "picture.xlsx")], check=True, capture_output=True, timeout=300)
    # A3 landscape at 160 dpi is 2646 × 1871 pixels; the print area fills its upper part: crop to it
    subprocess.run(["pdftoppm", "-png", "-r", "160", "-x", "105", "-y", "150", "-W", "2440", "-H", "600", "-singlefile",
                    str(work / "picture.pdf"), str(work / "page")], check=True)
    shutil.copy(work / "page.png", ROOT / "docs" / "rules-workbook.png")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
