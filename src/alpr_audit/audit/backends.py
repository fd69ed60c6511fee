"""The query engines the audit runs on, behind one Ibis backend.

``duckdb`` (default) wraps the store's own connection: the normalised tables are its TEMP
views. ``spark`` starts (or joins) a Spark session and registers the same tables from the
store's Parquet files and catalog; see :mod:`alpr_audit.audit.spark`. Rules never know which
one they run on.
"""

from __future__ import annotations

from typing import Any

import ibis

from alpr_audit.core.errors import UsageError
from alpr_audit.store.store import Store

ENGINES = ("duckdb", "spark")


def connect(store: Store, engine: str = "duckdb") -> Any:
    """An Ibis backend over the store's tables for ``engine``."""
    if engine == "duckdb":
        return ibis.duckdb.from_connection(store.con)
    if engine == "spark":
        try:
            from alpr_audit.audit import spark
        except ImportError as exc:  # the optional extra is not installed
            raise UsageError("the spark engine needs the 'spark' extra",
                             hint="pip install 'alpr-audit[spark]' (pyspark and Java 17)") from exc
        try:
            return spark.connect(store)
        except spark.StartError as exc:  # no Java, wrong Java, master or server unreachable
            raise UsageError(f"the spark engine could not start: {exc}",
                             hint="local Spark needs Java 17 (JAVA_HOME or java on PATH); on a "
                             "cluster set SPARK_MASTER or SPARK_REMOTE (docs/scaling.md)"
                             ) from exc
    raise UsageError(f"unknown engine {engine!r}", hint=f"engines: {', '.join(ENGINES)}")


def parquet_glob(path: str) -> str:
    """What DuckDB reads for a Parquet output: a file (DuckDB) or a folder of parts (Spark)."""
    from pathlib import Path

    p = Path(path)
    return str(p / "*.parquet") if p.is_dir() else str(p)
