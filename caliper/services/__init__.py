"""Writes of the caliper app: envelope ingest (validate, attribute, store, enqueue)."""

from caliper.services.ingest import (
    CaliperRejected,
    IngestResult,
    body_hash,
    events_ingest,
    lanes_enqueue,
)

__all__ = ["CaliperRejected", "IngestResult", "body_hash", "events_ingest", "lanes_enqueue"]
