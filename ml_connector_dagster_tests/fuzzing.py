"""Malformed source records, generated deterministically from valid ones as a feed reads them.

Each variant is a valid raw record with a fresh record key and one to three members broken anywhere in its
tree: dropped, of the wrong type, a huge string, a bad date, text no store holds (unpaired surrogates, NUL),
a negative or 40-digit amount, or nested garbage in a child collection. `broken` names the members hit, as the
source names them (for garbage put into a collection: the collection), so a test can check the reason names
one of them.
"""

import copy
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

Raw = dict[str, Any]
# Where a value sits: its container, its key or index there, and the member name that holds it.
_Place = tuple[dict[str, Any] | list[Any], str | int, str]

HUGE = "x" * 1_000_000  # 1 MB
FORTY_DIGITS = "1234567890123456789012345678901234567890"
WRONG_TYPES: tuple[Any, ...] = ([], {}, [1, "x"], {"a": {"b": [None]}}, 0, 1, -1, True, False, None, "x", 3.5)
BAD_DATES: tuple[Any, ...] = (
    "2026-13-45",
    "2026-02-30",
    "yesterday",
    "",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    FORTY_DIGITS,
    int(FORTY_DIGITS),
)
NOT_TEXT: tuple[Any, ...] = (
    "\udcff",
    "caf\ud800",
    b"\xff\xfecaf\xe9".decode("utf-8", "surrogateescape"),
    "nul\x00",
)
BAD_AMOUNTS: tuple[Any, ...] = (
    "-1",
    -1,
    -0.01,
    "-99999.99",
    FORTY_DIGITS,
    int(FORTY_DIGITS),
    f"-{FORTY_DIGITS}",
    "1E+40",
    "1e999999",
    "NaN",
    "Infinity",
    float("nan"),
    float("inf"),
)
GARBAGE: tuple[Any, ...] = (
    {"a": [{"b": {"c": [1, None, "\udcff"]}}]},
    [[[[]]]],
    [{"x": {"y": {"z": HUGE[:1000]}}}],
    {"": None},
)
KINDS = ("missing", "wrong type", "huge string", "bad date", "not text", "bad amount", "nested garbage")
# 1 MB strings are rare: enough to show they are handled, few enough to keep the store's writes small.
_HUGE_SHARE = 0.003
# Members no feed reads: breaking them proves nothing.
_IGNORED = frozenset({"links"})


@dataclass(frozen=True)
class Variant:
    raw: Raw
    broken: tuple[str, ...]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Shape:
    """Where a feed's records keep their key (and the number that names them when the key is gone)."""

    key: str
    number: str | None = None


def retagged(raw: Raw, shape: Shape, tag: int) -> Raw:
    """A copy of `raw` with a record key (and number) no other copy has."""
    copied = copy.deepcopy(raw)
    copied[shape.key] = _tagged(copied.get(shape.key), tag)
    if shape.number is not None and shape.number in copied:
        copied[shape.number] = _tagged(copied[shape.number], tag)
    return copied


def _tagged(value: Any, tag: int) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return 10**12 + tag
    if isinstance(value, str) and value.isdigit():
        return str(10**12 + tag)
    return f"{value}-F{tag}"


class Fuzzer:
    """Variants of `samples`, the same for the same seed. `record_key` is the feed's: a variant whose key
    repeats an earlier one's is skipped (the store keeps one record per key, so it would be no new case)."""

    def __init__(self, samples: Sequence[Raw], shape: Shape, record_key: Callable[[Raw], str], seed: int) -> None:
        if not samples:
            raise ValueError("the fuzzer needs at least one valid record to break")
        self.samples = samples
        self.shape = shape
        self.record_key = record_key
        self.random = random.Random(seed)
        self._keys: set[str] = set()
        self._tag = 0

    def valid(self, count: int) -> list[Raw]:
        """`count` valid records, each with a fresh key."""
        records = []
        for _ in range(count):
            raw = retagged(self.random.choice(self.samples), self.shape, self._next_tag())
            self._keys.add(self.record_key(raw))
            records.append(raw)
        return records

    def variants(self, count: int) -> Iterator[Variant]:
        made = 0
        while made < count:
            raw = retagged(self.random.choice(self.samples), self.shape, self._next_tag())
            broken: list[str] = []
            kinds: list[str] = []
            for _ in range(self.random.choice((1, 1, 1, 2, 3))):
                places = _places(raw)
                container, at, name = self.random.choice(places)
                kind = self._break(container, at)
                broken.append(name)
                kinds.append(kind)
            key = self.record_key(raw)
            if key in self._keys:
                continue
            self._keys.add(key)
            made += 1
            yield Variant(raw, tuple(broken), tuple(kinds))

    def _next_tag(self) -> int:
        self._tag += 1
        return self._tag

    def _break(self, container: dict[str, Any] | list[Any], at: str | int) -> str:
        pick = self.random.choice
        kind = "huge string" if self.random.random() < _HUGE_SHARE else pick(KINDS[:2] + KINDS[3:])
        if kind == "missing":
            del container[at]  # type: ignore[arg-type]
            return kind
        current = container[at]  # type: ignore[index]
        if kind == "nested garbage" and isinstance(current, list):
            # A copy: a later break may land inside it, and must not change GARBAGE itself (or make a cycle).
            current.insert(self.random.randrange(len(current) + 1), copy.deepcopy(pick(GARBAGE)))
            return kind
        values = {
            "wrong type": WRONG_TYPES,
            "huge string": (HUGE,),
            "bad date": BAD_DATES,
            "not text": NOT_TEXT,
            "bad amount": BAD_AMOUNTS,
            "nested garbage": GARBAGE,
        }[kind]
        container[at] = copy.deepcopy(pick(values))  # type: ignore[index]
        return kind


def _places(raw: Raw) -> list[_Place]:
    """Every value of the tree, at any depth, with the member that holds it."""
    found: list[_Place] = []

    def walk(node: Any, name: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in _IGNORED:
                    found.append((node, key, key))
                    walk(value, key)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found.append((node, index, name))
                walk(value, name)

    walk(raw, "record")
    return found
