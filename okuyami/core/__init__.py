"""The domain core of okuyami (no Qt here).

- ``problems``: located, actionable error messages (``file:line:col: message``).
- ``messages``: the catalogue of the rulebook's Japanese messages (each with its English key word for IT).
- ``yamlio``: strict YAML loading that keeps a line/column mark for every node (every YAML file goes through it).
- ``yamledit``: line-exact edits of a YAML file (a value's own text replaced, everything else kept).
- ``facts``: the fact catalogue (contract §2) and the derived facts (contract §3).
- ``case``: the case file (contract §1).
- ``conditions``: the rulebook's condition language (all / any / not / comparisons), three-valued.
- ``rulebook``: the rulebook schema, loading from ``rules.yaml`` + ``rules/`` and its checks.
- ``engine``: evaluation and the incremental interview session.
- ``calendar``: closed days and deadlines (contract §5).
- ``wareki``: 和暦 formatting and parsing.
- ``scenarios``: OpenFisca-style scenario tests kept beside the rules.
- ``xlsx_rules``: the rulebook as a spreadsheet and back (``rules export-xlsx`` / ``import-xlsx``, contract §12).
"""
