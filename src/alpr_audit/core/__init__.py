"""The bottom layer: what every other layer shares, importing nothing else of the package.

Errors (with stable reject codes), typed records passed between modules, the table schema,
the cell rules (DuckDB macros), the one SQL quoting module, pseudonyms, settings, timing and
the progress bar. See docs/architecture.md for the layers and the test that keeps imports
pointing down.
"""
