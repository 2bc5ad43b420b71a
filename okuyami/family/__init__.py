"""The family's own checklist on their phone (スマートフォンで見る).

- :mod:`okuyami.family.fragment` — the family's list in a link's fragment (versioned, no name, no address);
- :mod:`okuyami.family.sheet` — the second QR code on the guidance sheet;
- :mod:`okuyami.family.site` — ``okuyami family-page``: the static page the city puts on its website (one HTML
  file, the service worker that keeps it offline, and the city's public rulebook texts as ``rules.json``).
"""
