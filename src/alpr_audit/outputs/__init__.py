"""Publishing: render what reports and answers return as files people open.

``safe`` neutralises spreadsheet formulas in every text cell, ``xlsx`` writes workbooks
(streaming, row-capped at Excel's limit), ``pdf`` typesets documents with Typst.
"""

from alpr_audit.outputs.safe import safe_cell, safe_text, sql_safe

__all__ = ["safe_cell", "safe_text", "sql_safe"]
