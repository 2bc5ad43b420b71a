"""okuyami — おくやみコーナー支援: from a counter interview to the exact list of procedures.

Package layout:
- ``okuyami.core``: the domain (case file, facts, rulebook, condition language, engine, deadlines, 和暦).
  Imports no Qt; enforced by an import-linter contract (``pyproject.toml``) run in the test suite.
- ``okuyami.cli``: the ``okuyami`` command.
"""

__version__ = "0.1.0"
