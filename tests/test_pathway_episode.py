"""The current episode: treatments, scores and operations that decide the pathway state.

An injection, physiotherapy course or pain score from an earlier episode of sciatica must not decide
the state of a new one; an ended prescription does not run on to today; and only lumbar surgery
opens the post-surgical branch, whatever generic code the operation carries.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pathway_builders import (
    TERM,
    ago,
    card_of,
    codes_of,
    cond,
    conservative,
    context,
    med,
    obs,
    order,
    proc,
    radic,
    refs_of,
    run,
    states,
)

from hooks.orders import evaluate_orders
from hooks.pathway.failure import Outcome
from hooks.terminology import Coding
from tests.orders_builders import RADICULOPATHY, history, inp, sr
from tests.orders_builders import cond as order_cond
from tests.orders_builders import obs as order_obs

# what acute sciatica never gets: imaging, injections, EMG/NCS, a diagnostic nerve-root block
WORK_UP = {"72148", "72149", "72158", "62322", "62323", "64483", "64484", "95907", "95910", "95913"}


def text_of(card: Any) -> str:
    return " ".join([card.summary, *(f.text for f in card.why), *card.next_steps, *card.gaps])


# ---------------------------------------------------------------------------------------------
# A. injections of an earlier episode
# ---------------------------------------------------------------------------------------------


def new_sciatica_after_old_esi(relief_after: float) -> list[Any]:
    """Sciatica that began 15 days ago; a TFESI five years ago for an earlier episode (pain 8 before,
    ``relief_after`` four weeks after) and pain 5/10 now."""
    return [
        cond("radic-new", "lumbar_radiculopathy_conditions", "M54.17", onset=15),
        proc("old-esi", "esi_transforaminal_lumbar", "64483", days=1830, level="L4-L5"),
        obs("old-base", "pain", 8, 1835),
        obs("old-follow", "pain", relief_after, 1800),
        obs("now", "pain", 5, 1),
    ]


def test_a_failed_esi_of_an_earlier_episode_does_not_make_new_sciatica_refractory() -> None:
    cards = run(*new_sciatica_after_old_esi(8))
    assert states(cards) == ["E1"]
    c = card_of(cards, "E1")
    assert c.indicator == "info"
    assert not codes_of(c) & WORK_UP
    assert "Procedure/old-esi" in refs_of(c)
    assert "no epidural injection in this episode" in text_of(c)
    assert "treated an earlier episode" in text_of(c)


def test_a_successful_esi_of_an_earlier_episode_is_no_repeat_esi_advice_for_new_sciatica() -> None:
    cards = run(*new_sciatica_after_old_esi(2))
    assert states(cards) == ["E1"]
    assert not codes_of(card_of(cards, "E1")) & WORK_UP


@pytest.mark.parametrize(("abated", "in_episode"), [(80, False), (140, True), (10, True)])
def test_a_resolved_earlier_sciatica_closes_its_episode(abated: int, in_episode: bool) -> None:
    """A right sciatica recorded resolved 80 days ago, treated with an ESI 130 days ago, is no part
    of the left sciatica that began 21 days ago, although the injection is within the 120-day lead:
    E1, not F0 asking for the old injection's outcome. An abatement before the lead (140 days) or
    after the new onset (a re-coded entry closed 10 days ago) changes nothing."""
    old = cond("radic-right", "lumbar_radiculopathy_conditions", "M54.16", onset=200, status="resolved",
               abatement=abated, text="Radiculopathy, lumbar region, right")  # fmt: skip
    new = cond("radic-left", "lumbar_radiculopathy_conditions", "M54.16", onset=21,
               text="Radiculopathy, lumbar region, left")  # fmt: skip
    esi = proc("esi", "esi_transforaminal_lumbar", "64483", days=130, level="L5-S1", laterality="right")
    ctx = context(old, new, esi)
    assert (ctx.esis == (esi,)) is in_episode
    if not in_episode:
        assert states(run(old, new, esi, obs("p", "pain", 5, 2))) == ["E1"]


def test_an_esi_before_a_later_recorded_problem_list_entry_still_counts() -> None:
    """A problem-list entry recorded (no onset) three weeks ago, after the injection it led to seven
    weeks before that: the injection belongs to this episode and the ESI steps judge it."""
    radicular = cond("radic-late", "lumbar_radiculopathy_conditions", "M54.17", onset=None, recorded=21)
    esi = proc("esi", "esi_transforaminal_lumbar", "64483", days=70, level="L5-S1")
    ctx = context(radicular, esi)
    assert ctx.esis == (esi,)
    cards = run(radicular, esi, obs("p", "pain", 6, 2), outcomes={"Procedure/esi": Outcome.FAILED})
    assert states(cards) and states(cards)[0] not in ("E1", "E2", "P1", "P2")


@pytest.mark.parametrize(("esi_days", "in_episode"), [(200, True), (380, True), (400, False)])
def test_a_record_date_without_an_onset_keeps_a_year_of_treatment(esi_days: int, in_episode: bool) -> None:
    """No onset, recorded 20 days ago: a problem-list entry often lags the symptoms by months, so
    injections up to a year before the record are of this episode. With an onset of its own 20 days
    ago (even one on the day it was recorded), any of them (more than 120 days before it) is of an
    earlier episode."""
    esi = proc("esi", "esi_transforaminal_lumbar", "64483", days=esi_days)
    recorded_only = cond("radic", "lumbar_radiculopathy_conditions", "M54.17", onset=None, recorded=20)
    assert (context(recorded_only, esi).esis == (esi,)) is in_episode
    for own in (
        cond("radic", "lumbar_radiculopathy_conditions", "M54.17", onset=20, recorded=20),
        cond("radic", "lumbar_radiculopathy_conditions", "M54.17", onset=20, recorded=5),
    ):
        assert context(own, esi).esis == ()


def test_the_session_limit_still_counts_an_earlier_episode_s_injections() -> None:
    esis = [proc(f"esi-{d}", "esi_transforaminal_lumbar", "64483", days=d) for d in (330, 290, 250)]
    ctx = context(radic(20), *esis)
    assert ctx.esis == ()  # more than 120 days before the onset: an earlier episode
    assert ctx.earlier_episode_esis == tuple(esis)
    assert len(ctx.esis_in_frequency_window) == 3


def test_an_onset_known_only_in_words_cuts_no_injection_off() -> None:
    """ "Years ago": the episode began at some unknown time before the bound, so an old injection
    may be of it."""
    radicular = replace(radic(10), onset=None, onset_unread="years ago", recorded=ago(10))
    esi = proc("esi", "esi_transforaminal_lumbar", "64483", days=900)
    ctx = context(radicular, esi)
    assert ctx.esis == (esi,)


# ---------------------------------------------------------------------------------------------
# B. cervical spine surgery is not lumbar surgery
# ---------------------------------------------------------------------------------------------


def cervical(p: Any, *, level: str | None = "C5-C6") -> Any:
    return replace(p, body_site_text="Cervical spine", level=level)


def test_a_cervical_discectomy_coded_89355001_does_not_open_the_post_surgical_branch() -> None:
    acdf = cervical(
        proc("acdf", "prior_lumbar_spine_surgery", "89355001", days=1800, text="Anterior cervical discectomy")
    )
    ctx = context(radic(20), acdf)
    assert not ctx.is_lumbar_surgery(acdf) and not ctx.post_surgical
    cards = run(radic(20), acdf, obs("p", "pain", 4, 1))
    assert states(cards) == ["E1"]
    assert not codes_of(cards[0]) & WORK_UP


def test_a_cervical_laminotomy_40_days_ago_is_no_early_post_operative_warning() -> None:
    lam = cervical(
        proc(
            "lam", "prior_lumbar_spine_surgery", "282191000", days=40, text="Laminotomy for decompression C6"
        ),
        level=None,
    )
    cards = run(radic(20), lam, obs("p", "pain", 4, 1))
    assert states(cards) == ["E1"]
    assert "S0" not in states(cards)


def test_cervical_text_alone_keeps_a_generic_code_out_of_the_lumbar_branch() -> None:
    acdf = proc(
        "acdf", "prior_lumbar_spine_surgery", "89355001", days=1800, text="Discectomy C5-C6, anterior"
    )
    assert not context(radic(20), acdf).post_surgical


def test_a_lumbar_cpt_code_with_a_cervical_body_site_is_not_lumbar_surgery() -> None:
    p = cervical(proc("lam", "prior_lumbar_spine_surgery", "63030", days=400))
    assert not context(radic(20), p).is_lumbar_surgery(p)


def test_a_cervical_body_site_coding_keeps_a_generic_code_out() -> None:
    site = Coding("http://snomed.info/sct", "122494005", "Cervical spine structure")
    p = replace(proc("acdf", "prior_lumbar_spine_surgery", "89355001", days=1800), body_site=(site,))
    assert not context(radic(20), p).post_surgical


def test_the_generic_discectomy_and_laminotomy_codes_need_a_lumbar_site() -> None:
    for code in ("89355001", "282191000"):
        coding = TERM.coding("prior_lumbar_spine_surgery", code)
        assert TERM.match("spine_surgery_site_unspecified", [coding]) is not None
        bare = proc("op", "prior_lumbar_spine_surgery", code, days=400)
        assert not context(radic(20), bare).post_surgical
        lumbar = replace(bare, body_site_text="Lumbar spine", level="L4-L5")
        assert context(radic(20), lumbar).post_surgical


def test_a_lumbar_discectomy_still_opens_the_post_surgical_branch() -> None:
    p = replace(
        proc("mld", "prior_lumbar_spine_surgery", "89355001", days=1800, text="Microdiscectomy L4-5"),
        body_site_text="Lumbar spine",
    )
    cards = run(radic(20), p, obs("p", "pain", 4, 1))
    assert states(cards) == ["S1"]


# ---------------------------------------------------------------------------------------------
# C. severity is graded on this episode's scores
# ---------------------------------------------------------------------------------------------


def test_two_year_old_severe_scores_do_not_make_acute_sciatica_severe() -> None:
    cards = run(radic(20), obs("old-pain", "pain", 8, 730), obs("old-odi", "odi", 50, 730))
    assert states(cards) == ["E1"]
    c = card_of(cards, "E1")
    assert not {"Observation/old-pain", "Observation/old-odi"} & refs_of(c)
    assert any("pain 8/10 on" in g and "is from before this episode's onset" in g for g in c.gaps)


def test_an_old_odi_is_not_shown_as_grading_todays_severe_pain() -> None:
    cards = run(radic(20), obs("now", "pain", 8, 1), obs("old-odi", "odi", 50, 730))
    c = card_of(cards, "E2")  # severe pain now; no ODI of this episode does not argue against it
    assert "Observation/now" in refs_of(c)
    assert "Observation/old-odi" not in refs_of(c)
    assert any("ODI 50 % on" in g and "is from before this episode's onset" in g for g in c.gaps)


def test_severe_scores_of_this_episode_still_refer_within_2_weeks() -> None:
    cards = run(radic(20), obs("p", "pain", 8, 2), obs("o", "odi", 50, 2))
    c = card_of(cards, "E2")
    assert c.indicator == "warning"
    assert {"Observation/p", "Observation/o"} <= refs_of(c)


def test_an_early_esi_order_is_not_excused_by_old_severe_scores() -> None:
    facts = [order_cond("rad", RADICULOPATHY, 20), order_obs("old", "pain", 8, 730)]
    cards = evaluate_orders(inp("order-sign", [sr("esi1", "64483")], history(*facts)))
    assert [c.rule_id for c in cards] == ["order.esi-too-early"]


# ---------------------------------------------------------------------------------------------
# D. weeks of conservative care in this episode
# ---------------------------------------------------------------------------------------------


def test_physiotherapy_years_before_the_episode_is_not_its_conservative_care() -> None:
    old_pt = [
        proc("pt-1", "physical_therapy", "97161", days=1100),
        proc("pt-2", "physical_therapy", "97110", days=1050),
    ]
    ctx = context(radic(50), *old_pt)
    assert ctx.conservative_care_days == 0 and not ctx.conservative_care_complete
    c = card_of(run(radic(50), *old_pt, obs("p", "pain", 6, 2)), "P1")
    assert "no conservative care documented" in text_of(c)
    assert any("earlier episode" in (f.short or "") and f.ref == "Procedure/pt-2" for f in c.why)


def test_a_completed_nsaid_order_without_an_end_covers_its_start_only() -> None:
    ctx = context(radic(60), med("nsaid", "rx_nsaids", start=60, status="completed"))
    assert ctx.conservative_care_days == 1 and not ctx.conservative_care_complete


def test_a_stopped_nsaid_order_without_an_end_does_not_run_to_today() -> None:
    ctx = context(radic(60), med("nsaid", "rx_nsaids", start=58, status="stopped"))
    assert ctx.conservative_care_days == 1
    c = card_of(
        run(radic(60), med("nsaid", "rx_nsaids", start=58, status="stopped"), obs("p", "pain", 6, 2)), "P1"
    )
    assert "conservative care documented for 1 day" in text_of(c)


def test_an_ended_nsaid_with_an_end_date_counts_its_whole_course() -> None:
    ctx = context(radic(60), med("nsaid", "rx_nsaids", start=58, end=8, status="completed"))
    assert ctx.conservative_care_days == 51 and ctx.conservative_care_complete


def test_a_running_nsaid_still_counts_to_today() -> None:
    ctx = context(radic(60), med("nsaid", "rx_nsaids", start=50))
    assert ctx.conservative_care_days == 51


def test_physiotherapy_weeks_before_a_later_recorded_onset_still_counts() -> None:
    """Within the episode's lead (120 days) care recorded before the problem-list entry counts."""
    radicular = cond("radic-late", "lumbar_radiculopathy_conditions", "M54.17", onset=None, recorded=45)
    pt = [
        proc("pt-1", "physical_therapy", "97161", days=100),
        proc("pt-2", "physical_therapy", "97110", days=50),
    ]
    assert context(radicular, *pt).conservative_care_days == 51


def test_a_long_running_nsaid_counts_only_from_the_episode_lead() -> None:
    ctx = context(radic(50), med("nsaid", "rx_nsaids", start=2000, end=40, status="completed"))
    assert ctx.conservative_care_days == (50 + 120) - 40 + 1


def test_the_pathways_reasoning_names_only_this_episodes_scores_as_the_grade() -> None:
    """E2 on this episode's pain 8, with an ODI of 50 from two years ago: "how the pathway reached
    this step" names the pain score, not the old ODI as if it graded today's pain."""
    cards = run(
        cond("radic", "lumbar_radiculopathy_conditions", "M54.17", onset=20),
        obs("pain-now", "pain", 8, 2),
        obs("odi-old", "odi", 50, 730),
    )
    c = card_of(cards, "E2")
    read = {r for f in c.basis for r in f.refs}
    assert "Observation/pain-now" in read and "Observation/odi-old" not in read


def test_a_patient_who_had_a_specialists_procedure_is_not_unreferred() -> None:
    """A stimulator trial in this episode (four years into it) is a specialist's procedure: P2's
    "not yet referred: refer now" would be false. A trial of an earlier episode does not count."""
    trial = proc("trial", "scs_percutaneous_lead", "63650", days=1500)
    assert context(radic(1800), trial).referred
    assert states(run(radic(1800), trial, obs("p", "pain", 6, 2)))[0] != "P2"
    assert not context(radic(200), trial).referred


def test_severe_scores_of_the_visits_before_a_record_without_onset_still_grade_it() -> None:
    """A condition recorded 2 days ago with no onset; NRS 9 and ODI 62 five days ago, at the visit
    that led to it: severe acute sciatica (E2), not E1 with the scores called older than the episode."""
    recorded_only = cond("radic", "lumbar_radiculopathy_conditions", "M54.17", onset=None, recorded=2)
    cards = run(recorded_only, obs("nrs", "pain", 9, 5), obs("odi", "odi", 62, 5))
    assert states(cards) == ["E2"]


def test_p1_does_not_recommend_an_esi_the_session_limit_forbids() -> None:
    """Four ESIs 220-340 days ago treated an earlier episode; the new one is 8 weeks old: P1 must not
    recommend an injection the order check would stop (the limit is on injections, not episodes). It
    says when the next may be given, and its basis says "in this episode", not "on record"."""
    esis = [proc(f"esi-{d}", "esi_transforaminal_lumbar", "64483", days=d) for d in (340, 300, 260, 220)]
    cards = run(radic(56), *conservative(50), *esis, obs("p", "pain", 6, 2))
    c = card_of(cards, "P1")
    allowed = ago(340 - 365).isoformat()
    assert "limit of lumbar ESI sessions is reached" in c.summary
    assert c.next_steps[0].startswith(f"No epidural steroid injection before {allowed}")
    assert not any("Consider an image-guided" in s for s in c.next_steps)
    assert "no lumbar ESI in this episode" in [f.text for f in c.basis]


# ---------------------------------------------------------------------------------------------
# E. the pain "now" that F7 grades is a current score of this episode
# ---------------------------------------------------------------------------------------------


def refractory_no_target(*scores: Any) -> list[Any]:
    """Radicular pain for 3 years, conservative care, two failed TFESIs and a surgeon's "no target"
    note: F7 (SCS evaluation) when the pain now is ≥ 5/10."""
    return [
        radic(1100),
        *conservative(1000),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=700, level="L5-S1"),
        proc("esi-2", "esi_transforaminal_lumbar", "64483", days=600, level="L5-S1"),
        order(
            "ref",
            "referral_spine_surgery",
            status="completed",
            authored=550,
            notes=(NO_TARGET,),
        ),
        *scores,
    ]


NO_TARGET = "Seen by spine surgery: no surgical target."
FAILED_ESIS = {"Procedure/esi-1": Outcome.FAILED, "Procedure/esi-2": Outcome.FAILED}


def test_a_pain_score_from_a_year_and_a_half_ago_does_not_decide_f7_now() -> None:
    """The only pain score ≥ 5 is 7/10 from 540 days ago (in this episode, but not current): no F7
    (SCS evaluation) on it, and the score is not cited as the pain now."""
    cards = run(*refractory_no_target(obs("old", "pain", 7, 540)), outcomes=FAILED_ESIS)
    assert "F7" not in states(cards)
    assert all("Observation/old" not in refs_of(c) for c in cards if c.rule_id == "F7")
    ctx = context(*refractory_no_target(obs("old", "pain", 7, 540)), outcomes=FAILED_ESIS)
    assert ctx.current_score("pain") is None


def test_a_current_pain_score_still_gives_f7_and_is_the_one_cited() -> None:
    cards = run(
        *refractory_no_target(obs("old", "pain", 3, 540), obs("now", "pain", 7, 10)), outcomes=FAILED_ESIS
    )
    c = card_of(cards, "F7")
    assert "Observation/now" in refs_of(c) and "Observation/old" not in refs_of(c)


def test_a_recent_low_score_outweighs_an_old_high_one() -> None:
    """Pain 8 two years ago, 3 last month: the pain now is 3, not F7's ≥ 5."""
    cards = run(
        *refractory_no_target(obs("old", "pain", 8, 730), obs("now", "pain", 3, 30)), outcomes=FAILED_ESIS
    )
    assert "F7" not in states(cards)


def test_a_pain_score_of_an_earlier_episode_does_not_decide_f7() -> None:
    """Pain 8/10 recorded before this episode began (onset 200 days ago, the score 400 days ago) and
    none since: no current pain score of this episode, no F7."""
    facts = [
        radic(200),
        *conservative(190),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=150, level="L5-S1"),
        proc("esi-2", "esi_transforaminal_lumbar", "64483", days=90, level="L5-S1"),
        order("ref", "referral_spine_surgery", status="completed", authored=60, notes=(NO_TARGET,)),
        obs("before", "pain", 8, 400),
    ]
    assert "F7" not in states(run(*facts, outcomes=FAILED_ESIS))
    assert context(*facts, outcomes=FAILED_ESIS).current_score("pain") is None
    facts[-1] = obs("now", "pain", 8, 20)
    assert states(run(*facts, outcomes=FAILED_ESIS))[0] == "F7"


def test_the_current_pain_prefers_the_leg_score_of_the_window() -> None:
    leg = replace(obs("leg", "pain", 6, 40), body_site_text="Left leg")
    back = replace(obs("back", "pain", 2, 5), body_site_text="Lower back")
    ctx = context(radic(400), leg, back)
    current = ctx.current_score("pain")
    assert current is not None and current.ref == "Observation/leg"


# ---------------------------------------------------------------------------------------------
# F. physiotherapy for another part of the body is not lumbar conservative care
# ---------------------------------------------------------------------------------------------


def pt_course(days: int = 80, **fields: Any) -> list[Any]:
    """Two physiotherapy sessions 7 weeks apart, ``fields`` (body site, reason) on both."""
    return [
        replace(proc("pt-1", "physical_therapy", "97161", days=days), **fields),
        replace(proc("pt-2", "physical_therapy", "97110", days=days - 49), **fields),
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"body_site_text": "Right shoulder"},
        {"body_site_text": "Left knee"},
        {"body_site": (Coding("http://snomed.info/sct", "72696002", "Knee region structure"),)},
        {"reason_text": "Rotator cuff tear, right"},
        {"reason": (Coding("http://hl7.org/fhir/sid/icd-10-cm", "M17.11", "Osteoarthritis, right knee"),)},
        {"body_site_text": "Cervical spine"},
        {"text": "Physical therapy for neck pain"},
    ],
)
def test_physiotherapy_for_another_body_part_is_not_lumbar_conservative_care(fields: dict[str, Any]) -> None:
    ctx = context(radic(100), *pt_course(**fields))
    assert ctx.physiotherapy == () and ctx.conservative_care_days == 0
    assert not ctx.conservative_care_complete


@pytest.mark.parametrize(
    "fields",
    [
        {},  # most sessions name no site at all
        {"body_site_text": "Lumbar spine"},
        {"body_site_text": "Lower back"},
        {"body_site_text": "Left leg"},
        {"reason_text": "Sciatica, left"},
        {"body_site_text": "Left hip and buttock"},
        {"reason_text": "Left foot drop; ankle dorsiflexion weakness"},
        {"reason": (TERM.coding("lumbar_radiculopathy_conditions", "M54.17"),), "body_site_text": "Knee"},
        {"text": "Therapeutic exercise (hands-on manual therapy)"},
    ],
)
def test_physiotherapy_for_the_back_or_leg_or_with_no_site_still_counts(fields: dict[str, Any]) -> None:
    ctx = context(radic(100), *pt_course(**fields))
    assert len(ctx.physiotherapy) == 2
    assert ctx.conservative_care_days == 50 and ctx.conservative_care_complete


def test_knee_physiotherapy_leaves_p1_asking_for_conservative_care() -> None:
    cards = run(radic(70), *pt_course(70, body_site_text="Right knee"), obs("p", "pain", 6, 2))
    c = card_of(cards, "P1")
    assert "no conservative care documented" in text_of(c)
    assert not {"Procedure/pt-1", "Procedure/pt-2"} & refs_of(c)


def test_a_positive_depression_screen_years_ago_is_not_a_current_psychosocial_risk() -> None:
    """PHQ-9 15 three years ago and nothing newer: no Y1; the same screen last month gives it."""
    assert "Y1" not in states(run(radic(20), obs("phq", "phq9", 15, 1100), obs("p", "pain", 4, 1)))
    assert "Y1" in states(run(radic(20), obs("phq", "phq9", 15, 30), obs("p", "pain", 4, 1)))
