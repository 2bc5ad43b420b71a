"""Printed documents (帳票): the guidance sheet (手続き案内票) and the prefilled application forms.

- ``fonts``: find and embed a Japanese TrueType font; check every character before printing.
- ``context``: the values a document can show, by binding name (``deceased.name``…).
- ``templates``: form templates (``forms_templates/*.yaml``), validated like the rulebook.
- ``forms``: draws a form (a drawn municipal form, or values overlaid on the city's PDF).
- ``guidance``: the guidance sheet.
- ``packet``: checks, then writes guidance.pdf, forms/<id>.pdf and packet.pdf.

No Qt here: the desk app uses this package through the same functions as ``okuyami print``.
"""
