"""Every benchmark behind ``sessions bench``: program CU, cache, decoding, localnet, simulator.

:mod:`sessions_tools.bench.run` collects them into the one JSON report.
"""
