"""Numbers as a person writes them: 8.0 × 10⁻¹¹, never 8.0e-11 (a reader's notation, and it cannot break across
lines at a phone's width). One home for the book's number forms: the ledger, the bars' labels and the glued
numbers in the prose (the book's `_ext/readable_numbers.py` rewrites every glued e-notation value through here).
"""
from __future__ import annotations

import re

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
E_NOTATION = re.compile(r"^(?P<sign>[-+]?)(?P<mantissa>\d+(?:\.\d+)?)[eE](?P<exponent>[-+]?\d+)$")
NBSP = "\u00a0"  # keeps "8.0 × 10⁻¹¹" on one line


def power_of_ten(mantissa: str, exponent: int) -> str:
    """``("8.0", -11)`` -> "8.0 × 10⁻¹¹"; a bare 1 is dropped ("10¹²"), as a person writes it."""
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    sign = "−" if mantissa.startswith("-") else ""
    mantissa = mantissa.lstrip("+-")
    if mantissa == "1":
        return sign + power
    return f"{sign}{mantissa}{NBSP}×{NBSP}{power}"


def from_e_notation(text: str) -> str:
    """Rewrite a number printed in e-notation ("8.0e-11", "1e+12"); any other text comes back unchanged."""
    match = E_NOTATION.match(text.strip())
    if not match:
        return text
    return power_of_ten(match["sign"] + match["mantissa"], int(match["exponent"]))


def scientific(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` significant figures as m × 10ⁿ."""
    mantissa, exponent = f"{float(value):.{max(digits - 1, 0)}e}".split("e")
    return power_of_ten(mantissa, int(exponent))
