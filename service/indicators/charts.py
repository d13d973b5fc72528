"""Charts a person would rather look at than read, drawn with matplotlib: the funnel (the honest
count), the indicator per gemeente (both names), the time spent per stage, the trend across years.

Each function takes the frame the service computed and returns the image as bytes: PNG for the
yearly report, SVG for the web interface to embed (`svg_text` gives it as a string). Labels are
Dutch and French side by side. Nothing here reads the database.
"""

from __future__ import annotations

import io
import textwrap
from typing import Literal

import matplotlib

matplotlib.use("Agg")  # no display: files only

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

Format = Literal["png", "svg"]
START_COLOUR, END_COLOUR, NEUTRAL = "#4c72b0", "#dd8452", "#8c8c8c"
plt.rcParams.update(
    {"font.size": 8, "svg.fonttype": "none", "axes.spines.top": False, "axes.spines.right": False}
)


def _save(fig: Figure, fmt: Format) -> bytes:
    for ax in fig.axes:
        if ax.get_xlim()[0] < 0:  # bars are counts, shares or days: never below zero
            ax.set_xlim(left=0)
    out = io.BytesIO()
    fig.tight_layout()
    fig.savefig(out, format=fmt, dpi=150, metadata={"Date": None} if fmt == "svg" else None)
    plt.close(fig)
    return out.getvalue()


def svg_text(image: bytes) -> str:
    return image.decode("utf-8")


def _both(nl: str, fr: str, width: int = 60) -> str:
    """Both names, wrapped to keep the plotting area wide."""
    return textwrap.fill(nl if nl == fr else f"{nl} / {fr}", width)


def _mark_suppressed(ax, positions: list[float], values: list[object]) -> None:  # type: ignore[no-untyped-def]
    """Write "x" where a value was suppressed (drawn as an empty bar)."""
    for y, v in zip(positions, values, strict=True):
        if v is None or (isinstance(v, float) and pd.isna(v)):
            ax.annotate("x", (0, y), xytext=(3, -3), textcoords="offset points", color=NEUTRAL)


def funnel(honest: pd.DataFrame, fmt: Format = "png") -> bytes:
    """The honest count: children per end category, accounted for in blue, unaccounted in orange
    (a suppressed count, None, is marked "x")."""
    rows = honest.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.36 * len(rows) + 1.0))
    colours = [START_COLOUR if a else END_COLOUR for a in rows["accounted"]]
    labels = [_both(n, f, 48) for n, f in zip(rows["label_nl"], rows["label_fr"], strict=True)]
    counts = pd.to_numeric(rows["count"], errors="coerce")
    bars = ax.barh(labels, counts.fillna(0), color=colours)
    ax.bar_label(bars, labels=["" if pd.isna(c) else f"{int(c)}" for c in counts], padding=2)
    _mark_suppressed(ax, list(range(len(rows))), list(counts))
    ax.set_xlabel("kinderen / enfants")
    ax.set_title("Waar de restlijst eindigt\nOù aboutit la liste résiduelle")
    return _save(fig, fmt)


def indicator_by_gemeente(table: pd.DataFrame, fmt: Format = "png") -> bytes:
    """The two readings' shares (%) per gemeente, both names on the axis; suppressed bars left out."""
    t = table.drop(index="total", errors="ignore")
    fig, ax = plt.subplots(figsize=(7.5, 0.28 * len(t) + 1.2))
    y = range(len(t))
    start = pd.to_numeric(t["share_start"], errors="coerce")
    end = pd.to_numeric(t["share_end"], errors="coerce")
    ax.barh([i - 0.2 for i in y], start.fillna(0), height=0.4, color=START_COLOUR, label="begin / début")
    ax.barh([i + 0.2 for i in y], end.fillna(0), height=0.4, color=END_COLOUR, label="einde / fin")
    _mark_suppressed(ax, [i - 0.2 for i in y], list(start))
    _mark_suppressed(ax, [i + 0.2 for i in y], list(end))
    ax.set_yticks(list(y), [_both(n, f) for n, f in zip(t["label_nl"], t["label_fr"], strict=True)])
    ax.invert_yaxis()
    ax.set_xlabel(
        "% leerplichtigen nergens ingeschreven / % d'élèves soumis à l'obligation inscrits nulle part"
    )
    ax.legend(loc="lower right")
    return _save(fig, fmt)


def stage_durations(stages: pd.DataFrame, fmt: Format = "png") -> bytes:
    """Median and 90th percentile of the days spent per stage."""
    s = stages.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(s) + 1.0))
    y = range(len(s))
    ax.barh(list(y), s["p90_days"].fillna(0), color=NEUTRAL, alpha=0.5, label="p90")
    ax.barh(list(y), s["median_days"].fillna(0), color=START_COLOUR, label="mediaan / médiane")
    ax.set_yticks(list(y), [_both(n, f, 48) for n, f in zip(s["label_nl"], s["label_fr"], strict=True)])
    ax.set_xlabel("dagen / jours")
    ax.legend(loc="lower right")
    return _save(fig, fmt)


def trend(years: pd.DataFrame, fmt: Format = "png") -> bytes:
    """The two readings' shares across school years."""
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    if not years.empty:
        ax.plot(
            years["school_year"], years["share_start"], marker="o", color=START_COLOUR, label="begin / début"
        )
        ax.plot(years["school_year"], years["share_end"], marker="o", color=END_COLOUR, label="einde / fin")
        ax.legend()
    ax.set_ylabel("%")
    ax.set_ylim(bottom=0)
    ax.set_title("Evolutie / Évolution")
    return _save(fig, fmt)
