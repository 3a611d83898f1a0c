"""Recursive JSON shape comparison: does a response have the shape of a documented example?"""

from __future__ import annotations

from typing import Any


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def shape_mismatches(
    example: Any,
    actual: Any,
    optional: frozenset[str] = frozenset(),
    maps: frozenset[str] = frozenset(),
    path: str = "",
) -> list[str]:
    """Where `actual` lacks a key of the documented `example` or has another JSON type there.

    Extra keys in `actual` are allowed (markers such as "sandbox"); list items are each compared with the
    example's first item; documented nulls match anything; `optional` names paths like "data[].rain";
    `maps` names objects keyed by data (e.g. "dictionaries.carriers"), whose values are compared instead.
    """
    if example is None:
        return []
    if _kind(example) != _kind(actual):
        return [f"{path or '$'}: documented {_kind(example)}, got {_kind(actual)}"]
    problems: list[str] = []
    if isinstance(example, dict) and path in maps:
        if example and not actual:
            problems.append(f"{path}: documented entries, got an empty object")
        if example:
            sample = next(iter(example.values()))
            for key, value in actual.items():
                problems += shape_mismatches(sample, value, optional, maps, f"{path}.{{{key}}}")
    elif isinstance(example, dict):
        for key, value in example.items():
            child = f"{path}.{key}" if path else key
            if key not in actual:
                if child not in optional:
                    problems.append(f"{child}: missing")
                continue
            problems += shape_mismatches(value, actual[key], optional, maps, child)
    elif isinstance(example, list) and example:
        if not actual and f"{path}[]" not in optional:
            problems.append(f"{path}: documented items, got an empty list")
        for item in actual:
            problems += shape_mismatches(example[0], item, optional, maps, f"{path}[]")
    return problems
