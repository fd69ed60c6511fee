"""alpr-audit: audit automated license plate reader (ALPR) records.

The library is organised as a one-way flow: ``ingest`` turns vendor exports into the
normalised tables of a :class:`~alpr_audit.store.Store`; ``reports`` query them.
"""

__version__ = "0.1.0"
