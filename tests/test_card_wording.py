"""What a clinician reads on a card is said the way a clinician says it: durations in the unit that
fits ("10 days", "23 months", never "1 weeks" or "100 weeks"), a "Not recorded" line that names
missing data rather than giving an order, no detail line cut mid-sentence, a citation the card
links, and an earlier episode's injection named as such rather than hidden."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pathway_builders import card_of, cond, conservative, context, med, obs, proc, radic, report, run, states

from hooks import conflicts
from hooks.cards import (
    ADVISORY,
    DETAIL_MAX,
    CardDraft,
    Conflict,
    Fact,
    missing,
    not_recorded,
    render_detail,
    render_full,
    shorter_forms,
)
from hooks.conflicts import GABAPENTINOIDS, OPIOIDS
from hooks.evidence import guideline
from hooks.pathway.failure import Outcome
from hooks.thresholds import span

ALL_CONFLICTS = [c for c in vars(conflicts).values() if isinstance(c, Conflict)]

# internal names; rule ids other than S/L ones, which read as spinal levels (S1, L5)
FORBIDDEN = re.compile(r"\bseeds?\b|decision model|§|\b(?:[EPFRMNAYX]\d)\b")


def text_of(card: CardDraft) -> str:
    return "\n".join([card.summary, render_detail(card), render_full(card)])


# ---------------------------------------------------------------------------------------------
# 1. how long, in one helper


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (0, "0 days"),
        (1, "1 day"),
        (10, "10 days"),
        (13, "13 days"),
        (14, "2 weeks"),
        (45, "6 weeks"),
        (181, "25 weeks"),
        (200, "6 months"),
        (365, "1 year"),
        (400, "13 months"),
        (700, "23 months"),
        (800, "2 years"),
        (1100, "3 years"),
    ],
)
def test_a_time_that_has_passed_is_said_in_the_unit_that_fits(days: int, words: str) -> None:
    """Days under 2 weeks, weeks under 26, months under 2 years, then years; "1 day", never "1 days"."""
    assert span(days, exact=False) == words


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (14, "2 weeks"),
        (42, "6 weeks"),
        (84, "12 weeks"),
        (90, "90 days"),
        (182, "6 months"),
        (365, "12 months"),
    ],
)
def test_a_threshold_is_still_said_exactly(days: int, words: str) -> None:
    """A site's threshold reads as its own number (90 days is not "12 weeks")."""
    assert span(days) == words


def test_an_onset_ten_days_ago_says_ten_days_not_one_weeks() -> None:
    [card] = run(radic(days=10))
    assert "(10 days)" in render_detail(card)
    assert "weeks)" not in text_of(card)


def test_an_onset_almost_two_years_ago_says_months_not_100_weeks() -> None:
    card = run(radic(days=700), *conservative(690))[0]
    assert "(23 months)" in render_detail(card)
    assert "100 weeks" not in text_of(card)


def test_no_conservative_care_is_said_in_words_not_zero_weeks() -> None:
    c = card_of(run(radic(days=50), obs("p", "pain", 6, 2)), "P1")
    assert "no conservative care documented" in text_of(c)
    assert "0 week" not in text_of(c) and "week(s)" not in text_of(c)


def test_one_day_of_conservative_care_is_one_day() -> None:
    session = proc("pt-1", "physical_therapy", "97161", days=20)
    c = card_of(run(radic(days=60), session, obs("p", "pain", 6, 2)), "P1")
    assert "conservative care documented for 1 day" in text_of(c)
    assert "week(s)" not in text_of(c)


def test_early_post_surgical_pain_counts_in_the_same_words() -> None:
    surgery = proc("disc", "prior_lumbar_spine_surgery", "63030", days=1, level="L5-S1")
    cards = run(radic(days=200), surgery)
    assert "S0" in states(cards)
    assert "1 day after lumbar surgery" in card_of(cards, "S0").summary


# ---------------------------------------------------------------------------------------------
# 2. "Not recorded" names data; P1 with an MRI on file says so


MRI_TEXT = "Left paracentral L4-5 disc protrusion contacting the traversing left L5 nerve root."


def test_p1_with_an_mri_on_file_words_its_summary_from_it() -> None:
    c = card_of(run(radic(days=60), *conservative(50), report("mri", "72148", 10, MRI_TEXT)), "P1")
    assert "MRI if" not in c.summary
    assert "MRI" in c.summary and "ESI" in c.summary
    assert "DiagnosticReport/mri" in render_detail(c)  # the imaging that decides is on the card


def test_p1_without_an_mri_still_says_mri_if_a_candidate() -> None:
    c = card_of(run(radic(days=60), *conservative(50)), "P1")
    assert "MRI if an injection or surgical candidate" in c.summary


def test_not_recorded_names_missing_data_never_an_instruction() -> None:
    unclear = report("mri", "72148", 10, "Mild degenerative change.")
    for mri in (report("mri", "72148", 10, MRI_TEXT), unclear):
        c = card_of(run(radic(days=60), *conservative(50), mri), "P1")
        for gap in c.gaps:
            assert not re.match(r"(?i)(review|check|consider|order|refer)\b", gap), gap
        line = next((ln for ln in render_detail(c).split("\n") if ln.startswith("**Not recorded:**")), "")
        assert "review" not in line.lower()


def test_a_gap_that_says_no_x_on_record_never_reads_as_x_on_record() -> None:
    """ "Not recorded: lumbar imaging on record" says the opposite of the gap it came from."""
    gap = "no lumbar imaging on record: the level of the injections cannot be checked"
    assert missing(gap) == "lumbar imaging: the level of the injections cannot be checked"
    line = not_recorded([gap])
    assert line == "**Not recorded:** lumbar imaging: the level of the injections cannot be checked."
    assert missing("no pain score recorded since the ESI") == "pain score since the ESI"
    assert missing("record the outcome (NRS/ODI) of the ESI") == "the outcome (NRS/ODI) of the ESI"
    assert missing("a dated onset for Condition/radic-1") == "a dated onset for Condition/radic-1"
    # "on record" after the colon belongs to another clause and stays
    assert missing("no MRI: the level on record is L5") == "MRI: the level on record is L5"


# ---------------------------------------------------------------------------------------------
# 3. no line of the detail ends in the middle of a sentence

NEXT = (
    "Re-evaluate why it failed (wrong target, incomplete lesion, different pain generator): updated "
    "MRI/CT and a repeat diagnostic block to confirm the pathway (ASRA 2020)."
)
FACTS = (
    Fact(
        "x",
        "MedicationRequest/duloxetine-1",
        short="Duloxetine 60 mg delayed-release oral capsule from 2026-08-24",
    ),
    Fact("y", "Observation/nrs-1", short="pain before starting: pain 6/10 on 2026-08-24"),
    Fact("z", "Observation/nrs-2", short="pain now: pain 6/10 on 2026-10-29"),
)


def draft(next_step: str, *, gaps: tuple[str, ...] = (), conflict: bool = False) -> CardDraft:
    return CardDraft(
        rule_id="M2", topic="t", indicator="info", summary="s", title="t", why=FACTS,
        next_steps=(next_step,), avoid=(), evidence=(guideline("nice_ng59"),), gaps=gaps,
        conflict_now=GABAPENTINOIDS if conflict else None,
    )  # fmt: skip


def cut_lines(detail: str) -> list[str]:
    return [ln for ln in detail.split("\n") if ln.endswith("…") or ln.endswith("….")]


def test_a_long_next_step_loses_its_aside_not_its_end() -> None:
    detail = render_detail(draft(NEXT, conflict=True))
    assert not cut_lines(detail), detail
    assert len(detail) <= DETAIL_MAX and detail.endswith(ADVISORY)
    assert "**Next:** Re-evaluate why it failed" in detail


def test_a_conflict_line_is_whole_or_its_brief_never_half_a_disagreement() -> None:
    detail = render_detail(
        draft(
            "Reassess benefit now; if there is no ≥ 30 % or 2-point improvement, plan a taper.", conflict=True
        )
    )
    line = next(ln for ln in detail.split("\n") if ln.startswith("**Sources disagree:**"))
    assert line in (GABAPENTINOIDS.one_line, f"**Sources disagree:** {GABAPENTINOIDS.brief}")
    assert not cut_lines(detail)
    assert all(f.short in detail for f in FACTS)  # the deciding facts keep their room


SOURCE = re.compile(r"\b(?:NICE|CDC|ACR|ASRA|ASIPP|NASS|NACC|PRECISE|Khoromi|JAMA|Medicare)\b")


@pytest.mark.parametrize("conflict", ALL_CONFLICTS, ids=lambda c: c.topic)
def test_a_conflict_short_of_room_still_says_who_disagrees_on_what(conflict: Conflict) -> None:
    """Shrunk to a bare topic ("Sources disagree: Fusion.") a conflict line says nothing; its brief
    form names a source on each side of the ";" and fits where the whole line may not."""
    sides = conflict.brief.rstrip(".").split(";")
    assert len(sides) == 2 and all(SOURCE.search(side) for side in sides), conflict.brief
    assert len(conflict.brief) < len(conflict.line) <= 2 * DETAIL_MAX


def test_the_rfa_card_short_of_room_keeps_the_block_count_that_decides_coverage() -> None:
    from hooks.conflicts import RFA_SCOPE

    card = CardDraft(
        rule_id="order.rfa-no-block", topic="t", indicator="warning", summary="s", title="t",
        why=(
            Fact("Draft order: Radiofrequency ablation, lumbar facet L4-L5", "ServiceRequest/sr-rfa"),
            Fact("no positive diagnostic medial branch blocks on record; 1 required (≥ 50 % relief)"),
        ),
        next_steps=("Diagnostic lumbar medial branch block, recording % relief in the anaesthetic phase.",),
        avoid=(), evidence=(guideline("asra_facet_2020"),), conflict_now=RFA_SCOPE,
    )  # fmt: skip
    detail = render_detail(card)
    assert "Medicare requires two ≥ 80 %" in detail, detail
    assert f"**Sources disagree:** {RFA_SCOPE.topic}" not in detail


def test_a_long_gap_line_is_shortened_to_whole_items() -> None:
    gaps = (
        "record the outcome (NRS/ODI) of the transforaminal ESI left L5-S1 on 2026-08-04",
        "no pain score 14-42 days after the transforaminal ESI left L5-S1 on 2026-08-04",
    )
    detail = render_detail(draft(NEXT, gaps=gaps))
    assert not cut_lines(detail), detail
    assert detail.count("**Not recorded:**") == 1


def test_shorter_forms_never_cut_inside_parentheses_or_a_condition() -> None:
    forms = [
        f
        for f, _ in shorter_forms(
            "Reassess benefit now; if there is no ≥ 30 % or 2-point improvement, plan a taper."
        )
    ]
    assert "Reassess benefit now; if there is no ≥ 30 % or 2-point improvement." not in forms
    forms = [
        f
        for f, _ in shorter_forms(
            "Refer to a spine surgeon for discectomy or decompression (NASS 2014; NICE NG59)."
        )
    ]
    assert forms == [
        "Refer to a spine surgeon for discectomy or decompression (NASS 2014; NICE NG59).",
        "Refer to a spine surgeon for discectomy or decompression.",
    ]


def test_opioid_cards_keep_the_disagreement_and_a_whole_next_step() -> None:
    drug = "Hydrocodone 10 mg / acetaminophen 325 mg tablet from 2026-10-12"
    why = (
        Fact("a", "MedicationRequest/hydrocodone-1", short=drug),
        Fact("continuous opioid course of 22 days"),
        Fact("60 MME/day (CDC 2022 conversion factors)"),
    )
    card = CardDraft(
        rule_id="M1", topic="t", indicator="warning", summary="s", title="t", why=why,
        next_steps=("Reassess benefit (pain and function) against harm with the patient (CDC 2022).",),
        avoid=(), evidence=(guideline("cdc_opioids_2022"),), conflict_now=OPIOIDS,
    )  # fmt: skip
    detail = render_detail(card)
    assert not cut_lines(detail) and "**Sources disagree:**" in detail


# ---------------------------------------------------------------------------------------------
# 4. the card links what its next step cites


def test_s4_links_the_nass_guideline_its_next_step_cites() -> None:
    cards = run(
        radic(days=200),
        *conservative(190),
        cond("spon", "spondylolisthesis_instability", "M43.16", onset=180),
        report("xray", "72114", 170, "Anterolisthesis of L4 on L5, 4 mm in extension and 9 mm in flexion."),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=110, level="L4-L5"),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    c = card_of(cards, "S4")
    linked = {g.label for g in c.evidence}
    cited = set(re.findall(r"NASS \d{4}", " ".join([*c.next_steps, render_detail(c)])))
    assert cited and cited <= linked, (cited, linked)


# ---------------------------------------------------------------------------------------------
# 5. an earlier episode's injection is named, not "no injection on record"


def test_p1_names_an_earlier_episode_s_injection() -> None:
    old = proc("esi-old", "esi_transforaminal_lumbar", "64483", days=600, level="L5-S1")
    c = card_of(run(radic(days=60), *conservative(50), old, obs("p", "pain", 6, 2)), "P1")
    full = render_full(c)
    assert "no epidural steroid injection on record" not in full
    assert "no epidural steroid injection in this episode" in full and "treated an earlier episode" in full
    assert "Procedure/esi-old" in {r for f in c.why for r in f.refs}


def test_p2_names_an_earlier_episode_s_injection() -> None:
    old = proc("esi-old", "esi_transforaminal_lumbar", "64483", days=600, level="L5-S1")
    c = card_of(run(radic(days=100), *conservative(90), old), "P2")
    assert "treated an earlier episode" in render_full(c)


def test_p1_without_any_injection_still_says_none_on_record() -> None:
    c = card_of(run(radic(days=60), *conservative(50)), "P1")
    assert "no epidural steroid injection on record" in render_full(c)


# ---------------------------------------------------------------------------------------------


def test_the_new_wording_names_nothing_internal() -> None:
    cards = [
        *run(radic(days=10)),
        *run(radic(days=60), *conservative(50), report("mri", "72148", 10, MRI_TEXT)),
        *run(radic(days=50), obs("p", "pain", 6, 2)),
    ]
    for c in cards:
        assert not FORBIDDEN.search(c.summary + render_detail(c)), c.summary


# ---------------------------------------------------------------------------------------------
# 6. a clinician's review of the rendered cards: what the card shows carries its recommendation


PATHWAY_FIXTURES = Path(__file__).resolve().parent.parent / "fhir_fixtures" / "pathway"


@pytest.fixture
def shown(make_app: Callable[..., Flask]) -> Callable[[str], dict[str, dict[str, Any]]]:
    """The rendered cards of a pathway scenario, by state (the last card of a state wins)."""

    def post(scenario: str) -> dict[str, dict[str, Any]]:
        expected = json.loads((PATHWAY_FIXTURES / f"{scenario}.expected.json").read_text())
        app = make_app(settings_overrides={"evaluation_date": expected["evaluation_date"]})
        body = json.loads((PATHWAY_FIXTURES / expected["fixture"]).read_text())
        resp = app.test_client().post("/cds-services/radicular-pathway", json=body)
        assert resp.status_code == 200
        return {c["source"]["topic"]["code"]: c for c in resp.get_json()["cards"]}

    return post


def fact_lines(card: dict[str, Any]) -> list[str]:
    return [line for line in card["detail"].splitlines() if line.startswith("- ")]


def next_line(card: dict[str, Any]) -> str:
    return next(line for line in card["detail"].splitlines() if line.startswith("**Next:**"))


@pytest.mark.parametrize(
    ("scenario", "benzo"),
    [("m1_long_term_opioid_with_benzo", "diazepam-1"), ("m1_temazepam_with_opioid", "temazepam-1")],
)
def test_an_opioid_with_a_benzodiazepine_says_so_first(
    shown: Callable[[str], dict[str, dict[str, Any]]], scenario: str, benzo: str
) -> None:
    """CDC 2022 recommendation 11: the combination is the summary and the first step, and the
    benzodiazepine is among the facts shown."""
    m1 = shown(scenario)["M1"]
    assert "benzodiazepine" in m1["summary"]
    assert "benzodiazepine" in next_line(m1) and "recommendation 11" in next_line(m1)
    assert any(f"MedicationRequest/{benzo}" in f for f in fact_lines(m1)[:3])


@pytest.mark.parametrize(
    ("scenario", "state", "order"),
    [
        ("a1_failed_rfa_repeat_pending", "A1", "ServiceRequest/rfa-order-1"),
        ("f5_rfa_ordered_without_block", "F5", "ServiceRequest/rfa-order-1"),
        ("f5_facet_pain_esi_pending", "F5", "ServiceRequest/esi-order-1"),
    ],
)
def test_a_pending_order_the_card_warns_about_is_to_be_held(
    shown: Callable[[str], dict[str, dict[str, Any]]], scenario: str, state: str, order: str
) -> None:
    card = shown(scenario)[state]
    line = next(f for f in fact_lines(card) if order in f)
    assert "hold" in line
    assert next_line(card).startswith("**Next:** Hold the pending")


def test_f8_says_relief_was_short_lived_not_absent(shown: Callable[[str], dict[str, dict[str, Any]]]) -> None:
    four = shown("f8_four_esis_in_12_months")["F8"]
    assert "without ≥ 50 % relief" not in four["detail"] and "short-lived" in four["detail"]
    two = shown("f8_two_short_lived_esis_nine_weeks_apart")["F8"]
    assert "without benefit" not in two["summary"] and "short-lived" in two["summary"]
    assert "without ≥ 50 % relief" not in two["detail"]


@pytest.mark.parametrize(
    ("scenario", "injections"),
    [("f8_two_short_lived_esis_nine_weeks_apart", 2), ("f8_four_esis_in_12_months", 4)],
)
def test_f8_facts_name_the_injections_once_and_how_long_their_relief_lasted(
    shown: Callable[[str], dict[str, dict[str, Any]]], scenario: str, injections: int
) -> None:
    """The first fact names the injections and what decides them (relief that did not last); no
    later line repeats an injection the first names, and no single injection's early relief is shown
    alone, where it reads as a success."""
    f8 = shown(scenario)["F8"]
    lines = fact_lines(f8)
    refs = [f"Procedure/esi-{i}" for i in range(1, injections + 1)]
    assert all(r in lines[0] for r in refs)
    assert "short-lived" in lines[0] and "down to" in lines[0] and "weeks" in lines[0].split("down to")[1]
    for line in lines[1:]:
        assert not any(re.search(re.escape(r) + r"(?![\w.-])", line) for r in refs), line
        assert "→" not in line
    assert any("DiagnosticReport/mri-1" in line for line in lines), "the imaging the next step turns on"


def test_l1_next_step_shown_carries_the_intrathecal_sequence(
    shown: Callable[[str], dict[str, dict[str, Any]]],
) -> None:
    """PACC: psychological evaluation, an attempt to reduce systemic opioids, then a trial — all in
    the sentence the card shows, not cut to a heading at a colon. This chart's patient takes no
    opioid (none to reduce) and had the evaluation two years ago (a new one is asked for)."""
    step = next_line(shown("l1_neuromodulation_exhausted")["L1"])
    assert "…" not in step
    for words in ("sychological evaluation", "intrathecal", "trial"):
        assert words in step, words
    assert "reduce systemic opioids" not in step


def test_m1_with_a_benzodiazepine_shows_the_daily_dose(
    shown: Callable[[str], dict[str, dict[str, Any]]],
) -> None:
    """Oxycodone 10 mg every 6 hours is 60 MME/day: with a benzodiazepine the dose is among the facts
    the card shows (the combination's risk rises with it)."""
    m1 = shown("m1_long_term_opioid_with_benzo")["M1"]
    assert any("60 MME/day" in f for f in fact_lines(m1)[:3])
    assert any("MedicationRequest/diazepam-1" in f for f in fact_lines(m1)[:3])


def test_f8_with_a_working_stimulator_and_no_surgical_target_asks_for_no_surgical_opinion(
    shown: Callable[[str], dict[str, dict[str, Any]]],
) -> None:
    f8 = shown("f8_esi_ordered_despite_working_stimulator")["F8"]
    assert "surgical opinion" not in f8["summary"] and "timulator" in f8["summary"]
    assert "hold the ESI order" in f8["summary"]
    assert any("stimulator" in f for f in fact_lines(f8)[:3])
    assert "183546007" not in {
        c["code"] for s in f8.get("suggestions", []) for a in s["actions"]
        for c in (a.get("resource") or {}).get("code", {}).get("coding", [])
    }  # fmt: skip


def test_nerve_pain_medicines_are_worded_as_the_evidence_conflict(
    shown: Callable[[str], dict[str, dict[str, Any]]],
) -> None:
    """Gabapentinoids: NICE NG59 advises against and pregabalin failed in PRECISE 2017 (never "evidence is
    mixed"); duloxetine is "benefit unproven", with no pregabalin trial cited or linked, and 6 → 6
    on it leads with the taper; an antiepileptic card is titled for what it is."""
    for scenario in ("m2_gabapentin_with_p1", "m2_pregabalin_statement_contained"):
        m2 = shown(scenario)["M2"]
        assert "mixed" not in m2["summary"]
        assert "NICE NG59 advises against; pregabalin failed in PRECISE 2017" in m2["summary"]
    dul = shown("m2_duloxetine_with_p2")["M2"]
    assert "benefit unproven" in dul["summary"] and "PRECISE" not in dul["summary"] + dul["detail"]
    assert not any("PRECISE" in link["label"] for link in dul.get("links", []))
    assert next_line(dul).startswith("**Next:** Plan a supervised taper"), next_line(dul)
    carba = shown("m2_carbamazepine_only_radiculopathy")["M2"]
    assert carba["source"]["topic"]["display"] == "Antiepileptic for radicular pain"
    assert "NICE NG59 advises against antiepileptics" in carba["summary"]


def test_f2_summary_and_first_step_recommend_what_the_data_supports(
    shown: Callable[[str], dict[str, dict[str, Any]]],
) -> None:
    blind = shown("f2_blind_injection_only")["F2"]
    assert blind["summary"].startswith("The only ESI was") and "MRI first" in blind["summary"]
    assert "MRI" in next_line(blind)
    discordant = shown("f2_level_discordant")["F2"]
    recommended = [s["label"] for s in discordant["suggestions"] if s.get("isRecommended")]
    for label in recommended:  # whatever is recommended, the next step says
        assert ("nerve root block" in label) == ("nerve root block" in next_line(discordant)), label
    assert discordant["summary"].endswith("; next, an image-guided TFESI at the matching level")


def test_p1_without_conservative_care_asks_for_it_before_mri_or_injection(
    shown: Callable[[str], dict[str, dict[str, Any]]],
) -> None:
    p1 = shown("p1_low_dose_aspirin_is_not_analgesic_trial")["P1"]
    assert "no conservative care documented" in p1["summary"] and "ESI" not in p1["summary"]
    assert p1["source"]["topic"]["display"] == "Persistent radicular pain, conservative care not documented"
    assert "conservative care before MRI" in next_line(p1)
    # the one recommended button is the care the summary asks for, never the MRI it defers
    recommended = [s["label"] for s in p1["suggestions"] if s.get("isRecommended")]
    assert recommended == ["Refer to physiotherapy (active exercise programme)"], recommended
    assert not any("MRI" in s["label"] for s in p1["suggestions"])


def test_a_card_s_source_is_the_guideline_behind_its_advice(
    shown: Callable[[str], dict[str, dict[str, Any]]],
) -> None:
    si = shown("f5_si_joint_pain")["F5"]
    assert si["source"]["label"].endswith("Medicare SI-joint LCD")
    assert "NICE NG59" not in {link["label"] for link in si.get("links", [])}
    s4 = card_of(
        run(
            radic(days=200),
            *conservative(190),
            cond("spon", "spondylolisthesis_instability", "M43.16", onset=180),
            proc("esi-1", "esi_transforaminal_lumbar", "64483", days=110, level="L4-L5"),
            outcomes={"Procedure/esi-1": Outcome.FAILED},
        ),
        "S4",
    )
    assert s4.evidence[0].key == "nass_stenosis"


@pytest.mark.parametrize(
    "scenario",
    [
        "a1_failed_rfa_repeat_pending",
        "f5_si_joint_pain",
        "l1_neuromodulation_exhausted",
        "f8_esi_ordered_despite_working_stimulator",
        "r1_new_urinary_retention",
    ],
)
def test_short_forms_read_as_clinical_words_not_code_displays(
    shown: Callable[[str], dict[str, dict[str, Any]]], scenario: str
) -> None:
    for card in shown(scenario).values():
        detail = card["detail"]
        assert not re.search(r"outcome [A-Z]", detail), detail
        assert "not elsewhere classified" not in detail and "Other intervertebral" not in detail


def test_a_drg_trial_is_named_as_one(shown: Callable[[str], dict[str, dict[str, Any]]]) -> None:
    l1 = shown("l1_neuromodulation_exhausted")["L1"]
    line = next(f for f in fact_lines(l1) if "drg-trial-1" in f)
    assert "DRG stimulator trial" in line


def test_the_missing_opioid_dose_is_named_not_ordered() -> None:
    cards = run(
        radic(days=60),
        *conservative(50),
        med("tram", "rx_opioids", start=200, text="Tramadol 50 mg oral tablet"),
    )
    m1 = card_of(cards, "M1")
    assert "the daily opioid dose (needed for MME/day)" in m1.gaps
    assert not any(g.startswith("state ") for g in m1.gaps)


def test_f0_says_the_outcome_is_unrecorded_once_in_the_detail(
    shown: Callable[[str], dict[str, dict[str, Any]]],
) -> None:
    f0 = shown("f0_outcome_unrecorded_one_proxy")["F0"]
    assert "is not recorded" in f0["summary"]
    assert "Not recorded" not in f0["detail"]
    assert "outcome" not in next_line(f0)


def test_an_early_onset_is_counted_in_days_as_the_order_cards_count_it() -> None:
    """ "ESI 20 days after onset" beside "(20 days)", not "(2 weeks)"."""
    fact = context(radic(days=20)).onset_fact()
    assert "(20 days)" in fact.text and "(20 days)" in (fact.short or "")
    assert "(6 weeks)" in context(radic(days=45)).onset_fact().text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Other intervertebral disc displacement", "Intervertebral disc displacement"),
        ("Sacroiliitis, not elsewhere classified", "Sacroiliitis"),
    ],
)
def test_a_condition_s_short_form_drops_icd_boilerplate(text: str, said: str) -> None:
    c = cond("d", "lumbar_disc_displacement_without_radiculopathy", onset=20, text=text)
    short = context(radic(days=30), c).cond_fact(c).short or ""
    assert short.startswith(said) and "Other" not in short and "classified" not in short


def test_a_duloxetine_card_never_cites_a_pregabalin_trial_against_it() -> None:
    """PRECISE 2017 tested pregabalin and NICE NG59's "do not offer" names gabapentinoids: neither is
    a source against duloxetine or a tricyclic, whose conflict line cites the trial that tested one."""
    from hooks.conflicts import NEUROPATHIC_ANTIDEPRESSANTS

    for text in (NEUROPATHIC_ANTIDEPRESSANTS.line, NEUROPATHIC_ANTIDEPRESSANTS.brief,
                 NEUROPATHIC_ANTIDEPRESSANTS.against):  # fmt: skip
        assert "PRECISE" not in text and "NG59" not in text, text
    assert NEUROPATHIC_ANTIDEPRESSANTS.medications == ("rx_antidepressants_neuropathic",)
    assert GABAPENTINOIDS.medications == ("rx_gabapentinoids",)


def test_data_the_ehr_could_not_give_is_named_once_per_reason() -> None:
    """Two prefetch keys down for the same reason read as one item, so the next step keeps its room."""
    gaps = [
        "medicationRequests (unread: FHIR server answered 500)",
        "medicationStatements (unread: FHIR server answered 500)",
        "observations (unread: timed out)",
        "no lumbar imaging on record",
    ]
    assert not_recorded(gaps) == (
        "**Not recorded:** prescriptions and medication statements (could not be read: FHIR server answered "
        "500); pain and function scores and test results (could not be read: timed out); lumbar imaging."
    )
