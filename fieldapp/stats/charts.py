"""The dashboard's charts, rendered headless into PNG or SVG bytes.

matplotlib is imported on first use only (it costs about half a second), with its object API
(``Figure`` and the Agg canvas): no pyplot, so no global figure state and renders can run on a
worker thread. Before that import ``MPLCONFIGDIR`` points at ``<cache>/FieldApp/matplotlib``,
a folder made here: matplotlib writes only its font list there (the paths of the system's
fonts, nothing about a person), reads no user ``matplotlibrc``, and never writes elsewhere. The
charts themselves go to memory (``BytesIO``) and nowhere else.

Every chart is 8 x 4.5 inches (800 x 450 pixels at 100 dpi), uses the colour-blind safe
Okabe-Ito colours for the forms of exploitation and a light-to-dark scale for the outcomes,
and says "no data in this period" instead of failing when there is nothing to draw
(:func:`has_data` tells beforehand, so the PDF prints a line of text instead). A value label
stands inside its bar only where it fits there, so it never covers the axis or another
label; the month still running is drawn open and dotted, marked "running".
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldapp.i18n import current_language, t
from fieldapp.paths import APP_NAME
from fieldapp.stats.model import (
    FOLLOWUP_STATUSES,
    INDICATION_BY_ASSESSMENT,
    INDICATION_OTHERWISE,
    StatsReport,
)
from fieldapp.stats.tables import municipality_rows, outcome_label
from fieldapp.store.filters import FORMS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CHART_IDS = (
    "signals_by_month",
    "signals_by_sector",
    "signals_by_municipality",
    "outcomes",
    "referrals_by_recipient",
    "followup_times",
)
FORMATS = ("png", "svg")
WIDTH_INCHES, HEIGHT_INCHES, SCREEN_DPI = 8.0, 4.5, 100

FORM_COLOURS = {
    "sexual": "#D55E00",
    "labour": "#0072B2",
    "criminal": "#009E73",
    "organ_removal": "#CC79A7",
}
# Outcomes without an indication, light to dark; then the two kinds of indication.
OUTCOME_COLOURS = ("#D9D9D9", "#F0C05A", "#E08A3C")
INDICATION_COLOURS = {INDICATION_BY_ASSESSMENT: "#C0392B", INDICATION_OTHERWISE: "#6E1A1A"}
BAR_COLOUR = "#3A6EA5"
TOTAL_COLOUR = "#333333"
INK, MUTED, GRID = "#1A1A1A", "#595959", "#E3E3E3"
TITLE_BLOCK_BOTTOM = 0.86  # fraction of the height: the title and period sit above it
MARGIN = 0.012  # fraction of the width left free at either side
LEGEND_GAP = 0.015  # fraction of the height between a legend and the plot under it

_IMPORT_LOCK = threading.Lock()
# matplotlib is not thread-safe: its font objects are shared between figures. The runner has
# two threads (a chart for the screen and one for a file can be drawn at once), so one at a time.
_RENDER_LOCK = threading.Lock()


class ChartError(ValueError):
    """An unknown chart id or format: a programming error, never user input."""


def cache_dir() -> Path:
    """Where matplotlib may keep its font list: the app's own cache folder."""
    import platformdirs  # noqa: PLC0415 - only when a chart is drawn

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "matplotlib"


def _matplotlib() -> None:
    """Import matplotlib once, with its config folder set to ours and the Agg backend."""
    with _IMPORT_LOCK:
        if "matplotlib" not in sys.modules:
            folder = cache_dir()
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.environ["MPLCONFIGDIR"] = str(folder)
        import matplotlib  # noqa: PLC0415 - keep start-up light: matplotlib loads at the first chart, after MPLCONFIGDIR is set

        matplotlib.use("Agg", force=False)


def chart_title(chart_id: str, lang: str | None = None) -> str:
    return t(f"stats.chart.{chart_id}", lang)


def render_chart(
    chart_id: str,
    report: StatsReport,
    fmt: str = "png",
    lang: str | None = None,
    *,
    dpi: int = SCREEN_DPI,
) -> bytes:
    """One chart of ``report`` as PNG or SVG bytes, its texts in ``lang``."""
    if fmt not in FORMATS:
        raise ChartError(f"unknown format {fmt!r}")
    buffer = BytesIO()
    with _RENDER_LOCK:
        figure = _draw(chart_id, report, lang, dpi)
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return buffer.getvalue()


def chart_figure(
    chart_id: str, report: StatsReport, lang: str | None = None, *, dpi: int = SCREEN_DPI
) -> Figure:
    """The chart drawn and laid out, not saved: for checking where its parts landed."""
    with _RENDER_LOCK:
        figure = _draw(chart_id, report, lang, dpi)
        figure.canvas.draw()
    return figure


def has_data(chart_id: str, report: StatsReport) -> bool:
    """Whether ``chart_id`` has anything to draw for ``report`` (else it shows one line)."""
    if chart_id not in _DRAWERS:
        raise ChartError(f"unknown chart {chart_id!r}")
    counts: list[float]
    if chart_id == "signals_by_month":
        counts = [month.total for month in report.signals_by_month]
    elif chart_id == "signals_by_sector":
        counts = [count for _, count in report.signals_by_sector]
    elif chart_id == "signals_by_municipality":
        counts = [count for _, count in report.signals_by_municipality]
    elif chart_id == "outcomes":
        counts = [sum(row.values()) for row in report.outcomes.values()]
    elif chart_id == "referrals_by_recipient":
        counts = [count for _, count in report.referrals_by_recipient]
    else:
        counts = [row.count for row in report.followup if row.status in FOLLOWUP_STATUSES]
    return any(counts)


def _draw(chart_id: str, report: StatsReport, lang: str | None, dpi: int) -> Figure:
    drawable = has_data(chart_id, report)  # also refuses an unknown id
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - matplotlib: at the first chart, after _matplotlib()
    from matplotlib.figure import Figure  # noqa: PLC0415 - matplotlib: at the first chart, after _matplotlib()

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=dpi)
    # The plots fill the figure below the title block, which is drawn at fixed positions.
    figure.set_layout_engine("constrained", rect=(0, 0, 1, TITLE_BLOCK_BOTTOM))
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    _titles(figure, chart_id, report, lang)
    if not drawable or not _DRAWERS[chart_id](figure, report, lang):
        figure.clear()
        _titles(figure, chart_id, report, lang)
        figure.text(
            0.5, 0.45, t("stats.chart.no_data", lang), ha="center", fontsize=13, color=MUTED
        )
    return figure


def _legend(figure: Figure, axes: Axes, fontsize: float) -> None:
    """The legend under the title block, as many columns as fit the figure's width (its text
    measured with the renderer that draws it), and the plots moved down below it."""
    handles, labels = axes.get_legend_handles_labels()
    if not labels:
        return
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    room = figure.bbox.width * (1 - 2 * MARGIN)
    for columns in range(len(labels), 0, -1):
        legend = figure.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(MARGIN, TITLE_BLOCK_BOTTOM),
            ncols=columns,
            fontsize=fontsize,
            frameon=False,
            borderaxespad=0,
        )
        box = legend.get_window_extent(renderer)
        if box.width <= room or columns == 1:
            break
        legend.remove()
    height = box.height / figure.bbox.height
    figure.set_layout_engine(
        "constrained", rect=(0, 0, 1, TITLE_BLOCK_BOTTOM - height - LEGEND_GAP)
    )


TITLE_SIZE, TITLE_MIN_SIZE = 12.0, 9.0


def _titles(figure: Figure, chart_id: str, report: StatsReport, lang: str | None) -> None:
    """Title, and the period under it, left-aligned above the plot; a long title is set
    smaller until it fits the width (measured as drawn), never cut off."""
    title = figure.text(
        MARGIN,
        0.975,
        chart_title(chart_id, lang),
        ha="left",
        va="top",
        fontsize=TITLE_SIZE,
        fontweight="bold",
        color=INK,
    )
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    room = figure.bbox.width * (1 - 2 * MARGIN)
    size = TITLE_SIZE
    while title.get_window_extent(renderer).width > room and size > TITLE_MIN_SIZE:
        size -= 0.5
        title.set_fontsize(size)
    figure.text(
        MARGIN,
        0.915,
        t("stats.chart.subtitle", lang, period=report.period.label()),
        ha="left",
        va="top",
        fontsize=8.5,
        color=MUTED,
    )


def _axes(figure: Figure) -> Axes:
    axes = figure.add_subplot(1, 1, 1)
    _style(axes)
    return axes


def _style(axes: Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color("#BDBDBD")
    axes.tick_params(colors=MUTED, labelsize=8.5)
    axes.set_axisbelow(True)


def number(value: float, lang: str | None = None) -> str:
    """A count with the thousands separator of ``lang`` (Dutch: a full stop)."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if (lang or _current()) == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _current() -> str:
    return current_language()


def _horizontal_bars(
    figure: Figure,
    labels: Sequence[str],
    values: Sequence[float],
    lang: str | None,
    *,
    colour: str = BAR_COLOUR,
    axis_label: str = "",
) -> bool:
    if not values or not any(values):
        return False
    axes = _axes(figure)
    positions = range(len(values))
    bars = axes.barh(list(positions), list(values), color=colour, height=0.65)
    axes.set_yticks(list(positions), [_shorten(label) for label in labels])
    axes.invert_yaxis()  # largest first, at the top
    axes.xaxis.grid(True, color=GRID, linewidth=0.8)
    axes.set_xlabel(axis_label, color=MUTED, fontsize=8.5)
    axes.bar_label(bars, [number(v, lang) for v in values], padding=3, fontsize=8, color=INK)
    axes.set_xlim(0, max(values) * 1.15)
    axes.xaxis.set_major_formatter(_count_formatter(lang))
    return True


def _shorten(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _count_formatter(lang: str | None) -> Any:
    from matplotlib.ticker import FuncFormatter  # noqa: PLC0415 - matplotlib: at the first chart, after _matplotlib()

    return FuncFormatter(lambda value, _pos: number(value, lang))


# -- the charts ----------------------------------------------------------------------------


def _signals_by_month(figure: Figure, report: StatsReport, lang: str | None) -> bool:
    """Lines per form and the total: a signal counts for every form its indicator belongs to,
    so the forms overlap and are not stacked."""
    months = report.signals_by_month
    if not months or report.signals_total == 0:
        return False
    axes = _axes(figure)
    positions = list(range(len(months)))
    # The month still running (the last, if any) is drawn open and dotted: its count is not
    # complete, so the line must not read as a fall.
    running = months[-1].running
    for form in FORMS:
        values = [month.by_form.get(form, 0) for month in months]
        if any(values):
            _month_line(
                axes,
                positions,
                values,
                running,
                marker="o",
                markersize=3.5,
                linewidth=1.8,
                color=FORM_COLOURS[form],
                label=t(f"form.{form}", lang),
            )
    totals = [month.total for month in months]
    _month_line(
        axes,
        positions,
        totals,
        running,
        linestyle="--",
        linewidth=1.4,
        color=TOTAL_COLOUR,
        label=t("stats.chart.all_signals", lang),
    )
    if running:
        axes.annotate(
            t("stats.chart.running", lang),
            xy=(positions[-1], totals[-1]),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7.5,
            color=MUTED,
        )
    step = max(1, (len(months) + 11) // 12)
    ticks = positions[::-1][::step][::-1]  # counted from the last month, which is always shown
    axes.set_xticks(ticks, [_month_label(months[i].month, lang) for i in ticks])
    axes.set_xlim(-0.5, len(months) - 0.5)
    axes.yaxis.grid(True, color=GRID, linewidth=0.8)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_formatter(_count_formatter(lang))
    axes.set_ylabel(t("stats.chart.axis_signals", lang), color=MUTED, fontsize=8.5)
    _legend(figure, axes, 8)
    axes.set_xlabel(t("stats.chart.forms_overlap", lang), color=MUTED, fontsize=7.5, wrap=True)
    return True


def _month_line(
    axes: Axes,
    positions: list[int],
    values: list[int],
    running: bool,
    **style: Any,
) -> None:
    """One line over the months; with ``running``, the step into the last month dotted and
    its point open."""
    if not running or len(values) < 2:
        whole = dict(style)
        if running:
            whole["markerfacecolor"] = "white"
        axes.plot(positions, values, **whole)
        return
    axes.plot(positions[:-1], values[:-1], **style)
    rest = {key: value for key, value in style.items() if key not in ("label", "linestyle")}
    rest.setdefault("marker", "o")
    rest.setdefault("markersize", 3.5)
    axes.plot(
        positions[-2:],
        values[-2:],
        linestyle=":",
        markevery=[1],
        markerfacecolor="white",
        **rest,
    )


def _month_label(month: str, lang: str | None) -> str:
    year, number_ = month.split("-")
    return f"{t(f'stats.month.{int(number_)}', lang)} {year[2:]}"


def _signals_by_sector(figure: Figure, report: StatsReport, lang: str | None) -> bool:
    rows = [(t(f"sector.{sector}", lang), count) for sector, count in report.signals_by_sector]
    return _horizontal_bars(
        figure,
        [label for label, _ in rows],
        [count for _, count in rows],
        lang,
        axis_label=t("stats.chart.axis_signals", lang),
    )


def _signals_by_municipality(figure: Figure, report: StatsReport, lang: str | None) -> bool:
    rows = municipality_rows(report, lang)
    return _horizontal_bars(
        figure,
        [label for label, _ in rows],
        [count for _, count in rows],
        lang,
        axis_label=t("stats.chart.axis_signals", lang),
    )


def _outcomes(figure: Figure, report: StatsReport, lang: str | None) -> bool:
    """One stacked bar per form: the persons with a signal in it, by the engine's outcome."""
    if not any(sum(row.values()) for row in report.outcomes.values()):
        return False
    axes = _axes(figure)
    forms = list(FORMS)
    positions = list(range(len(forms)))
    left = [0.0] * len(forms)
    segments = []
    lower = 0
    for column in report.outcome_order:
        values = [report.outcomes.get(form, {}).get(column, 0) for form in forms]
        if column in INDICATION_COLOURS:
            colour, dark = INDICATION_COLOURS[column], True
        else:
            colour, dark = OUTCOME_COLOURS[min(lower, len(OUTCOME_COLOURS) - 1)], False
            lower += 1
        bars = axes.barh(
            positions,
            values,
            left=left,
            color=colour,
            height=0.6,
            label=outcome_label(column, lang),
            edgecolor="white",
            linewidth=0.6,
        )
        segments.append((bars, values, dark))
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(positions, [t(f"form.{form}", lang) for form in forms])
    axes.invert_yaxis()
    axes.set_xlim(0, max(left) * 1.04)
    axes.xaxis.grid(True, color=GRID, linewidth=0.8)
    axes.xaxis.set_major_formatter(_count_formatter(lang))
    axes.set_xlabel(t("stats.chart.axis_possible_victims", lang), color=MUTED, fontsize=8.5)
    _legend(figure, axes, 7.5)
    for bars, values, dark in segments:
        _labels_inside(figure, axes, bars, values, lang=lang, colour="white" if dark else INK)
    return True


LABEL_SIZE = 7.5
LABEL_ROOM = 4.0  # points kept free on either side of a label inside its bar


def _labels_inside(
    figure: Figure,
    axes: Axes,
    bars: Any,
    values: Sequence[float],
    *,
    lang: str | None,
    colour: str,
) -> None:
    """Each value in the middle of its bar segment, only where the text fits inside the
    segment as laid out: a narrow segment gets no label rather than one over the axis or its
    neighbour (the table under the chart has every number)."""
    engine = figure.get_layout_engine()
    if engine is not None:
        engine.execute(figure)  # the final size of the plot, so widths are real
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    from matplotlib.font_manager import FontProperties  # noqa: PLC0415 - matplotlib: at the first chart, after _matplotlib()

    font = FontProperties(size=LABEL_SIZE)
    room = LABEL_ROOM * figure.dpi / 72
    labels = []
    for bar, value in zip(bars, values, strict=True):
        text = number(value, lang) if value else ""
        width = bar.get_window_extent(renderer).width
        needed = renderer.get_text_width_height_descent(text, font, ismath=False)[0]
        labels.append(text if text and needed + 2 * room <= width else "")
    axes.bar_label(bars, labels, label_type="center", fontsize=LABEL_SIZE, color=colour)


def _referrals_by_recipient(figure: Figure, report: StatsReport, lang: str | None) -> bool:
    rows = [
        (t(f"recipient.{recipient}", lang), count)
        for recipient, count in report.referrals_by_recipient
    ]
    return _horizontal_bars(
        figure,
        [label for label, _ in rows],
        [count for _, count in rows],
        lang,
        colour="#009E73",
        axis_label=t("stats.chart.axis_referrals", lang),
    )


def _followup_times(figure: Figure, report: StatsReport, lang: str | None) -> bool:
    """Left: referrals per follow-up status; right: median days to reach it."""
    rows = [row for row in report.followup if row.status in FOLLOWUP_STATUSES]
    if not any(row.count for row in rows):
        return False
    left, right = figure.subplots(1, 2)
    for axes in (left, right):
        _style(axes)
    labels = [t(f"stats.followup.{row.status}", lang) for row in rows]
    positions = list(range(len(rows)))
    bars = left.barh(positions, [row.count for row in rows], color=BAR_COLOUR, height=0.6)
    left.set_yticks(positions, labels)
    left.invert_yaxis()
    left.bar_label(bars, [number(row.count, lang) for row in rows], padding=3, fontsize=8)
    left.set_xlabel(t("stats.chart.axis_referrals", lang), color=MUTED, fontsize=8.5)
    left.set_xlim(0, max(row.count for row in rows) * 1.2 or 1)
    left.xaxis.grid(True, color=GRID, linewidth=0.8)
    medians = [row.median_days or 0.0 for row in rows]
    bars = right.barh(positions, medians, color="#E08A3C", height=0.6)
    right.set_yticks(positions, ["" for _ in rows])
    right.invert_yaxis()
    right.bar_label(
        bars,
        [
            t("stats.chart.median_label", lang, days=number(row.median_days, lang), n=row.timed)
            if row.median_days is not None
            else t("stats.chart.no_followup", lang)
            for row in rows
        ],
        padding=3,
        fontsize=8,
    )
    right.set_xlabel(t("stats.chart.axis_median_days", lang), color=MUTED, fontsize=8.5)
    right.set_xlim(0, max(medians) * 1.6 if any(medians) else 1)
    right.xaxis.grid(True, color=GRID, linewidth=0.8)
    return True


_DRAWERS: dict[str, Callable[[Figure, StatsReport, str | None], bool]] = {
    "signals_by_month": _signals_by_month,
    "signals_by_sector": _signals_by_sector,
    "signals_by_municipality": _signals_by_municipality,
    "outcomes": _outcomes,
    "referrals_by_recipient": _referrals_by_recipient,
    "followup_times": _followup_times,
}
