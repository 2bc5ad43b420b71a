"""Alembic environment for okuyami's store (run by :mod:`okuyami.store.migrate`, not by the ``alembic`` command).

The connection comes from ``config.attributes["connection"]``: the same engine as the app, SQLite or PostgreSQL.
"""

from alembic import context

from okuyami.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite: ALTER via table copies
with context.begin_transaction():
    context.run_migrations()
