"""What every bulk upsert of records from a specialist application shares: row errors with JSON pointers.

A batch is checked as a whole before anything is written; each error names its row by an RFC 6901 pointer in a URI
fragment (`#/meters/3/customerNumber`), so the integrator finds it in the body they sent. Lookups go in chunks of
keys below the databases' limits on query parameters. Used by schools/records_sync.py and utilities/records_sync.py.
"""


class RecordsInvalid(Exception):
    """The batch was refused as a whole; `errors` lists every row error (field, pointer, detail, code)."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(f"{len(errors)} invalid row(s)")


def pointer(*parts):
    """('meters', 3, 'customerNumber') → '#/meters/3/customerNumber'."""
    return "#/" + "/".join(str(part) for part in parts) if parts else "#"


def row_error(parts, detail, code):
    return {"field": ".".join(str(part) for part in parts), "pointer": pointer(*parts), "detail": detail, "code": code}


def chunked(items, size):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]
