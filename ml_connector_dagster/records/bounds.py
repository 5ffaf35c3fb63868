"""What any value a canonical record carries must fit: the limits every system at either end can hold.

Readers that parse numbers themselves (JAGGAER documents, NetSuite rows) check these too, so their errors name
the source's field; the canonical records check them again for every other way in.
"""

from decimal import Decimal

# Oracle NUMBER's precision: the widest number Fusion and NetSuite store; beyond it a value is garbage.
MAX_DIGITS = 38
# Ids and line numbers are 64-bit at every end (Oracle NUMBER(18), PostgreSQL bigint).
MAX_INTEGER = 2**63 - 1
# VARCHAR2(4000): the longest text attribute Oracle holds, and longer than any JAGGAER field.
MAX_TEXT = 4000


def number_problem(value: Decimal) -> str | None:
    """Why `value` is no number a system holds, or None when it is one."""
    if not value.is_finite():
        return "must be a finite number"
    if len(value.as_tuple().digits) > MAX_DIGITS or value.adjusted() >= MAX_DIGITS:
        return f"has more than {MAX_DIGITS} digits"
    return None


def integer_problem(value: int | Decimal) -> str | None:
    """Why `value` is no id or count a system holds, or None when it is one."""
    if abs(value) > MAX_INTEGER:
        return f"is out of range (more than {len(str(MAX_INTEGER))} digits)"
    return None


def text_problem(value: str) -> str | None:
    """Why `value` is no text a system holds, or None when it is: too long, a NUL character or unpaired
    surrogates (text no JSON payload, store or target can carry)."""
    if len(value) > MAX_TEXT:
        return f"is longer than {MAX_TEXT} characters"
    nul = nul_problem(value)
    if nul is not None:
        return nul
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text (it holds an unpaired surrogate)"
    return None


def nul_problem(value: str) -> str | None:
    """Why `value` is no text PostgreSQL holds (a NUL character), or None."""
    return "holds a NUL character" if "\x00" in value else None
