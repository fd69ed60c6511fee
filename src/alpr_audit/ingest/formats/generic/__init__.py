"""Formats no single vendor owns: response workbooks, mapped CSV/XLSX, readings, agreements."""
