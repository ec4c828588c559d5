"""Rent, computed the way the program computes it from the Rent sysvar.

The program has no FPU: it reads ``lamports_per_byte`` and the f64 exemption
threshold's bit pattern and accepts only thresholds that are small integers
(1.0 after SIMD-0194, 2.0 before), refusing the rest with ``CreationFailed``.
Pass the numbers of the cluster you model (``LiteSVM.get_rent()``); the
defaults are the current ones (6960 lamports per byte, threshold 1.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sessions_client.borsh import F64
from sessions_client.codec import layout_of
from sessions_client.sysvar_layouts import RentSysvar

#: Bytes of account metadata the runtime charges rent for on top of the data.
ACCOUNT_STORAGE_OVERHEAD: Final = 128

#: The Rent sysvar's layout: the threshold's bit pattern is read where the program reads it.
_RENT: Final = layout_of(RentSysvar)
_F64_BYTES: Final = F64.size
_MANTISSA_BITS: Final = 52
_EXPONENT_BIAS: Final = 1023
_MAX_SHIFT: Final = 4


def _integer_multiplier(threshold: float) -> int | None:
    """The threshold as the program decodes it, or None when the program refuses it."""
    encoded = _RENT.encode(RentSysvar(0, threshold, 0))
    start = _RENT.field("exemption_threshold").offset
    bits = int.from_bytes(encoded[start : start + _F64_BYTES], "little")
    exponent = (bits >> _MANTISSA_BITS) & 0x7FF
    mantissa = bits & ((1 << _MANTISSA_BITS) - 1)
    if bits >> 63 or not _EXPONENT_BIAS <= exponent <= _EXPONENT_BIAS + _MAX_SHIFT:
        return None
    shift = exponent - _EXPONENT_BIAS
    if mantissa & ((1 << (_MANTISSA_BITS - shift)) - 1):
        return None
    return ((1 << _MANTISSA_BITS) | mantissa) >> (_MANTISSA_BITS - shift)


@dataclass(frozen=True, slots=True)
class Rent:
    """The Rent sysvar fields the program reads."""

    lamports_per_byte: int = 6960
    exemption_threshold: float = 1.0

    def runtime_minimum(self, data_len: int) -> int:
        """The runtime's own rent-exempt minimum (it has an FPU): what it holds every
        account it leaves with lamports to."""
        overhead = ACCOUNT_STORAGE_OVERHEAD + data_len
        return int(float(overhead * self.lamports_per_byte) * self.exemption_threshold)

    def minimum_balance(self, data_len: int) -> int | None:
        """Rent-exempt minimum for ``data_len`` bytes; None if the program would refuse."""
        multiplier = _integer_multiplier(self.exemption_threshold)
        if multiplier is None:
            return None
        return (ACCOUNT_STORAGE_OVERHEAD + data_len) * self.lamports_per_byte * multiplier


def leaves_rent_paying(before: int, after: int, minimum: int) -> bool:
    """The runtime's rent-state rule for an account without data: a transaction may not
    leave it holding lamports below ``minimum`` unless it already did and did not grow."""
    return 0 < after < minimum and not (0 < before < minimum and after <= before)
