"""Medians, min–max, the ratios against the targets, and the chart."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.cases import RSS_LIMIT_KIB, Case, RunResult
from bench.units import GIB, KIB

WIKIUPLOAD = "wikiupload"
NGINX = "nginx"
MEDIAWIKI = "mediawiki"
PYTHON_SINK = "python-sink"
# MediaWiki 1.39's 50 KiB uploads/s on this kind of machine, used when none is given: the
# median of four side-by-side runs on 2026-12-05 (15-22/s, one and four clients) against the
# reference MediaWiki of docs/performance.md (PHP's built-in server, 4 workers, SQLite). The
# issue that set the goal had measured 7-9/s; the real server, measured here, is faster.
MEDIAWIKI_SMALL_REFERENCE = 18.0
PUBLISH_LIMIT_SECONDS = 0.1
COLOURS = {NGINX: "tab:gray", PYTHON_SINK: "tab:olive", WIKIUPLOAD: "tab:blue",
           MEDIAWIKI: "tab:orange"}


@dataclass(frozen=True)
class Check:
    what: str
    figure: str
    goal: str
    ok: bool | None            # None: not measured (skipped)

    @property
    def verdict(self) -> str:
        return {True: "ok", False: "MISSED", None: "skipped"}[self.ok]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def render_table(header: Sequence[str], body: Sequence[Sequence[str]], left: int = 1) -> str:
    """Columns under a header and a rule: the first ``left`` ones left-aligned, the rest
    right-aligned."""
    rows = [header, *body]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) if index < left else cell.rjust(width)
                       for index, (cell, width) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def figures_table(result: RunResult) -> str:
    header = ("case", "target", "rounds", "median", "min", "max", "unit", "publish s")
    body = []
    for case in result.cases:
        for target in result.targets:
            samples = result.of(case, target)
            if samples is None:
                continue
            values = samples.values
            publish = (f"{median(samples.publish_seconds):.3f}" if samples.publish_seconds
                       and target not in (NGINX, PYTHON_SINK) else "")
            body.append((case.label, target, str(len(values)), f"{median(values):.1f}",
                         f"{min(values):.1f}", f"{max(values):.1f}", case.unit, publish))
    return render_table(header, body, left=2)


def ratio(result: RunResult, case: Case, over: str) -> float | None:
    mine, theirs = result.of(case, WIKIUPLOAD), result.of(case, over)
    if mine is None or theirs is None:
        return None
    return median(mine.values) / median(theirs.values)


def nginx_goal(case: Case) -> float:
    if case.kind == "direct":
        return 0.40
    return 0.30 if case.chunk_size >= 5 * 1024 * 1024 else 0.20


def checks(result: RunResult) -> list[Check]:
    found: list[Check] = []
    for case in result.cases:
        if case.kind in ("direct", "chunked"):
            share = ratio(result, case, NGINX)
            goal = nginx_goal(case)
            found.append(Check(f"{case.label}: wikiupload / nginx",
                               "-" if share is None else f"{share:.1%}", f">= {goal:.0%}",
                               None if share is None else share >= goal))
        if case.kind == "chunked":
            samples = result.of(case, WIKIUPLOAD)
            if samples is not None and samples.publish_seconds:
                seconds = median(samples.publish_seconds)
                scope = "" if case.size >= GIB else " (goal set for 1 GiB)"
                found.append(Check(f"{case.label}: publish after the last chunk{scope}",
                                   f"{seconds * 1000:.0f} ms",
                                   f"< {PUBLISH_LIMIT_SECONDS * 1000:.0f} ms",
                                   seconds < PUBLISH_LIMIT_SECONDS))
        if case.kind == "small":
            found.append(_small_check(result, case))
    for rss in result.rss:
        found.append(Check(f"peak RSS, {rss.label}", f"{rss.peak_kib / KIB:.1f} MiB "
                           f"(+{rss.growth_kib / KIB:.1f})", f"< {RSS_LIMIT_KIB // KIB} MiB",
                           rss.peak_kib < RSS_LIMIT_KIB))
    if result.two_node is not None:
        two = result.two_node
        found.append(Check("two nodes / one node (aggregate MB/s)",
                           "-" if two.skipped else
                           f"{two.two_nodes_mb_s:.0f} / {two.one_node_mb_s:.0f}",
                           "> 1", None if two.skipped else two.two_nodes_mb_s > two.one_node_mb_s))
    return found


def _small_check(result: RunResult, case: Case) -> Check:
    mine = result.of(case, WIKIUPLOAD)
    theirs = result.of(case, MEDIAWIKI)
    if mine is None:
        return Check(f"{case.label}: wikiupload / MediaWiki", "-", ">= 15x", None)
    if theirs is not None:
        times = median(mine.values) / median(theirs.values)
        return Check(f"{case.label}: wikiupload / MediaWiki", f"{times:.1f}x", ">= 15x",
                     times >= 15)
    times = median(mine.values) / MEDIAWIKI_SMALL_REFERENCE
    return Check(f"{case.label}: wikiupload / MediaWiki's {MEDIAWIKI_SMALL_REFERENCE:g}/s "
                 "(reference, not measured)", f"{times:.1f}x", ">= 15x", times >= 15)


def checks_table(found: Sequence[Check]) -> str:
    return render_table(("target", "measured", "goal", ""),
                        [(c.what, c.figure, c.goal, c.verdict) for c in found])


def draw_chart(result: RunResult, path: Path, title: str) -> bool:
    """Bars of the medians with min–max whiskers; False when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    panels = [[c for c in result.cases if c.kind != "small"],
              [c for c in result.cases if c.kind == "small"]]
    panels = [cases for cases in panels if cases]
    figure, axes = plt.subplots(1, len(panels), figsize=(6 + 5 * len(panels), 5),
                                squeeze=False,
                                gridspec_kw={"width_ratios": [len(p) + 1 for p in panels]})
    for axis, cases in zip(axes[0], panels, strict=True):
        _draw_panel(axis, result, cases)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def _draw_panel(axis: object, result: RunResult, cases: list[Case]) -> None:
    from matplotlib.axes import Axes
    assert isinstance(axis, Axes)
    targets = [t for t in result.targets if any(result.of(c, t) for c in cases)]
    width = 0.8 / max(len(targets), 1)
    for index, target in enumerate(targets):
        xs, heights, low, high = [], [], [], []
        for position, case in enumerate(cases):
            samples = result.of(case, target)
            if samples is None:
                continue
            mid = median(samples.values)
            xs.append(position + (index - (len(targets) - 1) / 2) * width)
            heights.append(mid)
            low.append(mid - min(samples.values))
            high.append(max(samples.values) - mid)
        bars = axis.bar(xs, heights, width, yerr=[low, high], capsize=3, label=target,
                        color=COLOURS.get(target))
        if target == WIKIUPLOAD:
            labels = [_share_label(result, case) for case in cases if result.of(case, target)]
            axis.bar_label(bars, labels=labels, fontsize=7, padding=2)
            goals = [(x, _goal(result, case)) for x, case in zip(xs, cases, strict=False)]
            for number, (x, goal) in enumerate((x, g) for x, g in goals if g is not None):
                axis.hlines(goal, x - width / 2, x + width / 2, colors="black",
                            linestyles="dashed", label="goal" if number == 0 else "_goal")
    axis.set_xticks(range(len(cases)), [case.label for case in cases], rotation=20,
                    ha="right", fontsize=8)
    axis.set_ylabel(cases[0].unit + " (median, min–max)")
    axis.set_ylim(0, axis.get_ylim()[1] * 1.2)       # room for the legend above the bars
    axis.legend(fontsize=8, loc="upper right", ncols=3)


def _goal(result: RunResult, case: Case) -> float | None:
    """The wikiupload figure the goal asks for in this case, if it can be known."""
    if case.kind == "small":
        theirs = result.of(case, MEDIAWIKI)
        return 15 * (median(theirs.values) if theirs else MEDIAWIKI_SMALL_REFERENCE)
    nginx = result.of(case, NGINX)
    return None if nginx is None else nginx_goal(case) * median(nginx.values)


def _share_label(result: RunResult, case: Case) -> str:
    if case.kind == "small":
        times = ratio(result, case, MEDIAWIKI)
        return "" if times is None else f"{times:.0f}x MW"
    share = ratio(result, case, NGINX)
    return "" if share is None else f"{share:.0%}"
