"""A stimulator (SCS or DRG) trial order is checked for more than the psychological evaluation.

What these tests show, on the draft trial order (63650 with no generator or paddle in the session):

- a surgical target no surgeon has reviewed (a compressive lesion concordant with the symptoms, or a
  recurrent herniation after surgery, as the pathway's N1 reads it) stops the trial: the card offers
  to replace it with a spine surgery referral, or, with a referral already pending, to hold it
  (decision model F3, S2: no stimulation before a surgical opinion);
- radicular pain of less than ``scs_eligibility_days`` (6 months, NICE TA159) stops it, counted as the
  other order checks count the course; a lumbar operation that long ago keeps it eligible, as the
  pathway's S3 reads it;
- a repeat trial of the same kind after a failed one is stopped (N2); a DRG trial after a failed SCS
  trial, N2's own advice for focal pain, is not;
- where several reasons apply the order gets one card, the most serious reason leading and the others
  (and a missing psychological evaluation) as its facts; the session's psychological-evaluation card
  then goes to the next implant order;
- the cards are warnings on order-sign and information on order-select;
- guards (true before this change too): an eligible trial draws no card; leads drafted with a
  generator are not a trial; a surgical opinion on record clears the surgical target.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from hooks.cards import CardDraft, render_detail
from hooks.facts import ReportFact, ServiceRequestFact
from hooks.orders import evaluate_orders
from hooks.thresholds import DEFAULT_THRESHOLDS
from tests.orders_builders import (
    CPT,
    RADICULOPATHY,
    SUCCESSFUL,
    TERM,
    UNSUCCESSFUL,
    Coding,
    ago,
    cond,
    history,
    inp,
    proc,
    sr,
)

HOOKS = ("order-select", "order-sign")
NO_TRIAL, FAILED_TRIAL, PSYCH = "order.scs-no-trial", "order.scs-failed-trial", "order.neuromod-psych-eval"
TRIAL_RULES = (NO_TRIAL, FAILED_TRIAL)

PSYCH_DONE = proc("psy", "90791", 100, "Psychological evaluation for SCS candidacy")
LONG_PAIN = cond("rad", RADICULOPATHY, 400, "Left S1 radiculopathy")
REFERRAL = TERM.first("referral_spine_surgery")


def report(days_ago: int, conclusion: str) -> ReportFact:
    return ReportFact(
        ref="DiagnosticReport/mri", codings=(Coding(CPT, "72148", "MRI lumbar spine without contrast"),),
        text="MRI lumbar spine", status="final", effective=ago(days_ago), conclusion=conclusion,
    )  # fmt: skip


CONCORDANT = report(200, "L5-S1 left paracentral disc extrusion compressing the left S1 nerve root.")
RECURRENT = report(
    30,
    "Non-enhancing recurrent left paracentral disc extrusion at L5-S1 compressing the traversing left S1 "
    "nerve root.",
)


def referral(status: str) -> ServiceRequestFact:
    return ServiceRequestFact(
        ref="ServiceRequest/ref", codings=(REFERRAL.coding(),), text="Referral to spine surgery",
        status=status, intent="order", authored=ago(20),
    )  # fmt: skip


def run(hook: str, orders: list[dict[str, Any]], *facts: Any, reports: tuple[ReportFact, ...] = (),
        service_requests: tuple[ServiceRequestFact, ...] = ()) -> list[CardDraft]:  # fmt: skip
    h = replace(history(*facts), reports=reports, service_requests=service_requests)
    return evaluate_orders(inp(hook, orders, h))


def trial(rid: str = "s", text: str = "SCS trial percutaneous leads") -> dict[str, Any]:
    return sr(rid, "63650", text)


def on(cards: list[CardDraft], order: str = "ServiceRequest/s") -> list[CardDraft]:
    return [c for c in cards if c.subject_key == order]


def only(cards: list[CardDraft], order: str = "ServiceRequest/s") -> CardDraft:
    mine = on(cards, order)
    assert len(mine) == 1, [(c.rule_id, c.summary) for c in mine]
    return mine[0]


def first_actions(card: CardDraft) -> list[tuple[str, str]]:
    """The recommended suggestion's actions: (type, code of the resource created or id removed)."""
    s = next(s for s in card.suggestions if s.is_recommended)
    out = []
    for a in s.actions:
        if a.type == "delete":
            out.append(("delete", a.resource_id or ""))
        else:
            assert a.resource is not None
            out.append((a.type, a.resource["code"]["coding"][0]["code"]))
    return out


def indicator(hook: str) -> str:
    return "warning" if hook == "order-sign" else "info"


def assert_shown_whole(card: CardDraft) -> None:
    detail = render_detail(card)
    assert len(card.summary) < 140 and "…" not in card.summary
    assert detail.startswith("- `ServiceRequest/s` Draft order")


# ------------------------------------------------------------------------------ (a) surgical target
@pytest.mark.parametrize("hook", HOOKS)
def test_trial_with_a_recurrent_herniation_after_surgery_is_replaced_by_a_surgical_referral(
    hook: str,
) -> None:
    # /tmp/probe/final/d5.py: FBSS, a recurrent herniation on the MRI a month ago, psych evaluation done
    cards = run(
        hook, [trial()], cond("rad", RADICULOPATHY, 500), cond("fb", "M96.1", 400),
        proc("lam", "63030", 600, "Lumbar discectomy L5-S1"), PSYCH_DONE, reports=(RECURRENT,),
    )  # fmt: skip
    c = only(cards)
    assert (c.rule_id, c.indicator) == (NO_TRIAL, indicator(hook))
    assert "surgical opinion" in c.summary
    assert c.why[1].ref == "DiagnosticReport/mri"
    assert first_actions(c) == [("delete", "ServiceRequest/s"), ("create", REFERRAL.code)]
    assert_shown_whole(c)


def test_trial_with_a_concordant_lesion_and_no_surgical_opinion_is_stopped() -> None:
    cards = run("order-sign", [trial()], LONG_PAIN, PSYCH_DONE, reports=(CONCORDANT,))
    c = only(cards)
    assert (c.rule_id, c.indicator) == (NO_TRIAL, "warning")
    assert any(f.ref == "DiagnosticReport/mri" for f in c.why)
    assert "NASS 2014" in " ".join(c.next_steps)


def test_trial_with_a_pending_surgical_referral_is_held_without_a_second_referral() -> None:
    cards = run(
        "order-sign", [trial()], LONG_PAIN, PSYCH_DONE, reports=(CONCORDANT,),
        service_requests=(referral("active"),),
    )  # fmt: skip
    c = only(cards)
    assert c.rule_id == NO_TRIAL
    assert first_actions(c) == [("delete", "ServiceRequest/s")]
    assert all(a.type != "create" for s in c.suggestions for a in s.actions)
    assert any(f.ref == "ServiceRequest/ref" for f in c.why)


def test_trial_drafted_with_a_surgical_referral_is_held_without_a_second_referral() -> None:
    drafted = sr("ref", REFERRAL.code, "Referral to spine surgery", system=REFERRAL.system)
    c = only(run("order-sign", [trial(), drafted], LONG_PAIN, PSYCH_DONE, reports=(CONCORDANT,)))
    assert c.rule_id == NO_TRIAL and first_actions(c) == [("delete", "ServiceRequest/s")]
    assert all(a.type != "create" for s in c.suggestions for a in s.actions)


def test_guard_a_surgical_opinion_on_record_clears_the_surgical_target() -> None:
    cards = run(
        "order-sign", [trial()], LONG_PAIN, PSYCH_DONE, reports=(CONCORDANT,),
        service_requests=(referral("completed"),),
    )  # fmt: skip
    assert on(cards) == []


def test_a_spine_surgery_consultation_recorded_as_a_procedure_clears_the_surgical_target() -> None:
    """A consultation coded as an office visit (99242), its finding in its name ("Spine surgery
    consultation: no surgical target"): a surgeon has given an opinion, so the trial is not stopped
    for a surgical target no surgeon has reviewed."""
    consult = proc("surgref", "99242", 80, "Spine surgery consultation: no surgical target")
    assert on(run("order-sign", [trial()], LONG_PAIN, PSYCH_DONE, consult, reports=(CONCORDANT,))) == []
    assert on(
        run("order-sign", [trial()], LONG_PAIN, PSYCH_DONE, reports=(CONCORDANT,))
    )  # without it, stopped


# ------------------------------------------------------------------------------ (b) duration
@pytest.mark.parametrize("hook", HOOKS)
def test_trial_within_six_months_of_onset_is_stopped(hook: str) -> None:
    # /tmp/probe/final/d5.py: radiculopathy for 60 days, nothing else tried, psych evaluation done
    cards = run(hook, [trial()], cond("rad", RADICULOPATHY, 60), PSYCH_DONE)
    c = only(cards)
    assert (c.rule_id, c.indicator) == (NO_TRIAL, indicator(hook))
    assert "under 6 months" in c.summary
    assert c.why[1].ref == "Condition/rad"
    assert first_actions(c) == [("delete", "ServiceRequest/s")]
    assert_shown_whole(c)


def test_an_onset_sent_as_a_month_is_named_as_that_month_not_its_last_day() -> None:
    """Onset "2026-09": the duration counts from the 30th (the least the record supports), but the
    card names the onset as written, not "2026-09-30", a day the record does not give."""
    month = replace(
        cond("rad", RADICULOPATHY, 60),
        onset=date(2026, 9, 1),
        onset_text="2026-09",
        onset_last=date(2026, 9, 30),
    )
    c = only(run("order-sign", [trial()], month, PSYCH_DONE))
    said = [c.why[1].text, c.why[1].short or ""]
    assert all("(2026-09)" in t for t in said), said
    assert "2026-09-30" not in render_detail(c)
    assert "2026-09-01" not in render_detail(c)


def test_the_reconsider_date_follows_the_threshold() -> None:
    c = only(run("order-sign", [trial()], cond("rad", RADICULOPATHY, 60), PSYCH_DONE))
    when = (ago(60) + timedelta(days=DEFAULT_THRESHOLDS.scs_eligibility_days)).isoformat()
    assert when in c.suggestions[0].label and when in c.next_steps[0]


def test_guard_an_operation_six_months_ago_keeps_the_trial_eligible() -> None:
    # leg pain there since a lumbar operation a year ago (it began before it): the pathway's S3 offers
    # stimulation
    cards = run(
        "order-sign", [trial()], cond("rad", RADICULOPATHY, 400), cond("fb", "M96.1", 90),
        proc("lam", "63030", 365, "Lumbar discectomy L5-S1"), PSYCH_DONE,
    )  # fmt: skip
    assert on(cards) == []


def test_new_leg_pain_months_after_an_operation_counts_from_its_own_onset() -> None:
    # leg pain that began 9 months after a lumbar operation a year ago is new pain of 3 months (the
    # pathway's S1): under the 6 months NICE TA159 asks, whatever the operation's date
    cards = run(
        "order-sign", [trial()], cond("rad", RADICULOPATHY, 90), cond("fb", "M96.1", 90),
        proc("lam", "63030", 365, "Lumbar discectomy L5-S1"), PSYCH_DONE,
    )  # fmt: skip
    c = only(cards)
    assert c.rule_id == NO_TRIAL and "under 6 months of pain" in c.summary, c.summary


# ------------------------------------------------------------------------------ (c) repeat trial
FAILED_SCS = proc("tr", "63650", 60, "SCS trial", outcome=UNSUCCESSFUL)


@pytest.mark.parametrize("hook", HOOKS)
def test_repeat_scs_trial_after_a_failed_scs_trial_is_stopped(hook: str) -> None:
    cards = run(
        hook, [trial()], LONG_PAIN, PSYCH_DONE, FAILED_SCS, proc("rm", "63661", 53, "Trial leads removed")
    )
    c = only(cards)
    assert (c.rule_id, c.indicator) == (FAILED_TRIAL, indicator(hook))
    assert "do not repeat" in c.summary and c.why[1].ref == "Procedure/tr"
    assert "DRG stimulation" in c.next_steps[0]
    assert c.selection_behavior == "any"
    assert [s.is_recommended for s in c.suggestions] == [True, False]
    assert first_actions(c) == [("delete", "ServiceRequest/s")]


def test_repeat_drg_trial_after_a_failed_drg_trial_is_stopped() -> None:
    failed_drg = proc("tr", "63650", 60, "DRG stimulator trial (dorsal root ganglion)", outcome=UNSUCCESSFUL)
    cards = run("order-sign", [trial(text="DRG stimulator trial L5")], LONG_PAIN, PSYCH_DONE, failed_drg)
    c = only(cards)
    assert c.rule_id == FAILED_TRIAL and c.summary.startswith("DRG stimulator trial")
    assert "DRG stimulation" not in c.next_steps[0]


def test_guard_drg_trial_after_a_failed_scs_trial_draws_no_repeat_card() -> None:
    drg = trial(text="DRG stimulator trial L5 dorsal root ganglion")
    cards = run("order-sign", [drg], LONG_PAIN, PSYCH_DONE, FAILED_SCS)
    assert on(cards) == []


def test_guard_trial_after_a_successful_trial_draws_no_repeat_card() -> None:
    done = proc("tr", "63650", 30, "SCS trial", outcome=SUCCESSFUL)
    assert on(run("order-sign", [trial()], LONG_PAIN, PSYCH_DONE, done)) == []


# ------------------------------------------------------------------------------ one card per order
def test_several_reasons_give_one_card_led_by_the_surgical_target() -> None:
    cards = run(
        "order-sign", [trial()], cond("rad", RADICULOPATHY, 90, "Left S1 radiculopathy"), FAILED_SCS,
        reports=(CONCORDANT,),
    )  # fmt: skip
    c = only(cards)  # no separate psychological-evaluation card on this order
    assert c.rule_id == NO_TRIAL and "surgical opinion" in c.summary
    refs = [f.ref for f in c.why]
    assert refs.index("DiagnosticReport/mri") < refs.index("Procedure/tr")
    texts = " ".join(f.text for f in c.why)
    assert "under the 6 months" in texts and "no psychological evaluation on record" in texts
    assert [d for d in render_detail(c).splitlines() if d.startswith("- ")][1:3] == [
        f"- `{f.ref}` {f.brief}" if f.ref else f"- {f.brief}" for f in c.why[1:3]
    ]


def test_repeat_and_short_pain_give_one_card_led_by_the_failed_trial() -> None:
    cards = run("order-sign", [trial()], cond("rad", RADICULOPATHY, 120), PSYCH_DONE, FAILED_SCS)
    c = only(cards)
    assert c.rule_id == FAILED_TRIAL
    assert any("under the 6 months" in f.text for f in c.why)


def test_the_psychological_evaluation_card_moves_to_the_next_implant_order() -> None:
    cards = run(
        "order-sign", [trial(), sr("p", "62362", "Intrathecal pump implant")], cond("rad", RADICULOPATHY, 60)
    )
    assert only(cards).rule_id == NO_TRIAL
    assert [c.rule_id for c in on(cards, "ServiceRequest/p")] == [PSYCH]


# ------------------------------------------------------------------------------ guards
@pytest.mark.parametrize("hook", HOOKS)
def test_guard_an_eligible_trial_draws_no_card(hook: str) -> None:
    """Psychological evaluation done, pain for more than 6 months, imaging without a surgical target, no
    earlier trial."""
    clear = report(200, "Mild disc bulge at L4-5 without nerve root compression.")
    assert run(hook, [trial()], LONG_PAIN, PSYCH_DONE, reports=(clear,)) == []


def test_guard_leads_drafted_with_a_generator_are_not_a_trial() -> None:
    done = proc("tr", "63650", 30, "SCS trial", outcome=SUCCESSFUL)
    cards = run(
        "order-sign", [sr("leads", "63650", "SCS permanent leads"), sr("ipg", "63685", "SCS IPG implant")],
        cond("rad", RADICULOPATHY, 120), PSYCH_DONE, done,
    )  # fmt: skip
    assert [c for c in cards if c.rule_id in TRIAL_RULES and c.subject_key == "ServiceRequest/leads"] == []
