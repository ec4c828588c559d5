"""Operator commands: ``sessions deploy``, ``show``, ``list`` and ``logs`` against a cluster.

They follow the Solana CLI's conventions (:mod:`.config`: its ``config.yml``, ``-u``
monikers, ``-k`` keypair files) so an operator's existing setup just works. Each
command's logic is its own module; ``sessions_tools.cli`` only registers them, and
:mod:`.runner` turns every expected failure into one line on stderr and exit code 1.
"""
