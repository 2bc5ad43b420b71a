"""The desk app (窓口アプリ), PySide6. A thin layer over ``okuyami.core``, ``okuyami.documents`` and
``okuyami.store``: the only package that imports Qt.

- ``app``: start-up (``okuyami`` / ``okuyami gui``);
- ``main_window``: menus, the rulebook (reload, errors), switching between the case list and a case;
- ``case_list``: today's and recent cases, search, status, outstanding counts;
- ``case_page``: one case — intake, the questionnaire, the procedures beside them, printing.
"""

from .qtfix import guard as _guard_refcounts

_guard_refcounts()  # PySide6 6.12.0 on Python 3.11 loses a reference to True per signal: see qtfix.py
