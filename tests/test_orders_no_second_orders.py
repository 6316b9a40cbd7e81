"""No suggestion of an order-time response orders what another card already offers; a draft with no
id keeps the orders its card makes.

Two opioids drafted for an opioid-naive patient drew two cards each offering naloxone: two naloxone
prescriptions, one click each (CDS Hooks applies each suggestion as a unit; nothing stops both). A
suggestion whose one action creates an order already drafted in the session, or offered by an
earlier card, is dropped (``orders._no_second_orders``).

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, mr


def naloxone_offers(*orders: dict) -> int:  # type: ignore[type-arg]
    cards = evaluate_orders(inp("order-sign", list(orders), history(cond("rad", RADICULOPATHY, 60))))
    return sum(1 for c in cards for s in c.suggestions if "naloxone" in s.label.lower())


def test_two_opioids_drafted_offer_naloxone_once() -> None:
    oxy = mr("oxy", "7804", "oxycodone hydrochloride 10 MG Oral Tablet", dose=10, per=4)
    hydromorphone = mr("hm", "3423", "hydromorphone 4 MG Oral Tablet", dose=4, per=4)
    assert naloxone_offers(oxy, hydromorphone) == 1


def test_guard_one_opioid_offers_naloxone() -> None:
    assert (
        naloxone_offers(mr("oxy", "7804", "oxycodone hydrochloride 10 MG Oral Tablet", dose=10, per=4)) == 1
    )


def test_a_draft_without_an_id_keeps_the_emergency_mri_its_card_orders() -> None:
    """An ESI sent with no id beside cauda equina: the card cannot cancel it, but still orders the
    stat MRI (the create of "cancel the procedure; stat MRI", on its own)."""
    from tests.orders_builders import sr

    esi = sr("x", "64483", "Transforaminal epidural injection L5-S1")
    esi.pop("id")
    cards = evaluate_orders(
        inp(
            "order-sign",
            [esi],
            history(cond("rad", RADICULOPATHY, 10), cond("ces", "G83.4", 1, "Cauda equina")),
        )
    )
    (c,) = [c for c in cards if c.indicator == "critical"]
    labels = [s.label for s in c.suggestions]
    assert "Stat: order MRI lumbar spine without contrast" in labels
    assert all(a.type == "create" for s in c.suggestions for a in s.actions)


def test_an_rfa_drafted_beside_its_block_is_cancelled_not_turned_into_a_second_block() -> None:
    from tests.orders_builders import sr

    rfa = sr("rfa", "64635", "Radiofrequency ablation, lumbar facet L4-5 right")
    block = sr("mbb", "64493", "Medial branch block, lumbar facet L4-5 right")
    facet = cond("facet", "M47.816", 300, "Spondylosis without myelopathy or radiculopathy, lumbar region")
    cards = evaluate_orders(inp("order-sign", [rfa, block], history(facet)))
    blocks = [
        a
        for c in cards
        for s in c.suggestions
        for a in s.actions
        if a.type in ("create", "update") and "64493" in str((a.resource or {}).get("code"))
    ]
    assert blocks == []
    (c,) = [c for c in cards if c.subject_key == "ServiceRequest/rfa"]
    assert [[(a.type, a.resource_id) for a in s.actions] for s in c.suggestions] == [
        [("delete", "ServiceRequest/rfa")]
    ]


def test_guard_a_permanent_stimulator_turned_into_the_trial_keeps_its_replacement() -> None:
    """Deleting a draft and creating or updating to its own kind is a replacement, not a second order."""
    from tests.orders_builders import sr

    leads = sr("leads", "63650", "Percutaneous SCS leads")
    ipg = sr("ipg", "63685", "Spinal cord stimulator generator")
    cards = evaluate_orders(inp("order-sign", [leads, ipg], history(cond("rad", RADICULOPATHY, 400))))
    assert any(a.type == "update" for c in cards for s in c.suggestions for a in s.actions)


def test_a_psychologist_referral_drafted_with_a_stimulator_trial_is_the_evaluation_arranged() -> None:
    from tests.orders_builders import SCT, sr

    trial = sr("trial", "63650", "Spinal cord stimulator trial, percutaneous leads")
    referral = sr("psy", "308459004", "Referral to psychologist", system=SCT)
    cards = evaluate_orders(inp("order-sign", [trial, referral], history(cond("rad", RADICULOPATHY, 400))))
    assert "order.neuromod-psych-eval" not in [c.rule_id for c in cards]
    assert not any("no psychological evaluation" in f.text for c in cards for f in c.why)


def test_a_replacement_become_an_addition_is_not_pre_selected_on_a_warning() -> None:
    """An ESI sent with no id, for facet pain: the card cannot cancel it, so the block that would have
    replaced it is offered beside it, not pre-selected (accepting it would leave both)."""
    from tests.orders_builders import sr

    esi = sr("x", "64483", "Transforaminal epidural injection L5-S1")
    esi.pop("id")
    facet = cond("facet", "M47.816", 300, "Lumbar facet arthropathy")
    (c,) = [
        c
        for c in evaluate_orders(inp("order-sign", [esi], history(facet)))
        if c.rule_id == "order.esi-facet-pain"
    ]
    assert c.indicator == "warning"
    assert [(s.label, s.is_recommended) for s in c.suggestions] == [
        ("Order diagnostic lumbar medial branch block", False)
    ]


def test_a_block_drafted_at_another_level_is_another_order() -> None:
    from tests.orders_builders import sr

    rfa = sr("rfa", "64635", "Radiofrequency ablation, lumbar facet L4-5 right")
    block = sr("mbb", "64493", "Medial branch block, lumbar facet L2-3 left")
    facet = cond("facet", "M47.816", 300, "Lumbar facet arthropathy")
    (c,) = [
        c
        for c in evaluate_orders(inp("order-sign", [rfa, block], history(facet)))
        if c.subject_key == rfa_ref()
    ]
    assert not any("already drafted" in s.label for s in c.suggestions)


def rfa_ref() -> str:
    return "ServiceRequest/rfa"


def test_a_psychology_referral_for_insomnia_is_not_the_pre_implant_evaluation() -> None:
    from tests.orders_builders import ICD, SCT, sr

    trial = sr("trial", "63650", "Spinal cord stimulator trial, percutaneous leads")
    insomnia = {"coding": [{"system": ICD, "code": "G47.00", "display": "Insomnia, unspecified"}]}
    referral = sr("psy", "308459004", "Referral to psychologist", system=SCT, reasonCode=[insomnia])
    cards = evaluate_orders(inp("order-sign", [trial, referral], history(cond("rad", RADICULOPATHY, 400))))
    assert any("no psychological evaluation" in f.text for c in cards for f in c.why)
