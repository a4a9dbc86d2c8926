"""Counts in words, as a person writes them: 1 project, 3 projects, 1,048,576 hour lines."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`counted(1, "project")` -> "1 project"; `counted(2, "entry", "entries")` -> "2 entries"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
