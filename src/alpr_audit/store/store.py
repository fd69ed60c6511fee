"""The store: one directory holding ``catalog.duckdb`` and the Parquet tables.

Layout::

    <store>/catalog.duckdb          sources, rejects, agencies, table_files, schema_meta
    <store>/tables/<table>/<source_id>.parquet
    <store>/.staging/               work files of a running ingest (removed on open)
    <store>/.tmp/                   DuckDB spill files

The catalog is the single commit point. A Parquet file becomes part of a table only when the
catalog transaction that registers it commits; files that no committed row names (left by a
killed ingest) are invisible to every view and are deleted the next time the store is opened
for writing. Views are TEMP views built per connection from the registry, with absolute paths,
so a store can be moved or copied as a folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from alpr_audit.core import sql
from alpr_audit.core.cells import install_macros
from alpr_audit.core.errors import StoreError
from alpr_audit.core.schema import PARQUET_TABLES, SCHEMA_VERSION
from alpr_audit.store import layout, migrations

CATALOG_FILE = "catalog.duckdb"

_META_DDL = [
    "CREATE TABLE IF NOT EXISTS schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS table_files (table_name VARCHAR, source_id VARCHAR, "
    "relpath VARCHAR PRIMARY KEY, rows BIGINT)",
]


class Store:
    """An opened store. Use :meth:`open` and close it (or use it as a context manager)."""

    def __init__(self, root: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.root = root
        self.con = con
        self.read_only = read_only
        self._views_deferred = False
        self._views_stale = False

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        root: str | os.PathLike[str],
        *,
        read_only: bool = False,
        create: bool = True,
        memory_limit: str | None = None,
    ) -> Store:
        """Open (and, unless ``read_only``, create and migrate) the store at ``root``."""
        root = Path(root).expanduser().resolve()
        catalog = root / CATALOG_FILE
        if not catalog.exists():
            if read_only or not create:
                raise StoreError(
                    f"no alpr-audit store at {root}",
                    path=str(root),
                    hint="ingest files first (alpr-audit ingest PATH) or pass --store DIR "
                    "(env ALPR_AUDIT_STORE) pointing at an existing store",
                )
            if root.exists() and any(root.iterdir()):
                raise StoreError(
                    f"{root} exists, is not empty and holds no {CATALOG_FILE}",
                    path=str(root),
                    hint="choose an empty or new folder for --store",
                )
            root.mkdir(parents=True, exist_ok=True)
        config: dict[str, str | bool | int | float | list[str]] = {}
        if memory_limit:
            config["memory_limit"] = memory_limit
        try:
            con = duckdb.connect(str(catalog), read_only=read_only, config=config)
        except duckdb.IOException as exc:
            raise StoreError(
                f"cannot open the store catalog {catalog}: {exc}",
                path=str(catalog),
                hint="another alpr-audit process may be writing to this store; wait for it "
                "to finish, or use another --store",
            ) from exc
        except duckdb.Error as exc:
            raise StoreError(
                f"the store catalog {catalog} is unreadable: {exc}",
                path=str(catalog),
                hint="restore the store folder from a backup, or re-ingest into a new --store",
            ) from exc
        store = cls(root, con, read_only)
        # DuckDB's own progress bar writes to the terminal (and would break --json); ours is Rich
        con.execute("SET enable_progress_bar = false")
        tmp = root / ".tmp"
        if not read_only:
            tmp.mkdir(exist_ok=True)
            con.execute(f"SET temp_directory = {sql.path(tmp)}")
            store._migrate()
            store._remove_uncommitted_files()
        else:
            store._check_version()
        install_macros(con)
        store.refresh_views()
        return store

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema ----------------------------------------------------------------------------

    def schema_version(self) -> int:
        try:
            row = self.con.execute(
                "SELECT value FROM schema_meta WHERE key = 'schema_version'"
            ).fetchone()
        except duckdb.CatalogException:
            return 0
        return int(row[0]) if row else 0

    def _check_version(self) -> None:
        found = self.schema_version()
        if found != SCHEMA_VERSION:
            raise StoreError(
                f"the store at {self.root} has schema version {found}; this alpr-audit "
                f"uses {SCHEMA_VERSION}",
                path=str(self.root),
                hint="run any write command (e.g. alpr-audit ingest) once to migrate it"
                if found < SCHEMA_VERSION
                else "upgrade alpr-audit to read this store",
            )

    def _migrate(self) -> None:
        found = self.schema_version()
        if found > SCHEMA_VERSION:
            self._check_version()
        with self.transaction():
            for stmt in _META_DDL:
                self.con.execute(stmt)
            migrations.upgrade(self.con, found)
            self.con.execute(
                "INSERT OR REPLACE INTO schema_meta VALUES ('schema_version', ?)",
                [str(SCHEMA_VERSION)],
            )

    # --- transactions and files ------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A catalog transaction: everything inside commits together or not at all."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    @property
    def staging_dir(self) -> Path:
        return self.root / ".staging"

    def table_dir(self, table: str) -> Path:
        return self.root / "tables" / table

    def table_files(self, table: str) -> list[Path]:
        rows = self.con.execute(
            "SELECT relpath FROM table_files WHERE table_name = ? ORDER BY relpath", [table]
        ).fetchall()
        return [self.root / r[0] for r in rows]

    def _remove_uncommitted_files(self) -> None:
        """Delete what a killed ingest left: staging files and unregistered Parquet files."""
        shutil.rmtree(self.staging_dir, ignore_errors=True)
        registered = {r[0] for r in self.con.execute("SELECT relpath FROM table_files").fetchall()}
        tables = self.root / "tables"
        if not tables.exists():
            return
        for path in tables.rglob("*.parquet"):
            if path.relative_to(self.root).as_posix() not in registered:
                path.unlink(missing_ok=True)

    # --- views -----------------------------------------------------------------------------

    @contextmanager
    def views_deferred(self) -> Iterator[None]:
        """Within the block, :meth:`refresh_views` only notes that views are stale; they are
        rebuilt once at the end. A view binds every registered file's footer, so refreshing
        after each of a thousand committed files cost time growing with the store."""
        outer = self._views_deferred
        self._views_deferred = True
        try:
            yield
        finally:
            self._views_deferred = outer
            if not outer and self._views_stale:
                self.refresh_views()

    def refresh_views(self) -> None:
        """(Re)create a TEMP view per Parquet table over its registered files."""
        if self._views_deferred:
            self._views_stale = True
            return
        self._views_stale = False
        for table in PARQUET_TABLES:
            files = self.table_files(table.name)
            typed = ", ".join(f'CAST(NULL AS {c.type}) AS {sql.identifier(c.name)}' for c in table.columns)
            if files:  # partitioned and flat files (store/layout.py)
                body = layout.view_body(table.name, table.column_names, files, self.root)
            else:
                body = f"SELECT {typed} WHERE false"
            try:
                self.con.execute(f'CREATE OR REPLACE TEMP VIEW {sql.identifier(table.name)} AS {body}')
            except duckdb.IOException as exc:  # a registered file deleted or damaged by hand
                raise StoreError(
                    f"a file of the {table.name} table is missing or unreadable: "
                    f"{str(exc).splitlines()[0]}", path=str(self.root),
                    hint="run alpr-audit doctor to see what is damaged; restore the store "
                    "folder from a backup, or re-ingest into a new --store") from exc

    # --- queries ---------------------------------------------------------------------------

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None
              ) -> list[dict[str, Any]]:
        """Run SQL and return rows as dicts (column names as keys). Values are ``Any``: their
        type is the column's, which only the query knows."""
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=False)) for row in cur.fetchall()]
