"""The core-system (住基) death list: reading the vendor's CSV and importing it into the store (contract §10).

- :mod:`.encoding` detects Shift_JIS (cp932 with the NEC and IBM extensions, 外字 as private-use characters) or
  UTF-8 (with or without BOM);
- :mod:`.dates` reads ``YYYYMMDD``, 和暦 (``R8.11.15``, ``S16.3.2``, ``H30.04.01``) and the other date forms a
  vendor profile may declare;
- :mod:`.profile` loads a vendor profile (YAML: the vendor's column names and codes onto the default layout),
  with located errors like the rulebook's;
- :mod:`.reader` turns a file into import records and the located problems of its bad rows;
- :mod:`.importer` writes the records into the store (one case per 宛名番号, answers with source ``juki``, a
  clerk's correction never overwritten) and reports what it did.

No Qt here: the desk app (okuyami/ui/juki_import.py) and the command line (okuyami/cli_juki.py) both use it.
"""
