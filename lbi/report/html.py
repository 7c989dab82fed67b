"""The report page: headline numbers, four figures and two small tables, in one self-contained file."""

from __future__ import annotations

from datetime import datetime, timezone
from html import escape
from typing import Any

from lbi.report.figures import Figures
from lbi.report.svg import Series, columns, horizontal_bars

BLUE, GREEN, GREY, ORANGE = "#3b6ea5", "#3f8f5b", "#c3c9d0", "#c7793a"

STYLE = """
body { font-family: system-ui, sans-serif; color: #1f2933; margin: 32px auto; max-width: 1180px; padding: 0 16px; }
h1 { margin-bottom: 4px; } .sub { color: #616e7c; margin-top: 0; }
.numbers { display: flex; gap: 16px; margin: 20px 0; flex-wrap: wrap; }
.number { border: 1px solid #e4e7eb; border-radius: 6px; padding: 12px 18px; min-width: 150px; }
.number b { display: block; font-size: 26px; } .number span { color: #616e7c; font-size: 13px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); column-gap: 24px; }
h3 { font-size: 13px; margin: 10px 0 4px; color: #616e7c; font-weight: 600; }
figure { margin: 0 0 24px; border: 1px solid #e4e7eb; border-radius: 6px; padding: 14px; }
figcaption { color: #616e7c; font-size: 13px; margin-bottom: 10px; } h2 { font-size: 17px; margin: 0 0 4px; }
table { border-collapse: collapse; font-size: 13px; width: 100%; } td, th { padding: 4px 8px; text-align: left; }
th { border-bottom: 1px solid #cbd2d9; } tr:nth-child(even) td { background: #f5f7fa; }
td.num { text-align: right; } .passed { color: #3f8f5b; } .warned { color: #c7793a; } .stopped { color: #c0392b; }
"""


def render(figures: Figures) -> str:
    title = figures.environment_id or "every environment"
    cost, unit = figures.cost_per_accepted()
    judged = dict(figures.funnel).get("judged", 0)
    numbers = [
        (f"{figures.accepted:,}", "accepted examples"),
        (_percent(figures.accepted / judged) if judged else "-", "kept by the committee"),
        (f"{sum(r['paid_calls'] for r in figures.run_costs):,}", "paid model calls"),
        (_cost(cost, unit), f"{unit} per accepted example"),
    ]
    body = [
        f"<h1>Dataset report: {escape(title)}</h1>",
        f"<p class='sub'>Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC from the views in schema "
        "<code>lbi</code> (see docs/schema.md).</p>",
        "<div class='numbers'>" + "".join(f"<div class='number'><b>{escape(v)}</b><span>{escape(k)}</span></div>"
                                          for v, k in numbers) + "</div>",
        "<div class='grid'>",
        _figure("From documents to accepted examples", "Rows at each stage (lbi.dataset_funnel).",
                horizontal_bars([s for s, _ in figures.funnel], [n for _, n in figures.funnel], color=BLUE,
                                label=lambda v: f"{v:,.0f}")),
        _figure("Keep rate per criterion", "Share of verdicts that accept each criterion, over every judge "
                "(lbi.criterion_keep_rates), and share of the examples each judge was asked about that it "
                "accepted (lbi.judge_keep_rates; a later judge is asked only while the decision is open, "
                "unless LBI_COMMITTEE_ASK_ALL).",
                "<h3>per criterion</h3>" + _rates(figures.criterion_keep_rates, GREEN)
                + "<h3>per judge (accepted on every criterion)</h3>" + _rates(figures.judge_keep_rates, BLUE)),
        _figure("Span length", "Examples by the number of steps their sub-trajectory spans (lbi.span_lengths).",
                columns([str(n) for n, _, _ in figures.span_lengths],
                        [Series("accepted", GREEN, [a for _, a, _ in figures.span_lengths]),
                         Series("rejected", GREY, [r for _, _, r in figures.span_lengths])],
                        x_label="steps in the span", label=lambda v: f"{v:,.0f}")),
        _figure(f"Cost per accepted example ({unit})",
                f"Per synthesize run: {unit} paid over the accepted examples the run covered (lbi.run_costs); "
                "a rerun answered from the cache costs nothing.", _costs(figures, unit)),
        "</div>",
        _figure("Keep rate per stage", "Units each stage considered and kept (lbi.stage_keep_rates).",
                _table(["stage", "considered", "kept", "keep rate", "meaning"],
                       [[s["stage"], s["considered"], s["kept"], _percent(s["keep_rate"]), s["meaning"]]
                        for s in figures.stage_keep_rates])),
        _figure("Quality gates of the latest run", "One row per suite, or per failed check (lbi.quality_gates).",
                _gates(figures.gates)),
        _figure("Ablations", "The latest `lbi experiment`: the paper's variants on one held-out task set "
                "(lbi.experiment_table). With the offline model the figures only show that the machinery runs.",
                _experiment(figures.experiment)),
    ]
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Dataset report: {escape(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>")


def _figure(title: str, caption: str, content: str) -> str:
    return f"<figure><h2>{escape(title)}</h2><figcaption>{escape(caption)}</figcaption>{content}</figure>"


def _rates(rates: list[tuple[str, float | None]], color: str) -> str:
    if not rates:
        return "<p>No verdicts yet.</p>"
    return horizontal_bars([name for name, _ in rates], [rate or 0.0 for _, rate in rates], color=color,
                           maximum=1.0, label=_percent)


def _costs(figures: Figures, unit: str) -> str:
    key = "usd_per_newly_accepted" if unit == "USD" else "tokens_per_newly_accepted"
    runs = [r for r in figures.run_costs if r["newly_accepted"]]  # a rerun that found everything done made none
    if not runs:
        return "<p>No run has newly accepted examples yet.</p>"
    return columns([f"run {r['run_id']}" for r in runs], [Series(unit, ORANGE, [float(r[key] or 0) for r in runs])],
                   x_label="synthesize run", label=lambda v: _cost(v, unit))


def _gates(gates: list[dict[str, Any]]) -> str:
    if not gates:
        return "<p>No gate has run yet.</p>"
    rows = [[g["suite"], g["stage"], f"<span class='{g['outcome']}'>{g['outcome']}</span>", g["rows_checked"],
             escape(g["message"] or "")] for g in gates]
    return _table(["suite", "after stage", "outcome", "rows", "failed check"], rows, raw=frozenset({2, 4}))


def _experiment(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>No experiment yet (lbi experiment).</p>"
    caption = f"<p>Experiment {rows[0]['experiment_id']} on {escape(rows[0]['task_set'])}.</p>"
    return caption + _table(
        ["variant", "what it changes", "retrieval", "examples kept", "success rate", "calls/task", "tokens/task",
         "evaluation"],
        [[r["variant"], r["description"], r["retrieval"], r["examples_kept"], _percent(r["success_rate"]),
          r["model_calls_per_task"], r["tokens_per_task"], r["evaluation_id"]] for r in rows])


def _table(head: list[str], rows: list[list[Any]], raw: frozenset[int] = frozenset()) -> str:
    def cell(i: int, v: Any) -> str:
        text = v if i in raw else escape("-" if v is None else str(v))
        return f"<td class='num'>{text}</td>" if isinstance(v, (int, float)) else f"<td>{text}</td>"

    return ("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"
            + "".join("<tr>" + "".join(cell(i, v) for i, v in enumerate(r)) + "</tr>" for r in rows) + "</table>")


def _percent(value: Any) -> str:
    return "-" if value is None else f"{float(value):.0%}" if float(value) in (0.0, 1.0) else f"{float(value):.1%}"


def _cost(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"${value:,.4f}" if unit == "USD" else f"{value:,.0f}"
