"""The dashboard's charts, rendered headless into PNG or SVG bytes.

matplotlib is imported on first use only (it costs about half a second), with its object API
(``Figure`` and the Agg canvas): no pyplot, so no global figure state and renders can run on a
worker thread. Before that import ``MPLCONFIGDIR`` points at ``<cache>/FieldApp/matplotlib``,
a folder made here: matplotlib writes only its font list there (the paths of the system's
fonts, nothing about a person), reads no user ``matplotlibrc``, and never writes elsewhere. The
charts themselves go to memory (``BytesIO``) and nowhere else.

Every chart is 8 x 4.5 inches (800 x 450 pixels at 100 dpi), uses the colour-blind safe
Okabe-Ito colours for the forms of exploitation and a light-to-dark scale for the outcomes,
and says "no data in this period" instead of failing when there is nothing to draw.
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
from fieldapp.stats.model import FOLLOWUP_STATUSES, StatsReport
from fieldapp.stats.tables import municipality_rows
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
OUTCOME_COLOURS = ("#D9D9D9", "#F0C05A", "#E08A3C", "#C0392B", "#6E1A1A")
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


def _draw(chart_id: str, report: StatsReport, lang: str | None, dpi: int) -> Figure:
    if chart_id not in _DRAWERS:
        raise ChartError(f"unknown chart {chart_id!r}")
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - matplotlib: at the first chart, after _matplotlib()
    from matplotlib.figure import Figure  # noqa: PLC0415 - matplotlib: at the first chart, after _matplotlib()

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=dpi)
    # The plots fill the figure below the title block, which is drawn at fixed positions.
    figure.set_layout_engine("constrained", rect=(0, 0, 1, TITLE_BLOCK_BOTTOM))
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    _titles(figure, chart_id, report, lang)
    if not _DRAWERS[chart_id](figure, report, lang):
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


def _titles(figure: Figure, chart_id: str, report: StatsReport, lang: str | None) -> None:
    """Title, and the period under it, left-aligned above the plot."""
    figure.text(
        MARGIN,
        0.975,
        chart_title(chart_id, lang),
        ha="left",
        va="top",
        fontsize=12,
        fontweight="bold",
        color=INK,
    )
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
    for form in FORMS:
        values = [month.by_form.get(form, 0) for month in months]
        if any(values):
            axes.plot(
                positions,
                values,
                marker="o",
                markersize=3.5,
                linewidth=1.8,
                color=FORM_COLOURS[form],
                label=t(f"form.{form}", lang),
            )
    axes.plot(
        positions,
        [month.total for month in months],
        linestyle="--",
        linewidth=1.4,
        color=TOTAL_COLOUR,
        label=t("stats.chart.all_signals", lang),
    )
    step = max(1, (len(months) + 11) // 12)
    axes.set_xticks(positions[::step], [_month_label(m.month, lang) for m in months][::step])
    axes.yaxis.grid(True, color=GRID, linewidth=0.8)
    axes.set_ylim(bottom=0)
    axes.yaxis.set_major_formatter(_count_formatter(lang))
    axes.set_ylabel(t("stats.chart.axis_signals", lang), color=MUTED, fontsize=8.5)
    _legend(figure, axes, 8)
    axes.set_xlabel(t("stats.chart.forms_overlap", lang), color=MUTED, fontsize=7.5, wrap=True)
    return True


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
    totals = [sum(report.outcomes.get(form, {}).values()) for form in forms]
    # The darkest shade for the highest outcome, however many outcomes are shown.
    offset = max(0, len(OUTCOME_COLOURS) - len(report.outcome_order))
    for index, outcome in enumerate(report.outcome_order):
        values = [report.outcomes.get(form, {}).get(outcome, 0) for form in forms]
        shade = min(index + offset, len(OUTCOME_COLOURS) - 1)
        colour = OUTCOME_COLOURS[shade]
        bars = axes.barh(
            positions,
            values,
            left=left,
            color=colour,
            height=0.6,
            label=t(f"outcome.{outcome}", lang),
            edgecolor="white",
            linewidth=0.6,
        )
        labels = [
            number(value, lang) if total and value / total >= 0.06 else ""
            for value, total in zip(values, totals, strict=True)
        ]
        dark = shade >= 3
        axes.bar_label(
            bars, labels, label_type="center", fontsize=7.5, color="white" if dark else INK
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(positions, [t(f"form.{form}", lang) for form in forms])
    axes.invert_yaxis()
    axes.xaxis.grid(True, color=GRID, linewidth=0.8)
    axes.xaxis.set_major_formatter(_count_formatter(lang))
    axes.set_xlabel(t("stats.chart.axis_possible_victims", lang), color=MUTED, fontsize=8.5)
    _legend(figure, axes, 7.5)
    return True


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
