"""EMG/nerve conduction studies of this episode: what tells a lumbosacral root lesion from a
peripheral neuropathy or an entrapment. F7 counts a study that found a radiculopathy as the
diagnosis settled; F4 and the cards turned towards a nerve mimic name a study already done, with its
result, instead of offering another."""

from __future__ import annotations

import re

from hooks.cards import Fact
from hooks.facts import ProcedureFact, ReportFact, ServiceRequestFact
from hooks.pathway.context import PathwayContext
from hooks.text import affirmed, short_name

# An EMG/NCS result that names the root lesion, and one that reads normal: a study whose written
# result found no radiculopathy does not confirm one.
_ROOT_FINDING = re.compile(r"radiculopath|\broots?\b", re.IGNORECASE)
_NORMAL_STUDY = re.compile(
    r"\b(?:normal|unremarkable)\s+(?:study|studies|emg|ncs|electrodiagnostic|nerve conduction)"
    r"|\bwithin normal limits\b",
    re.IGNORECASE,
)
# Report statuses that hold no result yet.
_NO_RESULT_YET = ("registered", "partial", "cancelled", "entered-in-error")


def _found_no_radiculopathy(*written: str | None) -> bool:
    """A written EMG/NCS result that found no radiculopathy: the root named only where it is denied
    ("no electrodiagnostic evidence of lumbosacral radiculopathy"), or a normal study with no root
    lesion affirmed. A study with no result written is on record, not negative."""
    texts = [t for t in written if t]
    if any(affirmed(_ROOT_FINDING, t) for t in texts):
        return False
    return any(_ROOT_FINDING.search(t) or _NORMAL_STUDY.search(t) for t in texts)


def _emg_procedure_fact(ctx: PathwayContext, p: ProcedureFact, negative: bool) -> Fact:
    when = ctx.proc_when(p)
    found = ": no radiculopathy found" if negative else ""
    return Fact(
        f"EMG/nerve conduction studies on {when} ({p.text}){found}", p.ref, short=f"EMG/NCS {when}{found}"
    )


def _emg_report_fact(r: ReportFact) -> Fact:
    when = r.effective.isoformat() if r.effective else "undated"
    finding = short_name(r.conclusion.split(". ")[0].rstrip(".")) if r.conclusion else ""
    return Fact(
        f"{r.text} on {when}" + (f": {r.conclusion}" if r.conclusion else ""),
        r.ref,
        short=f"EMG/NCS {when}" + (f": {finding[:1].lower()}{finding[1:]}" if finding else ""),
    )


# A study of the arms only (a median or ulnar nerve conduction study for a carpal tunnel): it tells
# nothing of a lumbosacral root or a leg's nerves.
_ARM_NERVES = re.compile(
    r"\b(?:median|ulnar|radial nerve|carpal tunnel|cubital tunnel|upper (?:extremit\w*|limbs?)|arms?|hands?|"
    r"wrists?|elbows?|cervical)\b",
    re.IGNORECASE,
)
_LEG_NERVES = re.compile(
    r"\b(?:lower (?:extremit\w*|limbs?)|legs?|peroneal|fibular|tibial|sural|sciatic|femoral|lumbo-?sacral|"
    r"lumbar|[LS][1-5]|feet|foot)\b",
    re.IGNORECASE,
)


def _arms_only(*texts: str | None) -> bool:
    words = " ".join(t for t in texts if t)
    return bool(_ARM_NERVES.search(words)) and not _LEG_NERVES.search(words)


def _studies(ctx: PathwayContext) -> list[tuple[Fact, bool, str]]:
    """Each study of this episode with whether it found no radiculopathy and its date as written; a
    study of the arms only (``_arms_only``) is none of the leg's."""
    procs = [
        (p, _found_no_radiculopathy(*p.notes, p.outcome_text))
        for p in ctx.procedures("electrodiagnostic_emg_ncs")
        if ctx.in_episode(p.performed) and not _arms_only(p.text, p.body_site_text, *p.notes, p.outcome_text)
    ]
    reports = [
        (r, _found_no_radiculopathy(r.conclusion))
        for r in ctx.history.reports
        if r.status not in _NO_RESULT_YET
        and ctx.matches("electrodiagnostic_emg_ncs", r.codings)
        and (r.effective is None or r.effective <= ctx.today)
        and ctx.in_episode(r.effective)
        and not _arms_only(r.text, r.conclusion)
    ]
    return [
        *((_emg_procedure_fact(ctx, p, negative), negative, ctx.proc_when(p)) for p, negative in procs),
        *(
            (_emg_report_fact(r), negative, r.effective.isoformat() if r.effective else "undated")
            for r, negative in reports
        ),
    ]


def emg_studies(ctx: PathwayContext) -> list[tuple[Fact, bool]]:
    """EMG/nerve conduction studies of this episode (``PathwayContext.in_episode``), a completed
    Procedure or a DiagnosticReport coded as one with a result, each with whether its written result
    found no radiculopathy (``_found_no_radiculopathy``)."""
    return [(f, negative) for f, negative, _ in _studies(ctx)]


def emg_ordered(ctx: PathwayContext) -> ServiceRequestFact | None:
    """The latest EMG/nerve conduction study ordered in this episode and not yet done."""
    orders = [
        s
        for s in ctx.pending("order_emg_ncs", "electrodiagnostic_emg_ncs")
        if s.status in ("active", "draft")  # on hold is not under way
        and (s.authored is None or ctx.in_episode(s.authored))
        and not _arms_only(s.text, *s.notes)
    ]
    return orders[-1] if orders else None


def emg_to_review(ctx: PathwayContext) -> tuple[Fact, str] | None:
    """The last EMG/nerve conduction study of this episode (``emg_studies``), whatever it found, and
    the words that send the clinician to it ("a review of the EMG/NCS of 2026-09-03"): a nerve mimic
    is excluded by reading the study already done, not by ordering another. With none done, one
    already ordered (``emg_ordered``): "the EMG/NCS already ordered (2026-11-05)"."""
    studies = _studies(ctx)
    if studies:
        fact, _, when = studies[-1]
        return fact, f"a review of the EMG/NCS of {when}"
    order = emg_ordered(ctx)
    if order is None:
        return None
    dated = f" ({order.authored.isoformat()})" if order.authored else ""
    return ctx.order_fact(order, "EMG/NCS already ordered: "), f"the EMG/NCS already ordered{dated}"


def emg_on_record(ctx: PathwayContext) -> list[Fact]:
    """EMG/nerve conduction studies of this episode (``emg_studies``), unless its written result
    found no radiculopathy."""
    return [f for f, negative in emg_studies(ctx) if not negative]
