"""Exports for tools people already use: a Datasette-ready SQLite file of aggregates and
findings (:mod:`.sqlite`) and the normalised tables as Parquet (:mod:`.parquet`).

Both are pseudonymised by default (invariant 7) and written atomically: a temporary file or
folder beside the target, renamed into place only when complete.
"""

from alpr_audit.outputs.export.parquet import export_parquet
from alpr_audit.outputs.export.sqlite import export_sqlite

__all__ = ["export_parquet", "export_sqlite"]
