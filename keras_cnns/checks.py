"""Argument checks shared by every public function of the package.

Each raises `TypeError` (wrong type) or `ValueError` (wrong value) with a message that names the argument,
shows what it got and says what would work: ``pooling must be None, "avg" or "max"; got "median"``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable


def _type_names(types) -> str:
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join("None" if t is type(None) else t.__name__ for t in types)


def check_type(name: str, value: Any, types) -> Any:
    """`value` must be an instance of `types` (bool is not accepted where int is asked)."""
    types_tuple = types if isinstance(types, tuple) else (types,)
    is_bool_for_number = isinstance(value, bool) and bool not in types_tuple and any(
        t in (int, float, numbers.Number, numbers.Integral, numbers.Real) for t in types_tuple
    )
    if not isinstance(value, types) or is_bool_for_number:
        raise TypeError(f"{name} must be {_type_names(types)}; got {value!r} of type {type(value).__name__}")
    return value


def check_bool(name: str, value: Any) -> bool:
    return check_type(name, value, bool)


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    choices = list(choices)
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {shown}; got {value!r}")
    return value


def check_int(name: str, value: Any, *, min_value: int | None = None, max_value: int | None = None) -> int:
    check_type(name, value, numbers.Integral)
    if min_value is not None and value < min_value:
        raise ValueError(f"{name} must be an integer >= {min_value}; got {value!r}")
    if max_value is not None and value > max_value:
        raise ValueError(f"{name} must be an integer <= {max_value}; got {value!r}")
    return int(value)


def check_float(
    name: str,
    value: Any,
    *,
    min_value: float | None = None,
    max_value: float | None = None,
    min_inclusive: bool = True,
    max_inclusive: bool = True,
) -> float:
    check_type(name, value, numbers.Real)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    low_ok = min_value is None or (value >= min_value if min_inclusive else value > min_value)
    high_ok = max_value is None or (value <= max_value if max_inclusive else value < max_value)
    if not (low_ok and high_ok):
        low = "" if min_value is None else f"{'>=' if min_inclusive else '>'} {min_value}"
        high = "" if max_value is None else f"{'<=' if max_inclusive else '<'} {max_value}"
        bounds = " and ".join(b for b in (low, high) if b)
        raise ValueError(f"{name} must be a number {bounds}; got {value!r}")
    return float(value)


def check_rate(name: str, value: Any) -> float:
    """A dropout-style probability in [0, 1)."""
    return check_float(name, value, min_value=0.0, max_value=1.0, max_inclusive=False)


def check_int_sequence(name: str, value: Any, *, length: int | None = None, min_value: int = 1) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple of integers; got {value!r}")
    if length is not None and len(value) != length:
        raise ValueError(f"{name} must have {length} entries; got {len(value)} in {value!r}")
    if not value:
        raise ValueError(f"{name} must not be empty; got {value!r}")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral) or item < min_value:
            raise ValueError(f"{name} must hold integers >= {min_value}; got {value!r}")
    return tuple(int(v) for v in value)


def renamed_argument(old_name: str, new_name: str, old_value: Any, new_value: Any, default: Any = None) -> Any:
    """The value of an argument renamed from `old_name` to `new_name`: the old name still works, with a warning."""
    import warnings

    if old_value is None:
        return new_value
    if new_value is not None and new_value != default:
        raise TypeError(f"{old_name} is the deprecated name of {new_name}; pass {new_name} only")
    warnings.warn(f"{old_name} is deprecated; use {new_name}", DeprecationWarning, stacklevel=3)
    return old_value

