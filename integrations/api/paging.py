"""Id-cursor pages of a list endpoint: oldest first, `after` = the `next` of the previous page, one query a page."""


def id_page(queryset, after, limit, to_data):
    """{"results": [to_data(record) …], "next": cursor or None} of the records with an id above `after`."""
    found = queryset.order_by("id")
    if after is not None:
        found = found.filter(id__gt=after)
    records = list(found[: limit + 1])
    more = len(records) > limit
    records = records[:limit]
    return {"results": [to_data(record) for record in records], "next": str(records[-1].pk) if more else None}
