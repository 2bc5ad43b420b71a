"""The desk app's print panel: the family's language reaches the packet (issue 13)."""

from pypdf import PdfReader
from test_ui import INTAKE, close_window, fill, open_window


def test_print_panel_language_choice(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    w.new_case()
    page = w.case_page
    fill(page, INTAKE)
    page.tabs.setCurrentIndex(2)
    panel = page.printing
    assert [panel.language.itemData(i) for i in range(panel.language.count())] == ["ja", "en", "easy-ja"]
    assert panel.language.currentData() == "ja"  # the default
    panel.language.setCurrentIndex(panel.language.findData("en"))
    path = panel.make()
    assert path is not None, panel.message.text()
    packet = panel.last_packet
    assert packet.language == "en" and packet.forms and packet.cover_pages == len(packet.forms)
    reader = PdfReader(str(path))
    assert "Your guide to the procedures after a death" in reader.pages[0].extract_text()
    assert len(reader.pages) == packet.guidance_pages + 2 * len(packet.forms)
    assert w.store.get(page.case_id).language == "en"  # remembered with the case
    case_id = page.case_id
    close_window(w)
    w = open_window(qtbot, tmp_path)
    w.open_case(case_id)
    w.case_page.tabs.setCurrentIndex(2)
    assert w.case_page.printing.language.currentData() == "en"  # a return visit prints in it again
    close_window(w)
