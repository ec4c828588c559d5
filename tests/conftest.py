"""Suite-wide configuration.

``tests/interop`` runs inside the separate anchorpy environment (its pins need
older solana/solders); the main suite drives it from
``tests/test_anchorpy_interop.py`` and must not collect it directly.
``tests/ts`` is the TypeScript suite (with its node_modules), run by
``tests/test_ts_interop.py``.
"""

collect_ignore = ["interop", "ts"]
collect_ignore_glob = ["interop/*", "ts/*"]
