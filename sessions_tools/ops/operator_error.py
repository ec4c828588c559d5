"""The one exception the operator commands raise on purpose."""

from __future__ import annotations


class OperatorError(Exception):
    """Bad input or a refused operation, told to the operator in one line (never a traceback)."""
