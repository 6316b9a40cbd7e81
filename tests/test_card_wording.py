"""What a clinician reads on a card is said the way a clinician says it: durations in the unit that
fits ("10 days", "23 months", never "1 weeks" or "100 weeks"), a "Not recorded" line that names
missing data rather than giving an order, no detail line cut mid-sentence, a citation the card
links, and an earlier episode's injection named as such rather than hidden."""

from __future__ import annotations

import re

import pytest
from pathway_builders import card_of, cond, conservative, obs, proc, radic, report, run, states

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
from hooks.conflicts import NEUROPATHIC_AGENTS, OPIOIDS
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
    """"Not recorded: lumbar imaging on record" says the opposite of the gap it came from."""
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
        conflict_now=NEUROPATHIC_AGENTS if conflict else None,
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
    assert line in (NEUROPATHIC_AGENTS.one_line, f"**Sources disagree:** {NEUROPATHIC_AGENTS.brief}")
    assert not cut_lines(detail)
    assert all(f.short in detail for f in FACTS)  # the deciding facts keep their room


SOURCE = re.compile(r"\b(?:NICE|CDC|ACR|ASRA|ASIPP|NASS|NACC|PRECISE|JAMA|Medicare)\b")


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
