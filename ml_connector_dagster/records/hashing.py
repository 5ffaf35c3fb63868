"""Payload hashes: what decides whether a record changed, independent of its version stamp."""

import hashlib

from pydantic import BaseModel

# The version stamp moves on every touch at the source even when nothing a target sees changed;
# leaving it out is what lets an unchanged payload be skipped (and stops echoes in two-way sync).
# (`last_update` on what JAGGAER sends: acknowledgments, receipts.)
_VERSION_FIELDS = {"last_update_date", "last_update"}


def payload_hash(record: BaseModel) -> str:
    body = record.model_dump_json(exclude=_VERSION_FIELDS)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
