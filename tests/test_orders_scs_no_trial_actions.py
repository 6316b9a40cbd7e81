"""A permanent stimulator ordered without a trial: the card's "change to a trial" suggestion makes one
trial order for the whole implant session, and its next step names a psychological evaluation on
record.

What these tests show (``order.scs-no-trial``, no trial on record):

- a generator (63685) drafted with paddle leads (63655): the recommended suggestion updates one draft
  (the leads) to the trial and removes the other, so accepting it leaves one trial order, not two;
  percutaneous leads (63650) drafted with the generator are the ones changed, not duplicated;
- where the merged card of a session would still update two drafts into the same order, the second
  is removed instead (``hooks.orders._one_card_per_session``);
- a psychological evaluation on record (as ``order.neuromod-psych-eval`` reads it) is named, with its
  date, in the next step, the trial next; one only ordered is named as ordered;
- guards (true before this change too): a generator drafted alone is updated to the trial; with no
  evaluation on record the next step is "Psychological evaluation, then a stimulator trial".
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hooks.cards import CardDraft, SuggestionDraft
from hooks.facts import ServiceRequestFact
from hooks.orders import _one_card_per_session, evaluate_orders
from tests.orders_builders import RADICULOPATHY, TERM, ago, cond, history, inp, proc, sr

HOOKS = ("order-select", "order-sign")
NO_TRIAL = "order.scs-no-trial"
TRIAL_CODE = TERM.first("order_scs_trial").code

PAIN = cond("rad", RADICULOPATHY, 400, "Left S1 radiculopathy")
PSYCH_DONE = proc("psy", "90791", 100, "Psychiatric diagnostic evaluation")
GENERATOR = sr("ipg", "63685", "Insertion of spinal neurostimulator pulse generator")
PADDLE = sr(
    "leads", "63655", "Laminectomy for implantation of neurostimulator electrodes, plate/paddle, epidural"
)


def no_trial_card(hook: str, orders: list[dict[str, Any]], *facts: Any) -> CardDraft:
    cards = [c for c in evaluate_orders(inp(hook, orders, history(PAIN, *facts))) if c.rule_id == NO_TRIAL]
    assert len(cards) == 1, [(c.rule_id, c.subject_key, c.summary) for c in cards]
    return cards[0]


def recommended(card: CardDraft) -> SuggestionDraft:
    return next(s for s in card.suggestions if s.is_recommended)


def acts(s: SuggestionDraft) -> list[tuple[str, str, str | None]]:
    """(type, the draft acted on, the code of the resource written)."""
    out: list[tuple[str, str, str | None]] = []
    for a in s.actions:
        if a.type == "delete":
            out.append(("delete", a.resource_id or "", None))
        else:
            assert a.resource is not None
            ref = f"{a.resource['resourceType']}/{a.resource.get('id', '')}"
            out.append((a.type, ref, a.resource["code"]["coding"][0]["code"]))
    return out


def assert_one_order_per_code(s: SuggestionDraft) -> None:
    written = [code for kind, _, code in acts(s) if kind in ("create", "update")]
    assert len(written) == len(set(written)), acts(s)


# ------------------------------------------------------------------------------ one trial order
@pytest.mark.parametrize("hook", HOOKS)
def test_generator_and_paddle_drafts_become_one_trial_order(hook: str) -> None:
    # /tmp/probe_ord/u02-scs-permanent-no-trial: both drafts were updated into two identical trials
    c = no_trial_card(hook, [GENERATOR, PADDLE], PSYCH_DONE)
    s = recommended(c)
    assert s.label == "Change to a spinal cord stimulator trial"
    assert acts(s) == [
        ("update", "ServiceRequest/leads", TRIAL_CODE),
        ("delete", "ServiceRequest/ipg", None),
    ]
    assert_one_order_per_code(s)
    update = next(a for a in s.actions if a.type == "update")
    assert update.resource is not None and update.resource["id"] == "leads"


@pytest.mark.parametrize("hook", HOOKS)
def test_percutaneous_leads_drafted_with_the_generator_become_the_trial(hook: str) -> None:
    """The leads (63650) are kept and made the trial; the generator is removed, not made a second
    63650 order beside them."""
    leads = sr("perc", "63650", "Percutaneous SCS leads")
    s = recommended(no_trial_card(hook, [GENERATOR, leads], PSYCH_DONE))
    assert acts(s) == [
        ("update", "ServiceRequest/perc", TRIAL_CODE),
        ("delete", "ServiceRequest/ipg", None),
    ]
    assert_one_order_per_code(s)


def test_a_merged_card_never_updates_two_drafts_into_the_same_order() -> None:
    """Whatever a check builds, the card kept for a session does not make the same order twice."""

    def draft_card(rid: str) -> CardDraft:
        return no_trial_card("order-sign", [sr(rid, "63685", "SCS generator")], PSYCH_DONE)

    cards = _one_card_per_session([draft_card("a"), draft_card("b")])
    assert len(cards) == 1
    s = recommended(cards[0])
    assert acts(s) == [("update", "ServiceRequest/a", TRIAL_CODE), ("delete", "ServiceRequest/b", None)]


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_a_generator_drafted_alone_is_updated_to_the_trial(hook: str) -> None:
    s = recommended(no_trial_card(hook, [GENERATOR], PSYCH_DONE))
    assert acts(s) == [("update", "ServiceRequest/ipg", TRIAL_CODE)]


# ------------------------------------------------------------------------------ next step
@pytest.mark.parametrize("hook", HOOKS)
def test_a_psychological_evaluation_on_record_is_named_in_the_next_step(hook: str) -> None:
    c = no_trial_card(hook, [GENERATOR, PADDLE], PSYCH_DONE)
    step = c.next_steps[0]
    assert step.startswith(f"Psychiatric diagnostic evaluation done {ago(100).isoformat()}: ")
    assert "a stimulator trial next" in step and "≥ 50 % relief" in step
    assert not step.startswith("Psychological evaluation, then")


def test_a_psychological_evaluation_only_ordered_is_named_as_ordered() -> None:
    ordered = ServiceRequestFact(
        ref="ServiceRequest/psy", codings=(TERM.first("psychological_evaluation").coding(),),
        text="Psychological evaluation", status="active", intent="order", authored=ago(10),
    )  # fmt: skip
    h = replace(history(PAIN), service_requests=(ordered,))
    cards = evaluate_orders(inp("order-sign", [GENERATOR], h))
    step = next(c for c in cards if c.rule_id == NO_TRIAL).next_steps[0]
    assert step.startswith(f"Psychological evaluation ordered {ago(10).isoformat()}: complete it, then")


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_no_psychological_evaluation_keeps_the_next_step(hook: str) -> None:
    c = no_trial_card(hook, [GENERATOR, PADDLE])
    assert c.next_steps[0] == (
        "Psychological evaluation, then a stimulator trial; implant only with ≥ 50 % relief during the trial."
    )
