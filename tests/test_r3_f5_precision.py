"""R3 and F5 precision, from a clinician's review.

- R3 (worsening pain after a recent spinal procedure) names the procedure as the other cards do
  ("TFESI L5-S1 2026-10-30"), not by its whole CPT descriptor, which took the card's room; when and
  how R3 fires is unchanged (critical).
- F5 ("failed ESI, but the pain looks facet- or SI-joint-mediated") needs pain the scores show to be
  axial-predominant: with no pain score, or scores that name no site, the record does not say
  whether the leg or the back hurts more, and a coded facet or SI-joint diagnosis alone does not make
  the pain facet-mediated; the tree goes on (F4 re-evaluates). Back pain scored above the leg pain,
  or back or buttock scores and no leg score, still give F5.
"""

from __future__ import annotations

from dataclasses import replace

from pathway_builders import (
    assert_house_rules,
    card_of,
    codes_of,
    cond,
    conservative,
    obs,
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.cards import DETAIL_MAX, CardDraft, render_detail, render_full
from hooks.facts import ObservationFact
from hooks.pathway.failure import Outcome

CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
FACET_MRI = "Bilateral facet arthropathy at L4-5 and L5-S1. No disc herniation and no nerve root compression."
SI_MRI = "Mild disc desiccation L4-5 without disc herniation or nerve root compression."
MBB_CODES = {"64493", "64494", "64495"}
SI_BLOCK_CODES = {"27096", "64451", "G0260"}
DESCRIPTOR = "Injection(s), anesthetic agent(s)"


def tfesi(ref: str, days: int, level: str = "L5-S1", **kw):  # type: ignore[no-untyped-def]
    return proc(ref, "esi_transforaminal_lumbar", "64483", days=days, level=level, **kw)


def pain(ref: str, value: float, days: int, site: str | None = None) -> ObservationFact:
    """A pain score; ``site`` its body site in words ("Lower back", "Left leg"); none: a score that
    names no site ("Pain severity")."""
    o = obs(ref, "pain", value, days)
    return replace(o, body_site_text=site) if site else o


# ---------------------------------------------------------------------------------------------
# R3: worsening pain after a recent spinal procedure
# ---------------------------------------------------------------------------------------------


def r3_after_tfesi() -> CardDraft:
    """The reviewer's reproduction: pain 5 before a TFESI 3 days ago, 8 the day before yesterday."""
    cards = run(
        radic(100),
        *conservative(90),
        report("mri", "72148", 60, CONCORDANT),
        obs("p0", "pain", 5, 3),
        tfesi("e1", 3),
        obs("p1", "pain", 8, 1),
    )
    assert states(cards) == ["R3"]
    return cards[0]


def test_r3_names_the_injection_by_its_short_name() -> None:
    c = r3_after_tfesi()
    fact = c.why[0]
    assert fact.brief == "pain worse after TFESI L5-S1 2026-10-30: 5/10 before, 8/10 on 2026-11-01"
    assert set(fact.refs) == {"Procedure/e1", "Observation/p0", "Observation/p1"}
    detail = render_detail(c)
    assert DESCRIPTOR not in detail and "fluoroscopy" not in detail
    assert "TFESI L5-S1 2026-10-30" in detail
    assert len(detail) <= DETAIL_MAX
    assert_house_rules(c)
    # the full reasoning still names the procedure as recorded
    assert DESCRIPTOR in render_full(c)


def test_r3_names_an_operation_by_its_first_words_not_its_descriptor() -> None:
    """A laminotomy 10 days ago: "Laminotomy L4-L5 2026-10-23", not the CPT descriptor (nor an
    aside in brackets taken for its name)."""
    for code, name in (("63030", "Laminotomy"), ("22612", "Arthrodesis")):
        op = proc("op", "prior_lumbar_spine_surgery", code, days=10, level="L4-L5")
        cards = run(radic(100), obs("p0", "pain", 4, 12), op, obs("p1", "pain", 8, 1))
        c = card_of(cards, "R3")
        assert c.why[0].brief == f"pain worse after {name} L4-L5 2026-10-23: 4/10 before, 8/10 on 2026-11-01"
        assert "decompression of nerve root" not in render_detail(c)
        assert "transverse technique" not in render_detail(c)
        assert_house_rules(c)


def test_guard_r3_still_fires_critical_on_worsening_after_a_recent_injection() -> None:
    c = r3_after_tfesi()
    assert c.indicator == "critical"
    assert "Procedure/e1" in refs_of(c)
    assert "72158" in codes_of(c)  # MRI with and without contrast


def test_guard_r3_not_for_a_flare_that_settled() -> None:
    """Pain up the day after the injection, back to its baseline since: no red flag (unchanged)."""
    cards = run(
        radic(100),
        *conservative(90),
        report("mri", "72148", 60, CONCORDANT),
        obs("p0", "pain", 5, 6),
        tfesi("e1", 5),
        obs("p1", "pain", 8, 4),
        obs("p2", "pain", 5, 1),
    )
    assert "R3" not in states(cards)


# ---------------------------------------------------------------------------------------------
# F5: the pain must be shown axial-predominant
# ---------------------------------------------------------------------------------------------


def failed_tfesi(*extra: object, generator: str = "facet", mri: str = FACET_MRI) -> list[CardDraft]:
    """Radicular pain for 200 days, conservative care, an MRI with no compression, a facet (or SI)
    diagnosis and a TFESI 60 days ago."""
    gen = (
        cond("facet", "facet_mediated_pain", "M47.816", onset=90)
        if generator == "facet"
        else cond("si", "sacroiliac_joint_pain", "M46.1", onset=90)
    )
    return [radic(200), *conservative(190), report("mri", "72148", 120, mri), gen, tfesi("esi", 60), *extra]


def assert_not_facet_mediated(cards: list[CardDraft]) -> None:
    assert "F5" not in states(cards)
    for c in cards:
        assert "facet-joint mediated" not in c.summary and "SI-joint mediated" not in c.summary
        assert not codes_of(c) & (MBB_CODES | SI_BLOCK_CODES)
        assert_house_rules(c)


def test_f5_not_from_scores_that_name_no_site() -> None:
    """The ESI failed on scores that name no site (6 → 6): whether the leg or the back hurts more is
    not recorded, so the facet code does not make the pain facet-mediated; F4 re-evaluates."""
    cards = run(*failed_tfesi(pain("b", 6, 61), pain("f", 6, 30)))
    assert_not_facet_mediated(cards)
    assert states(cards) == ["F4"]


def test_f5_not_without_any_pain_score() -> None:
    """An ESI recorded as failed and no pain score at all: not F5."""
    cards = run(*failed_tfesi(), outcomes={"Procedure/esi": Outcome.FAILED})
    assert_not_facet_mediated(cards)
    assert states(cards) == ["F4"]


def test_f5_si_joint_not_without_any_pain_score() -> None:
    cards = run(*failed_tfesi(generator="si", mri=SI_MRI), outcomes={"Procedure/esi": Outcome.FAILED})
    assert_not_facet_mediated(cards)
    assert states(cards) == ["F4"]


def test_f5_card_shows_the_scores_that_make_the_pain_axial() -> None:
    """The card says which scores show the pain axial (back 7 above leg 3), and its basis names them."""
    cards = run(
        *failed_tfesi(
            pain("b", 7, 62, "Lower back"), pain("f", 7, 30, "Lower back"), pain("leg", 3, 30, "Left leg")
        )
    )
    c = card_of(cards, "F5")
    assert "back pain 7/10 > leg 3/10 (2026-10-03)" in render_detail(c)
    assert any(
        f.text == "back or buttock pain scored above any leg pain score"
        and {"Observation/f", "Observation/leg"} <= set(f.refs)
        for f in c.basis
    )
    assert_house_rules(c)


def test_guard_f5_when_the_back_pain_is_scored_above_the_leg_pain() -> None:
    cards = run(
        *failed_tfesi(
            pain("b", 7, 62, "Lower back"), pain("f", 7, 30, "Lower back"), pain("leg", 3, 30, "Left leg")
        )
    )
    c = card_of(cards, "F5")
    assert codes_of(c) & MBB_CODES
    assert "facet-joint mediated" in c.summary
    assert_house_rules(c)


def test_guard_f5_with_back_scores_and_no_leg_score() -> None:
    cards = run(*failed_tfesi(pain("b", 6, 62, "Lower back"), pain("f", 6, 30, "Lower back")))
    assert states(cards) == ["F5"]
    assert_house_rules(cards[0])


def test_guard_f5_si_joint_with_buttock_scores() -> None:
    """SI-joint pain scored at the buttock, no leg score: F5 with an SI-joint block."""
    cards = run(
        *failed_tfesi(
            pain("b", 6, 62, "Lower back"),
            pain("f1", 6, 40, "Right buttock"),
            pain("f2", 6, 30, "Right buttock"),
            generator="si",
            mri=SI_MRI,
        )
    )
    c = card_of(cards, "F5")
    assert codes_of(c) & SI_BLOCK_CODES
    assert_house_rules(c)


def test_guard_f5_not_when_the_leg_pain_is_as_bad_as_the_back_pain() -> None:
    cards = run(
        *failed_tfesi(
            pain("b", 6, 62, "Lower back"), pain("f", 6, 30, "Lower back"), pain("leg", 6, 30, "Left leg")
        )
    )
    assert "F5" not in states(cards)


def test_r3_names_the_recent_procedure_behind_a_fever_in_a_few_words() -> None:
    """A fever 10 days after a TFESI: the procedure is named as the other cards name it, never by the
    first or last words of its coded descriptor."""
    cards = run(
        radic(100),
        *conservative(90),
        proc("e", "esi_transforaminal_lumbar", "64483", days=10, level="L4-L5"),
        cond("fv", "red_flag_infection", "R50.9", onset=1),
    )
    assert states(cards) == ["R3"]
    assert any(f.short and f.short.startswith("TFESI L4-L5") for f in cards[0].why)
    assert "Injection(s)" not in render_detail(cards[0])
