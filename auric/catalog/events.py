"""Events the catalog publishes (through the core outbox), and their payloads.

- ``catalog.StyleCreated``    {"style_id", "code"}
- ``catalog.StyleUpdated``    {"style_id", "code", "changed": [field names]}
- ``catalog.StylePublished``  {"style_id", "code"}
- ``catalog.StyleDelisted``   {"style_id", "code", "reason"}
- ``catalog.PieceRegistered`` {"piece_id", "style_id", "variant_id", "serial_number"}

The aggregate is ``catalog.style:<id>`` or ``catalog.piece:<id>``. The catalog handles no events of
other apps: it sits below pricing and inventory, which react to these.
"""

from __future__ import annotations

STYLE_CREATED = "catalog.StyleCreated"
STYLE_UPDATED = "catalog.StyleUpdated"
STYLE_PUBLISHED = "catalog.StylePublished"
STYLE_DELISTED = "catalog.StyleDelisted"
PIECE_REGISTERED = "catalog.PieceRegistered"

ALL = (STYLE_CREATED, STYLE_UPDATED, STYLE_PUBLISHED, STYLE_DELISTED, PIECE_REGISTERED)
