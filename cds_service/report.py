"""``radicular-cds report``: what a CDS committee reviews for alert fatigue.

For cards issued in a date range (UTC, both days included): per rule, how many cards were
issued, and each card once by its latest feedback (by outcome time): accepted, overridden, or no
feedback; the override rate, which is overridden ÷ cards with feedback (accepted + overridden),
"-" when no card of the rule had feedback; and the reasons of the overridden cards' latest
overrides, with counts (a snooze the service refused, as on a critical card, is marked "not
applied"). Plus how much feedback named cards the service never issued.

    radicular-cds report --from 2026-01-01 --to 2026-03-31 [--json]

Reads the store named by ``CDS_DATABASE_URL`` (the same one the service writes).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from cds_service.settings import Settings
from cds_service.store import GovernanceReport, Store


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def add_report_command(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="governance report: per rule, cards issued, accepted, overridden, without feedback, and why",
        description=(__doc__ or "").replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--from", dest="start", type=_day, required=True, metavar="DATE", help="first day (UTC)"
    )
    parser.add_argument(
        "--to", dest="end", type=_day, required=True, metavar="DATE", help="last day (UTC), included"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=_run)
    return parser


def _run(args: argparse.Namespace) -> int:
    return run_report(args, Settings.from_env())


def run_report(args: argparse.Namespace, settings: Settings, out: IO[str] | None = None) -> int:
    out = out or sys.stdout
    if args.end < args.start:
        print("radicular-cds report: --to is before --from", file=sys.stderr)
        return 2
    start = datetime.combine(args.start, time.min, tzinfo=UTC)
    end = datetime.combine(args.end + timedelta(days=1), time.min, tzinfo=UTC)
    store = Store.from_settings(settings)
    try:
        report = store.governance_report(start, end)
    finally:
        store.close()
    if args.json:
        json.dump(report_json(report, args.start, args.end), out, indent=2)
        out.write("\n")
    else:
        out.write(report_text(report, args.start, args.end))
    return 0


def report_json(report: GovernanceReport, first: date, last: date) -> dict[str, Any]:
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "rules": [
            {
                "service": r.service_id,
                "rule": r.rule_id,
                "issued": r.issued,
                "accepted": r.accepted,
                "overridden": r.overridden,
                "noFeedback": r.no_feedback,
                "overrideRate": None if r.override_rate is None else round(r.override_rate, 4),
                "overrideRateDenominator": "cardsWithFeedback",
                "overrideReasons": [
                    {
                        "system": x.system,
                        "code": x.code,
                        "display": x.display,
                        "count": x.count,
                        "snoozeApplied": x.snooze_applied,
                        "note": x.note,
                    }
                    for x in r.reasons
                ],
            }
            for r in report.rules
        ],
        "unmatchedFeedback": report.unmatched_feedback,
    }


LEGEND = (
    "Each card is counted once, by its latest feedback (by outcome time): accepted, overridden,",
    "or no feedback (the EHR sent none). Override rate = overridden ÷ cards with feedback",
    '(accepted + overridden); "-" when no card of the rule had feedback. Reasons are those of',
    'each overridden card\'s latest override; a snooze the service refused is marked "not applied".',
)


def _reason_text(display: str, note: str | None) -> str:
    return f"{display} ({note})" if note else display


def report_text(report: GovernanceReport, first: date, last: date) -> str:
    lines = [f"Cards issued {first.isoformat()} to {last.isoformat()} (UTC), with the feedback on them", ""]
    if not report.rules:
        lines.append("No cards were issued in this period.")
    else:
        lines.extend((*LEGEND, ""))
        width = max(len("service / rule"), *(len(f"{r.service_id} / {r.rule_id}") for r in report.rules))

        def row(name: str, *cells: object) -> str:
            issued, accepted, overridden, none, rate = (str(c) for c in cells)
            return f"{name:<{width}}  {issued:>6}  {accepted:>8}  {overridden:>10}  {none:>11}  {rate:>13}"

        lines.append(
            row("service / rule", "issued", "accepted", "overridden", "no feedback", "override rate")
        )
        for r in report.rules:
            rate = "-" if r.override_rate is None else f"{r.override_rate:.1%}"
            lines.append(
                row(f"{r.service_id} / {r.rule_id}", r.issued, r.accepted, r.overridden, r.no_feedback, rate)
            )
            for reason in r.reasons:
                text = _reason_text(reason.display, reason.note)
                lines.append(f"{'':<{width}}    override reason: {text} — {reason.count}")
    lines.append("")
    lines.append(f"Feedback received in the period for cards never issued: {report.unmatched_feedback}")
    return "\n".join(lines) + "\n"
