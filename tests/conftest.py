"""Suite-wide configuration.

``tests/interop`` runs inside the separate anchorpy environment (its pins need
older solana/solders); the main suite drives it from
``tests/test_anchorpy_interop.py`` and must not collect it directly.
"""

collect_ignore = ["interop"]
collect_ignore_glob = ["interop/*"]
