"""Storage and the counter workflow (no Qt): ``db`` keeps cases in SQLite, ``workflow`` validates what the clerk
types and turns a stored case into a contract case for the engine and the printer."""
