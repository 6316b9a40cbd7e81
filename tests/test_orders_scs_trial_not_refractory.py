"""A stimulator trial ordered where the patient's step on the pathway says the pain is not yet
refractory radicular pain is stopped, as that step's card says (decision model F4 "no SCS before the
diagnosis is clear", F5 "no SCS" for facet- or SI-mediated pain, F2 "calling it refractory → SCS").

Before, such an order drew no card at all once a psychological evaluation was on record: the patient
view said "exclude peripheral neuropathy with EMG/NCS before the next spine procedure" while the trial
was signed without a word. The card now gives the step's facts and next steps, and one click replaces
the trial with the step's own order (EMG/NCS, an image-guided ESI at the matching level).

Guards: F7 (refractory, no surgical target, the diagnosis confirmed), where a stimulator evaluation is
the next step, draws no such card; the pathway's step is what the patient view shows (a red flag or no
radicular diagnosis: no step, no card of this kind).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pathway_builders import code, cond, conservative, make_input, obs, order, proc, radic, report, run

from cds_service.draft_orders import read_draft_orders
from hooks.cards import CardDraft, render_detail, render_full
from hooks.evaluation import EvaluationInput
from hooks.orders import evaluate_orders
from tests.orders_builders import sr

NO_TRIAL, PSYCH = "order.scs-no-trial", "order.neuromod-psych-eval"
HOOKS = ("order-select", "order-sign")
NO_COMPRESSION = "Mild multilevel degenerative disc disease without nerve root compression."
FACET_MRI = "Bilateral facet arthropathy at L4-5 and L5-S1. No disc herniation and no nerve root compression."
EMG = code("order_emg_ncs").code


def trial() -> dict[str, Any]:
    return sr("s", "63650", "SCS trial percutaneous leads")


def psych() -> Any:
    return proc("psy", "psychological_evaluation", days=60)


def pain(ref: str, value: float, days: int, site: str | None = None) -> Any:
    o = obs(ref, "pain", value, days)
    return replace(o, body_site_text=site) if site else o


def tfesi(ref: str, days: int, level: str = "L5-S1", **kw: Any) -> Any:
    return proc(ref, "esi_transforaminal_lumbar", "64483", days=days, level=level, **kw)


def scored_failure(ref: str, days: int, site: str | None = None) -> list[Any]:
    """An injection that failed on its scores: 7/10 before, 7/10 three weeks after."""
    return [pain(f"{ref}-b", 7, days + 2, site), tfesi(ref, days), pain(f"{ref}-f", 7, days - 21, site)]


def step(*facts: Any) -> str:
    """The pathway card the patient view leads with for the same chart."""
    return run(*facts)[0].rule_id


def orders_for(hook: str, *facts: Any) -> list[CardDraft]:
    orders = [trial()]
    selections = ("ServiceRequest/s",) if hook == "order-select" else ()
    base: EvaluationInput = replace(
        make_input(*facts),
        hook=hook,
        draft_orders=read_draft_orders(hook, orders, selections),
    )
    return evaluate_orders(base)


def neuropathy_chart() -> list[Any]:
    return [
        radic(300),
        *conservative(290),
        report("mri", "72148", 250, NO_COMPRESSION),
        cond("dn", "alternative_or_mimicking_diagnoses", "E11.42", onset=500),
        *scored_failure("esi", 200),
        pain("now", 7, 10),
        psych(),
    ]


def on_trial(cards: list[CardDraft]) -> list[CardDraft]:
    return [c for c in cards if c.subject_key == "ServiceRequest/s"]


def only(cards: list[CardDraft]) -> CardDraft:
    mine = [c for c in cards if c.subject_key == "ServiceRequest/s"]
    assert len(mine) == 1, [(c.rule_id, c.summary) for c in mine]
    return mine[0]


@pytest.mark.parametrize("hook", HOOKS)
def test_trial_on_a_chart_whose_step_is_f4_is_stopped_with_the_step_s_facts(hook: str) -> None:
    facts = neuropathy_chart()
    assert step(*facts) == "F4"
    c = only(orders_for(hook, *facts))
    assert (c.rule_id, c.indicator) == (NO_TRIAL, "warning" if hook == "order-sign" else "info")
    assert c.title == "Stimulator trial before the diagnosis is settled"
    assert c.summary == "Spinal cord stimulator trial before the diagnosis is settled: re-evaluate it first"
    detail = render_detail(c)
    assert "`Condition/dn` possible mimic: peripheral neuropathy" in detail, detail
    assert "EMG/nerve conduction" in c.next_steps[0]
    assert "A stimulator trial before the radicular diagnosis is clear." in c.avoid
    assert {g.label for g in c.evidence} >= {"NACC 2014", "NASS 2014"}
    best = next(s for s in c.suggestions if s.is_recommended)
    assert best.label == "Replace the trial: order EMG/nerve conduction studies of the legs"
    assert [a.type for a in best.actions] == ["delete", "create"]
    assert best.actions[0].resource_id == "ServiceRequest/s"
    created = best.actions[1].resource
    assert created is not None and created["code"]["coding"][0]["code"] == EMG
    assert [s.label for s in c.suggestions if not s.is_recommended] == ["Cancel the trial"]
    assert "seed" not in render_full(c).lower()


def test_trial_on_a_chart_whose_step_is_f4_without_a_psychological_evaluation_says_so_too() -> None:
    facts = [f for f in neuropathy_chart() if getattr(f, "ref", "") != "Procedure/psy"]
    c = only(orders_for("order-sign", *facts))
    assert c.rule_id == NO_TRIAL
    assert any("no psychological evaluation" in f.text for f in c.why)


def test_trial_on_a_chart_whose_step_is_f5_asks_for_diagnostic_blocks() -> None:
    facts = [
        radic(200),
        *conservative(190),
        report("mri", "72148", 120, FACET_MRI),
        cond("facet", "facet_mediated_pain", "M47.816", onset=90),
        *scored_failure("esi", 60, "Lower back"),
        pain("leg", 3, 39, "Left leg"),
        psych(),
    ]
    assert step(*facts) == "F5"
    c = only(orders_for("order-sign", *facts))
    assert c.rule_id == NO_TRIAL
    assert c.summary.endswith("for axial pain that looks facet- or SI-mediated: diagnostic blocks first")
    assert "Spinal cord stimulation for facet- or SI-joint pain." in c.avoid


def test_trial_after_blind_injections_only_asks_for_an_adequate_injection_trial() -> None:
    facts = [
        radic(300),
        *conservative(290),
        report("mri", "72148", 250, NO_COMPRESSION),
        pain("b", 7, 202),
        proc("blind", "esi_interlaminar_caudal_lumbar", "62322", days=200),
        pain("f", 7, 179),
        psych(),
    ]
    assert step(*facts) == "F2"
    c = only(orders_for("order-sign", *facts))
    assert c.rule_id == NO_TRIAL
    assert c.title == "Stimulator trial without an adequate injection trial"
    assert any(f.ref == "Procedure/blind" for f in c.why)


def test_guard_trial_where_the_step_is_f7_draws_no_such_card() -> None:
    """Refractory, no surgical target, the diagnosis confirmed by a surgeon's review: F7 recommends the
    stimulator evaluation, so its trial is not stopped (the psychological evaluation is on record)."""
    facts = [
        radic(300),
        *conservative(290),
        report("mri", "72148", 250, NO_COMPRESSION),
        *scored_failure("e1", 200),
        *scored_failure("e2", 120),
        pain("now", 7, 10),
        order("ref", "referral_spine_surgery", status="completed", authored=100,
              notes=("Seen by spine surgery: no surgical target.",)),
        psych(),
    ]  # fmt: skip
    assert step(*facts) == "F7"
    assert [c for c in orders_for("order-sign", *facts) if c.subject_key == "ServiceRequest/s"] == []


def test_with_an_emg_on_record_the_stop_offers_no_second_one() -> None:
    """The pathway's step is still F4 with an EMG on record (its reading, the step's): the trial is
    stopped as the step says, but replacing it with EMG/NCS, already on the chart, is not offered."""
    finding = "Chronic left L5 radiculopathy with active denervation. No peripheral polyneuropathy."
    emg = proc("emg", "electrodiagnostic_emg_ncs", days=100, notes=(finding,))
    c = only(orders_for("order-sign", *neuropathy_chart(), emg))
    assert c.rule_id == NO_TRIAL
    assert [(s.label, s.is_recommended) for s in c.suggestions] == [("Cancel the trial", True)]


def test_guard_a_trial_that_may_be_for_another_pain_draws_no_such_card() -> None:
    """CRPS of the leg on record: a stimulator treats it, and the radicular step does not judge that
    trial."""
    crps = replace(cond("crps", "lumbar_radiculopathy_conditions", "M54.17", onset=150),
                   text="Complex regional pain syndrome I of left lower limb")  # fmt: skip
    assert on_trial(orders_for("order-sign", *neuropathy_chart(), crps)) == []


def test_guard_a_refuted_crps_keeps_the_stop() -> None:
    crps = replace(cond("crps", "lumbar_radiculopathy_conditions", "M54.17", onset=150),
                   text="Complex regional pain syndrome I of left lower limb")  # fmt: skip
    crps = replace(crps, verification_status="refuted")
    assert only(orders_for("order-sign", *neuropathy_chart(), crps)).rule_id == NO_TRIAL
