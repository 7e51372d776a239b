"""A server-rendered SVG bar chart of a consumption series: no JavaScript, readable without colour.

The previous year, when compared, is a thinner hatched and outlined bar beside each bar, so it stays apart in
greyscale and high-contrast modes. The chart is an image with a title and a description; the page shows the same
numbers in a table (WCAG 1.1.1). Only presentation attributes and classes: the CSP allows no inline styles.
"""

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 16, 56


def _number(value, places=1):
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def _at(coordinate):
    """A coordinate with two decimals: format_html hands its arguments over as text."""
    return f"{coordinate:.2f}"


def nice_maximum(value):
    """The top of the axis: 1, 2, 2.5 or 5 times a power of ten, at or above the highest bar."""
    if not value or value <= 0:
        return Decimal(1)
    value = Decimal(value)
    magnitude = Decimal(10) ** (value.adjusted())
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def tick_count(top):
    """Grid lines at round values: 25 in steps of 5, 20 in steps of 5, 50 in steps of 10."""
    leading = top.normalize().as_tuple().digits[0]
    return 4 if leading == 2 and top.normalize().as_tuple().digits[1:] in ((), (0,)) else 5


def _label_every(count):
    """Every n-th bar gets an axis label so the labels never overlap (quarter hours: every hour on the hour)."""
    if count > 48:
        return 8
    if count > 16:
        return 2
    return 1


def _describe(series):
    unit = series.unit
    if not series.has_data:
        return _("No readings for %(period)s.") % {"period": series.label}
    parts = [
        _("%(register)s %(period)s: %(total)s %(unit)s in total. %(average_label)s: %(average)s %(unit)s.")
        % {
            "average_label": series.average_label,
            "register": series.register_label,
            "period": series.label,
            "total": _number(series.total, 2),
            "average": _number(series.average, 2),
            "unit": unit,
        }
    ]
    highest = max((bar for bar in series.bars if bar.value is not None), key=lambda bar: bar.value)
    parts.append(
        _("Highest: %(label)s with %(value)s %(unit)s.")
        % {"label": highest.title, "value": _number(highest.value, 2), "unit": unit}
    )
    missing = sum(1 for bar in series.bars if bar.value is None)
    if missing:
        parts.append(_("%(count)s bars without data.") % {"count": missing})
    if series.compare and series.previous_total is not None:
        parts.append(
            _("Previous year: %(total)s %(unit)s.") % {"total": _number(series.previous_total, 2), "unit": unit}
        )
    return " ".join(parts)


def consumption_chart(series, chart_id="consumption-chart"):
    """The SVG markup of `series` (safe to insert; every text is escaped)."""
    values = [bar.value for bar in series.bars] + ([bar.previous for bar in series.bars] if series.compare else [])
    top = nice_maximum(max((value for value in values if value is not None), default=0))
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    slot = Decimal(plot_width) / len(series.bars)
    baseline = TOP + plot_height

    def y_of(value):
        return baseline - float(Decimal(value) / top) * plot_height

    grid = []
    ticks = tick_count(top)
    step = top / ticks
    places = max(0, -step.normalize().as_tuple().exponent)
    for tick in range(ticks + 1):
        value = step * tick
        y = y_of(value)
        grid.append(
            format_html(
                '<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#c8c8c8" stroke-width="1"/>'
                '<text class="chart-tick" x="{}" y="{}" text-anchor="end" font-size="11" fill="#333">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                _at(y),
                _at(y),
                LEFT - 6,
                _at(y + 4),
                _number(value, places),
            )
        )

    bars = []
    every = _label_every(len(series.bars))
    for index, bar in enumerate(series.bars):
        x = LEFT + float(slot * index)
        width = float(slot)
        if series.compare and bar.previous is not None:
            height = baseline - y_of(bar.previous)
            bars.append(
                format_html(
                    '<rect class="chart-previous" x="{}" y="{}" width="{}" height="{}" '
                    'fill="url(#{}-hatch)" stroke="#555" stroke-width="1"><title>{}</title></rect>',
                    _at(x + width * 0.08),
                    _at(baseline - height),
                    _at(width * 0.3),
                    _at(height),
                    chart_id,
                    _("%(label)s, previous year: %(value)s %(unit)s")
                    % {"label": bar.title, "value": _number(bar.previous, 3), "unit": series.unit},
                )
            )
        if bar.value is not None:
            height = baseline - y_of(bar.value)
            offset, share = (0.4, 0.52) if series.compare else (0.12, 0.76)
            bars.append(
                format_html(
                    '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="#1f5f8b">'
                    "<title>{}</title></rect>",
                    _at(x + width * offset),
                    _at(baseline - height),
                    _at(width * share),
                    _at(height),
                    _("%(label)s: %(value)s %(unit)s")
                    % {"label": bar.title, "value": _number(bar.value, 3), "unit": series.unit},
                )
            )
        if index % every == 0:
            bars.append(
                format_html(
                    '<text class="chart-label" x="{}" y="{}" text-anchor="middle" font-size="11" fill="#333">{}</text>',
                    _at(x + width * 0.5),
                    baseline + 16,
                    bar.label,
                )
            )

    legend = [
        format_html(
            '<rect x="{}" y="{}" width="12" height="12" fill="#1f5f8b"/>'
            '<text x="{}" y="{}" font-size="12" fill="#333">{}</text>',
            LEFT,
            HEIGHT - 18,
            LEFT + 18,
            HEIGHT - 8,
            f"{series.register_label} ({series.unit})",
        )
    ]
    if series.compare:
        legend.append(
            format_html(
                '<rect x="{}" y="{}" width="12" height="12" fill="url(#{}-hatch)" stroke="#555" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="12" fill="#333">{}</text>',
                LEFT + 240,
                HEIGHT - 18,
                chart_id,
                LEFT + 258,
                HEIGHT - 8,
                _("Previous year"),
            )
        )

    title = _("%(register)s, %(period)s, in %(unit)s") % {
        "register": series.register_label,
        "period": series.label,
        "unit": series.unit,
    }
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="consumption-chart" id="{id}" role="img" '
        'viewBox="0 0 {width} {height}" aria-labelledby="{id}-title {id}-desc" focusable="false">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#777" stroke-width="3"/></pattern></defs>'
        "{grid}{bars}"
        '<line class="chart-axis" x1="{left}" x2="{right}" y1="{base}" y2="{base}" stroke="#333" stroke-width="1"/>'
        "{legend}</svg>",
        id=chart_id,
        width=WIDTH,
        height=HEIGHT,
        title=title,
        desc=_describe(series),
        grid=mark_safe("".join(grid)),  # noqa: S308  (built with format_html above)
        bars=mark_safe("".join(bars)),  # noqa: S308
        left=LEFT,
        right=WIDTH - RIGHT,
        base=baseline,
        legend=format_html_join("", "{}", ((part,) for part in legend)),
    )
