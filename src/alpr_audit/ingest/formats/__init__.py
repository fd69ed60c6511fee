"""One module (or small package) per source format, registered in :mod:`..registry`.

``flock`` and ``vigilant`` hold the vendors' exports; ``generic`` the formats no vendor owns
(response workbooks, mapped imports, row-level readings, agreements).
"""
