"""Make the README's screenshots of the desk app (offscreen): python docs/screenshots.py"""

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OKUYAMI_TODAY", "2026-11-25")  # some deadlines within 7 days: 急ぎ shows
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from okuyami.ui.app import build_window, make_app  # noqa: E402

OUT = ROOT / "docs"


def wait(app, seconds: float) -> None:
    import time

    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> None:
    app = make_app()
    w = build_window(Path(tempfile.mkdtemp()), None, "窓口 一郎", background=False)  # scripted: store calls inline
    w.resize(1360, 860)
    w.show()
    people = [("佐藤 一郎", "さとう いちろう", "S15.6.1", "R8.11.10"), ("鈴木 ハル", "すずき はる", "T15.2.3", "R8.11.12")]
    for name, kana, birth, death in people:
        w.new_case()
        for key, text in ((("deceased", "name"), name), (("deceased", "kana"), kana),
                          (("deceased", "birth_date"), birth), (("deceased", "death_date"), death)):
            w.case_page.intake.set_text(key, text)
    w.new_case()
    page = w.case_page
    for key, text in ((("deceased", "name"), "山田 太郎"), (("deceased", "kana"), "やまだ たろう"),
                      (("deceased", "sex"), "male"), (("deceased", "birth_date"), "S30.4.1"),
                      (("deceased", "death_date"), "R8.11.15"), (("deceased", "address"), "サンプル市中央町1-2-3"),
                      (("applicant", "name"), "山田 花子"), (("applicant", "kana"), "やまだ はなこ"),
                      (("applicant", "relationship"), "妻"), (("applicant", "phone"), "090-1234-5678"),
                      (("funeral", "date"), "R8.11.18"), (("funeral", "chief_mourner"), "山田 花子")):
        page.intake.set_text(key, text)
    page.intake.set_text(("deceased", "death_date"), "R8.11.30")  # shows the refusal message
    app.processEvents()
    page.tabs.setCurrentIndex(0)
    app.processEvents()
    w.grab().save(str(OUT / "screen-intake.png"))
    page.intake.set_text(("deceased", "death_date"), "R8.11.15")
    page.tabs.setCurrentIndex(1)
    answers = {"was_household_head": True, "household_remaining_15plus": 2, "welfare_recipient": False,
               "health_insurance": "kokuho", "household_others_in_kokuho": True, "pension_recipient": True}
    for fact, value in answers.items():  # by name: the rulebook decides the order the clerk sees
        page.answer(fact, value)
        app.processEvents()
    page.procedures.tree.setCurrentItem(page.procedures.items["setainushi_henko"])
    app.processEvents()
    w.grab().save(str(OUT / "screen-interview.png"))
    page.tabs.setCurrentIndex(2)
    page.printing.make()
    wait(app, 2.0)  # QtPdf renders pages in the background
    w.grab().save(str(OUT / "screen-print.png"))
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.HighResolution)  # printing in the background: progress bar and 中止
    printer.setOutputFormat(QPrinter.PdfFormat)
    printer.setOutputFileName(str(Path(tempfile.mkdtemp()) / "printed.pdf"))
    printer.setResolution(300)
    page.printing.print_to(printer, backend="render")
    wait(app, 0.4)
    w.grab().save(str(OUT / "screen-print-job.png"))
    page.printing.job_status.wait_done()
    wait(app, 0.3)
    import datetime as dt

    page.procedures.set_status("kokuho_soshitsu", "完了")  # a return visit's state: one done, one for later
    page.procedures.set_status("setainushi_henko", "後日")
    w.store.set_task(page.case_id, "setainushi_henko", "後日", note="新しい世帯主の本人確認書類を持って来庁",
                     follow_up=dt.date(2026, 12, 2))
    page.reload_row()
    page.tabs.setCurrentIndex(3)
    wait(app, 0.3)
    w.grab().save(str(OUT / "screen-history.png"))
    w.show_follow_ups()
    wait(app, 0.2)
    w.grab().save(str(OUT / "screen-follow-ups.png"))
    w.show_list()
    app.processEvents()
    w.grab().save(str(OUT / "screen-list.png"))
    w.close()


if __name__ == "__main__":
    main()
