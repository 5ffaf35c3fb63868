"""Items as the pod stores them: attribute values as the JSON carries them, a key, child collections."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from ml_connector_dagster.fusion.simulator.schema import SCHEMAS, ResourceSchema

Value = int | str | Decimal | bool | None

# Shaped like Oracle's serialized keys (a fixed header, then hex), yet not buildable from the id: the id is
# masked and followed by a keyed mix of it, so clients must take keys from `self` links or the PrimaryKey finder.
_UNIQ_PREFIX = "00020000000EACED0005770800"
_UNIQ_SECRET = b"fusion-simulator-uniqid"
_MASK_64 = (1 << 64) - 1
_MASK_96 = (1 << 96) - 1
_MIX = 0x9E3779B97F4A7C15F39CC061


def _salt(resource: str) -> int:
    return int.from_bytes(hashlib.blake2b(resource.encode(), key=_UNIQ_SECRET, digest_size=12).digest(), "big")


_SALTS = {resource: _salt(resource) for resource in SCHEMAS}


def uniq_id(resource: str, key: int) -> str:
    mixed = key ^ _SALTS[resource]
    return f"{_UNIQ_PREFIX}{mixed & _MASK_64:016X}{(mixed * _MIX) & _MASK_96:024X}"


def key_of_uniq_id(resource: str, text: str) -> int | None:
    """The id a UniqID stands for, or None when it is not one this pod issued for that resource."""
    body = text[len(_UNIQ_PREFIX) :]
    if not text.startswith(_UNIQ_PREFIX) or len(body) != 40:
        return None
    try:
        key = int(body[:16], 16) ^ (_SALTS[resource] & _MASK_64)
    except ValueError:
        return None
    return key if uniq_id(resource, key) == text else None


def path_key(schema: ResourceSchema, key: int) -> str:
    """The path segment naming an item: its opaque UniqID, or its plain numeric key."""
    return uniq_id(schema.name, key) if schema.addressing == "uniq" else str(key)


def key_of_path(schema: ResourceSchema, text: str) -> int | None:
    """The id a path segment names, or None when it names no item this pod could have."""
    if schema.addressing == "uniq":
        return key_of_uniq_id(schema.name, text)
    return int(text) if text.isdigit() else None


def format_timestamp(moment: datetime, millis: bool = True) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds" if millis else "seconds")


class Row(NamedTuple):
    """One item of `resource`: `key` is its id (the one its path and UniqID are made from), `attrs` what its
    JSON carries, `children` the rows of each child collection of its schema, in schema order, each in key
    order."""

    resource: str
    key: int
    attrs: dict[str, Value]
    children: tuple[tuple["Row", ...], ...] = ()


def plain(row: Row) -> dict[str, Any]:
    """The row's attributes with its child collections under their names, as plain dicts (for tests)."""
    children = SCHEMAS[row.resource].children
    return {
        **row.attrs,
        **{child.name: [plain(each) for each in rows] for child, rows in zip(children, row.children, strict=True)},
    }
