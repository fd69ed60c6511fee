"""The Spark engine: the store's normalised tables as Spark temp views behind an Ibis backend.

:func:`connect` starts (once per process) or joins a Spark session and registers every
normalised table under its own name, with the column list and types of the DuckDB views
(:mod:`alpr_audit.core.schema`), so rules and reports run unchanged (docs/index.md, invariant 8):

* Parquet tables are read from the files the catalog registers (``table_files``) with an
  explicit schema: a file written before a column existed reads it as NULL, like DuckDB's
  ``union_by_name``; a table without files is an empty typed view.
* catalog tables (agencies, sources, findings …) live inside ``catalog.duckdb``, which Spark
  cannot read: DuckDB exports each to a Parquet file under the store's ``.staging`` and Spark
  reads that (a fresh export per :func:`connect`; the previous one is removed).

The session: ``SPARK_REMOTE`` (a Spark Connect URL, ``sc://host:15002``) or ``SPARK_MASTER``
(``spark://host:7077``, ``yarn``, ``k8s://…``) when set, else ``local[2]`` bound to 127.0.0.1
with no UI and no network. Time zone UTC (timestamps are naive UTC, invariant 4) and
``TIMESTAMP`` meaning ``TIMESTAMP_NTZ``, so every timestamp the rules compute stays naive and
is written to Parquet as DuckDB writes it. Spark's own logging is kept to errors on stderr.
See docs/scaling.md for running on a cluster.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

# an ImportError here means the 'spark' extra is not installed: backends.connect says so
import pyspark  # noqa: F401

from alpr_audit.core import sql
from alpr_audit.core.schema import CATALOG_TABLES, PARQUET_TABLES, Table
from alpr_audit.store.store import Store

#: Spark settings every session gets (a joined session gets the SQL ones).
SQL_CONF = {
    "spark.sql.session.timeZone": "UTC",
    # CAST(x AS TIMESTAMP), TIMESTAMP literals, make_timestamp …: naive, like DuckDB's TIMESTAMP
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    # Spark 4 turns ANSI mode on by default (errors on overflow, bad casts, x/0); the rules
    # are written for DuckDB's answers (NULL for x/0), which non-ANSI Spark gives too
    "spark.sql.ansi.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.adaptive.enabled": "true",
}

_LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.catalogImplementation": "in-memory",
    # few shuffle partitions for one machine (a cluster keeps its own default; AQE coalesces)
    "spark.sql.shuffle.partitions": "8",
}

_LOG4J = """\
# warn, Spark's shell default: with any other level Spark prints "Setting default log level"
# on start; errors only once the session is up (setLogLevel)
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.hadoop.name = org.apache.hadoop.util.NativeCodeLoader
logger.hadoop.level = error
"""

_lock = threading.Lock()
_session: Any = None
#: the export folder of the catalog tables last registered, per store root
_exports: dict[str, Path] = {}


class StartError(RuntimeError):
    """Spark could not start (no Java, a wrong Java, an unreachable master or server)."""


def _spark_type(duck: str) -> Any:
    """The Spark type of a schema.py (DuckDB) column type, as Spark reads it from Parquet."""
    import pyspark.sql.types as T

    base = duck.split()[0].upper()
    if base.endswith("[]"):
        return T.ArrayType(_spark_type(base[:-2]))
    return {
        "VARCHAR": T.StringType(), "TIMESTAMP": T.TimestampNTZType(), "DATE": T.DateType(),
        "BIGINT": T.LongType(), "INTEGER": T.IntegerType(), "BOOLEAN": T.BooleanType(),
        "DOUBLE": T.DoubleType(), "UBIGINT": T.DecimalType(20, 0),  # Spark has no unsigned
    }[base]


def spark_schema(table: Table) -> Any:
    """The Spark ``StructType`` of a normalised table (column order of schema.py)."""
    import pyspark.sql.types as T

    return T.StructType([T.StructField(c.name, _spark_type(c.type), True) for c in table.columns])


def session() -> Any:
    """The process's Spark session (created on first use, then reused); :class:`StartError`
    when Spark cannot start."""
    global _session
    with _lock:
        if _session is not None and not _stopped(_session):
            return _session
        try:
            _session = _start()
        except Exception as exc:  # Py4J/PySpark raise many kinds; callers want one
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StartError(f"{type(exc).__name__}: {first}") from exc
        return _session


def _stopped(s: Any) -> bool:
    try:
        sc = s.sparkContext
    except Exception:  # noqa: BLE001 - Spark Connect: the client has no SparkContext
        return False
    return sc._jsc is None


def _start() -> Any:
    from pyspark.sql import SparkSession

    remote = os.environ.get("SPARK_REMOTE")
    if remote:  # Spark Connect: the server has its own JVM, logging and resources
        spark = SparkSession.builder.remote(remote).getOrCreate()
        for k, v in SQL_CONF.items():
            spark.conf.set(k, v)
        return spark
    master = os.environ.get("SPARK_MASTER", "local[2]")
    work = Path(tempfile.mkdtemp(prefix="alpr-audit-spark-"))
    atexit.register(shutil.rmtree, work, True)
    log4j = work / "log4j2.properties"
    log4j.write_text(_LOG4J)
    builder = (SparkSession.builder.appName("alpr-audit").master(master)
               .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "1g"))
               .config("spark.driver.extraJavaOptions",
                       f"-Dlog4j2.configurationFile=file:{log4j}")
               # the store is a folder (DuckDB reads what Spark writes): paths without a
               # scheme are local/shared-mount paths even on a cluster whose default is HDFS
               .config("spark.hadoop.fs.defaultFS", "file:///"))
    if master.startswith("local"):
        # one machine: nothing listens beyond loopback, no UI, no metastore or warehouse in cwd
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        for k, v in {**_LOCAL_CONF, "spark.sql.warehouse.dir": str(work / "warehouse")}.items():
            builder = builder.config(k, v)
    for k, v in SQL_CONF.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    for k, v in SQL_CONF.items():  # a session that already existed keeps its own otherwise
        spark.conf.set(k, v)
    return spark


def connect(store: Store) -> Any:
    """An Ibis PySpark backend with every normalised table of ``store`` as a temp view."""
    import ibis

    spark = session()
    register_tables(spark, store)
    backend = ibis.pyspark.connect(spark)
    for k, v in SQL_CONF.items():  # ibis sets the time zone again; keep ours consistent
        spark.conf.set(k, v)
    return backend


def register_tables(spark: Any, store: Store) -> None:
    """(Re)register every normalised table of ``store`` as a Spark temp view."""
    for table in PARQUET_TABLES:
        schema = spark_schema(table)
        # file:// URIs: a cluster whose default file system is HDFS still reads the store
        files = [_uri(p) for p in store.table_files(table.name)]
        if files:
            df = spark.read.schema(schema).parquet(*files)
        else:
            df = spark.createDataFrame([], schema)
        df.select(*table.column_names).createOrReplaceTempView(table.name)
    _register_catalog(spark, store)


def _export_dir(store: Store) -> Path:
    """A new folder for this export: in the store's ``.staging`` (removed on the next writable
    open anyway), or a temp folder when the store is read-only."""
    if store.read_only:
        return Path(tempfile.mkdtemp(prefix="alpr-audit-spark-catalog-"))
    out = store.staging_dir / f"spark-catalog-{secrets.token_hex(4)}"
    out.mkdir(parents=True, exist_ok=True)
    return out


def _drop_exports() -> None:
    for path in _exports.values():
        shutil.rmtree(path, ignore_errors=True)
    _exports.clear()


atexit.register(_drop_exports)


def _register_catalog(spark: Any, store: Store) -> None:
    out = _export_dir(store)
    for table in CATALOG_TABLES:
        path = out / f"{table.name}.parquet"
        cols = ", ".join(sql.identifier(c) for c in table.column_names)
        store.con.execute(f'COPY (SELECT {cols} FROM {sql.identifier(table.name)}) TO '
                          f"{sql.path(path)} (FORMAT parquet)")
        spark.read.schema(spark_schema(table)).parquet(_uri(path)) \
            .createOrReplaceTempView(table.name)
    # the views now read the new export: the previous one of this store can go
    old = _exports.get(str(store.root))
    _exports[str(store.root)] = out
    if old is not None and old != out:
        shutil.rmtree(old, ignore_errors=True)



def _uri(path: Path) -> str:
    """``file:`` + the absolute path as is: Hadoop escapes it itself (a %-encoded URI would
    be escaped twice)."""
    return "file://" + str(Path(path).resolve())
