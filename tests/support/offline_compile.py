"""Compile the project for a warehouse this machine cannot reach: SQL Server, Fabric,
Databricks, Snowflake.

`dbt compile` renders every model and test to the SQL the warehouse would run, but it opens a
connection first and the fact model asks the table it refreshes for its months. Here every
adapter's connection is a stand-in that runs nothing: a query returns no rows, except the two
the refresh window asks (macros/refresh), which get canned answers. With `--existing` every
relation is reported as an existing table, so the fact compiles as a monthly refresh (its
`is_incremental()` branch); without it as a first build.

Run in its own process (it patches the adapter classes it loads):
    python offline_compile.py [--existing] compile --target sqlserver [dbt arguments...]
"""

from __future__ import annotations

import sys
import types

import agate
from dbt.adapters.base.connections import BaseConnectionManager
from dbt.adapters.base.impl import BaseAdapter
from dbt.adapters.contracts.connection import AdapterResponse
from dbt.adapters.factory import FACTORY
from dbt.cli.main import dbtRunner

# The months a refreshed fact holds, for the refresh window's query (macros/refresh).
CANNED_MONTHS = ["202401", "202402", "202403"]


def canned_result(sql: str) -> agate.Table:
    """What the stand-in warehouse answers: the refresh window's two questions, else nothing."""
    query = " ".join(sql.lower().split())
    if query.startswith("select count(*) from") and "rule_version" in query:
        return agate.Table([[0]], ["spells_under_other_rule_versions"])
    if query.startswith("select distinct activity_month from"):
        return agate.Table([[month] for month in CANNED_MONTHS], ["activity_month"])
    return agate.Table([], [])


class _NoConnection:
    """A connection handle on which every call does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: self


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def patch_adapters(existing: bool) -> None:
    """Replace opening, running and transactions on every loaded adapter's connection manager,
    and the catalogue look-up on every adapter."""

    def open_connection(cls, connection):
        connection.handle = _NoConnection()
        connection.state = "open"
        return connection

    def execute(self, sql, auto_begin=False, fetch=False, limit=None, **kwargs):
        return AdapterResponse(_message="OFFLINE"), canned_result(sql)

    for manager in [BaseConnectionManager, *_subclasses(BaseConnectionManager)]:
        if "open" in manager.__dict__:
            manager.open = classmethod(open_connection)
        if "execute" in manager.__dict__:
            manager.execute = execute
        for name in ("begin", "commit", "add_begin_query", "add_commit_query"):
            if name in manager.__dict__:
                setattr(manager, name, lambda self, *args, **kwargs: None)

    def get_relation(self, database, schema, identifier, **kwargs):
        if not existing:
            return None
        return self.Relation.create(
            database=database, schema=schema, identifier=identifier, type="table"
        )

    for adapter in [BaseAdapter, *_subclasses(BaseAdapter)]:
        if "get_relation" in adapter.__dict__:
            adapter.get_relation = get_relation


def stand_in_for_pyodbc() -> None:
    """dbt-fabric before 1.10 (which dbt-synapse needs) imports pyodbc as it loads, and
    pyodbc needs the system's ODBC library. Nothing here connects, so where that library is
    missing a stand-in module takes pyodbc's place; connecting through it fails loudly."""
    try:
        import pyodbc  # noqa: F401
    except ImportError:
        stand_in = types.ModuleType("pyodbc")

        class Error(Exception):
            pass

        def connect(*args, **kwargs):
            raise Error("offline compile: there is no ODBC connection")

        stand_in.Error = stand_in.DatabaseError = stand_in.InterfaceError = Error
        stand_in.OperationalError = stand_in.ProgrammingError = Error
        stand_in.connect = connect
        stand_in.pooling = False
        stand_in.version = "offline stand-in"
        sys.modules["pyodbc"] = stand_in


def main(argv: list[str]) -> int:
    existing = "--existing" in argv
    dbt_arguments = [argument for argument in argv if argument != "--existing"]
    stand_in_for_pyodbc()
    load_plugin = FACTORY.load_plugin

    def load_and_patch(name):  # the target's adapter is imported here, then patched
        plugin = load_plugin(name)
        patch_adapters(existing)
        return plugin

    FACTORY.load_plugin = load_and_patch
    result = dbtRunner().invoke(dbt_arguments)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
