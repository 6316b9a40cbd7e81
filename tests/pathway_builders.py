"""Hand-built patient histories for the pathway rule tests.

Facts are built directly (no FHIR parsing) with codes taken from the shipped value sets by name,
dates a fixed number of days before the frozen evaluation date, and an optional fake §3 assessor
so a test can state a treatment's outcome outright.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hooks.cards import DETAIL_MAX, SUMMARY_MAX, CardDraft, Fact, render_detail, render_full
from hooks.evaluation import EvaluationInput
from hooks.facts import (
    ConditionFact,
    EncounterFact,
    MedicationFact,
    ObservationFact,
    PatientFact,
    PatientHistory,
    ProcedureFact,
    ReportFact,
    ServiceRequestFact,
)
from hooks.pathway import evaluate_pathway, failure
from hooks.pathway.context import PathwayContext
from hooks.pathway.failure import Assessment, Modality, Outcome
from hooks.suggestions import ordered_codes
from hooks.terminology import Coding, default_terminology

TODAY = date(2026, 11, 2)
PATIENT = "pt-1"
TERM = default_terminology()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def code(value_set: str, member: str | None = None) -> Coding:
    """A coding from a value set: its first member, or the named member."""
    return TERM.first(value_set).coding() if member is None else TERM.coding(value_set, member)


def cond(
    ref: str,
    value_set: str,
    member: str | None = None,
    *,
    onset: int | None = 30,
    recorded: int | None = None,
    status: str | None = "active",
    verification: str | None = "confirmed",
    notes: Sequence[str] = (),
    text: str | None = None,
    abatement: int | None = None,
    category: Sequence[str] = ("problem-list-item",),
) -> ConditionFact:
    c = code(value_set, member)
    return ConditionFact(
        ref=f"Condition/{ref}",
        codings=(c,),
        text=text or c.display or c.code,
        clinical_status=status,
        verification_status=verification,
        categories=tuple(category),
        onset=ago(onset) if onset is not None else (ago(recorded) if recorded is not None else None),
        onset_text=None,
        recorded=ago(recorded) if recorded is not None else None,
        abatement=ago(abatement) if abatement is not None else None,
        notes=tuple(notes),
        onset_from_record=onset is None and recorded is not None,  # as the FHIR reader sets it
    )


def proc(
    ref: str,
    value_set: str,
    member: str | None = None,
    *,
    days: int = 30,
    status: str = "completed",
    level: str | None = None,
    laterality: str | None = None,
    notes: Sequence[str] = (),
    text: str | None = None,
    outcome: str | None = None,
    extra_codes: Sequence[Coding] = (),
) -> ProcedureFact:
    c = code(value_set, member)
    return ProcedureFact(
        ref=f"Procedure/{ref}",
        codings=(c, *extra_codes),
        text=text or c.display or c.code,
        status=status,
        performed=ago(days),
        performed_text=None,
        outcome=(code(outcome),) if outcome else (),
        level=level,
        laterality=laterality,
        notes=tuple(notes),
    )


def obs(ref: str, kind: str, value: float, days: int, *, part_of: Sequence[str] = ()) -> ObservationFact:
    vs = {
        "pain": "pain_intensity_observations",
        "odi": "odi_observations",
        "phq9": "phq9_observations",
        "gad7": "gad7_observations",
        "startback": "startback_observations",
    }.get(kind)
    codings = (code(vs),) if vs else ()
    return ObservationFact(
        ref=f"Observation/{ref}",
        codings=codings,
        text={"pain": "Pain severity", "odi": "ODI", "strength": "Ankle dorsiflexion strength (MRC)"}.get(
            kind, kind
        ),
        kind=kind,
        effective=ago(days),
        effective_text=None,
        value=value,
        status="final",
        part_of=tuple(part_of),
    )


def med(
    ref: str,
    value_set: str,
    member: str | None = None,
    *,
    start: int = 30,
    end: int | None = None,
    status: str = "active",
    daily_dose_mg: float | None = None,
    route: str | None = None,
    text: str | None = None,
) -> MedicationFact:
    c = code(value_set, member)
    return MedicationFact(
        ref=f"MedicationRequest/{ref}",
        resource_type="MedicationRequest",
        codings=(c,),
        ingredient_codings=(),
        text=text or c.display or c.code,
        status=status,
        intent="order",
        start=ago(start),
        end=ago(end) if end is not None else None,
        route_text=route,
        daily_dose_mg=daily_dose_mg,
    )


def order(
    ref: str,
    value_set: str,
    member: str | None = None,
    *,
    status: str = "active",
    authored: int = 5,
    notes: Sequence[str] = (),
) -> ServiceRequestFact:
    c = code(value_set, member)
    return ServiceRequestFact(
        ref=f"ServiceRequest/{ref}",
        codings=(c,),
        text=c.display or c.code,
        status=status,
        intent="order",
        authored=ago(authored),
        notes=tuple(notes),
    )


def report(ref: str, member: str, days: int, conclusion: str, *, title: str | None = None) -> ReportFact:
    vs = (
        "imaging_mri_lumbar"
        if member.startswith("7214") or member == "72158"
        else "imaging_ct_myelography_xray_lumbar"
    )
    c = code(vs, member)
    return ReportFact(
        ref=f"DiagnosticReport/{ref}",
        codings=(c,),
        text=title or c.display or c.code,
        status="final",
        effective=ago(days),
        conclusion=conclusion,
    )


def encounter(ref: str, days: int, text: str) -> EncounterFact:
    return EncounterFact(ref=f"Encounter/{ref}", status="finished", start=ago(days), text=text)


def history(*facts: Any, unavailable: Mapping[str, str] | None = None) -> PatientHistory:
    def of(kind: type) -> tuple[Any, ...]:
        items = [f for f in facts if isinstance(f, kind)]
        return tuple(items)

    return PatientHistory(
        patient=PatientFact(f"Patient/{PATIENT}"),
        conditions=of(ConditionFact),
        procedures=tuple(sorted(of(ProcedureFact), key=lambda p: p.performed or date.min)),
        observations=tuple(sorted(of(ObservationFact), key=lambda o: o.effective or date.min)),
        medications=of(MedicationFact),
        service_requests=of(ServiceRequestFact),
        reports=tuple(sorted(of(ReportFact), key=lambda r: r.effective or date.min)),
        encounters=of(EncounterFact),
        unavailable=dict(unavailable or {}),
    )


def make_input(
    *facts: Any, today: date = TODAY, unavailable: Mapping[str, str] | None = None
) -> EvaluationInput:
    return EvaluationInput(
        hook="patient-view",
        today=today,
        patient_id=PATIENT,
        user_id="Practitioner/1",
        encounter_id=None,
        history=history(*facts, unavailable=unavailable),
        terminology=TERM,
    )


def fake_assessor(inp: EvaluationInput, outcomes: Mapping[str, Outcome]):  # type: ignore[no-untyped-def]
    """§3 outcomes stated by the test (by procedure ref); anything not listed is really assessed."""

    def assess(p: ProcedureFact, modality: Modality) -> Assessment:
        if p.ref in outcomes:
            o = outcomes[p.ref]
            when = p.performed.isoformat() if p.performed else "undated"
            return Assessment(
                p, modality, o, "test",
                facts=(Fact(f"{p.text} on {when}; outcome {o.value}", p.ref),),
                gaps=(f"record the outcome (NRS/ODI) of the {p.text} on {when}",)
                if o in (Outcome.POSSIBLE_FAILED, Outcome.UNKNOWN) else (),
            )  # fmt: skip
        return failure.assess(p, modality, inp.history, inp.today, inp.thresholds, inp.terminology)

    return assess


def run(
    *facts: Any,
    outcomes: Mapping[str, Outcome] | None = None,
    today: date = TODAY,
    unavailable: Mapping[str, str] | None = None,
) -> list[CardDraft]:
    inp = make_input(*facts, today=today, unavailable=unavailable)
    return evaluate_pathway(inp, fake_assessor(inp, outcomes or {}))


def context(*facts: Any, outcomes: Mapping[str, Outcome] | None = None) -> PathwayContext:
    inp = make_input(*facts)
    return PathwayContext(inp, fake_assessor(inp, outcomes or {}))


def states(cards: Sequence[CardDraft]) -> list[str]:
    return [c.rule_id for c in cards]


def card_of(cards: Sequence[CardDraft], state: str) -> CardDraft:
    found = [c for c in cards if c.rule_id == state]
    assert found, f"no {state} card in {states(cards)}"
    return found[0]


def codes_of(card: CardDraft) -> set[str]:
    return {c for s in card.suggestions for _, c in ordered_codes(s)}


def refs_of(card: CardDraft) -> set[str]:
    return {f.ref for f in card.why if f.ref}


def with_level(p: ProcedureFact, level: str) -> ProcedureFact:
    return replace(p, level=level)


# Common backgrounds --------------------------------------------------------------------------


def radic(days: int = 30, **kw: Any) -> ConditionFact:
    return cond("radic-1", "lumbar_radiculopathy_conditions", "M54.17", onset=days, **kw)


def conservative(days: int = 100) -> list[Any]:
    """Physiotherapy from ``days`` ago for 6 weeks and an NSAID for 90 days."""
    return [
        proc("pt-1", "physical_therapy", "97161", days=days),
        proc("pt-2", "physical_therapy", "97110", days=days - 42),
        med("nsaid-1", "rx_nsaids", start=days, end=max(days - 90, 0)),
    ]


# ---------------------------------------------------------------------------------------------
# a TFESI that failed long ago beside a concordant extrusion (the refractory cards' chart)
# ---------------------------------------------------------------------------------------------

CONCORDANT_EXTRUSION = (
    "Left paracentral disc extrusion at L5-S1 compressing the traversing left S1 nerve root."
)
FAILED_TFESI = proc("esi-1", "esi_transforaminal_lumbar", "64483", days=700, level="L5-S1", laterality="left")


def sited_score(ref: str, value: float, days: int, site: str) -> ObservationFact:
    """A 0-10 pain score ``days`` ago whose body site is named ``site``."""
    return replace(obs(ref, "pain", value, days), body_site_text=site)


def leg_score(ref: str, value: float, days: int) -> ObservationFact:
    return sited_score(ref, value, days, "Left leg")


def failed_tfesi_chart(*extra: Any) -> list[CardDraft]:
    """A TFESI 700 days ago judged failed (leg pain 8 → 7.5), beside a concordant extrusion, with
    ``extra`` facts."""
    return run(
        radic(days=900), *conservative(880), report("mri", "72148", 705, CONCORDANT_EXTRUSION), FAILED_TFESI,
        leg_score("b", 8, 703), leg_score("w4", 7.5, 672), *extra,
        outcomes={FAILED_TFESI.ref: Outcome.FAILED},
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# reading a card as the clinician sees it
# ---------------------------------------------------------------------------------------------

# Words that name the internal sources: clinician-facing text cites public guidelines only.
INTERNAL_WORDS = ("seed", "decision model", "§")


def next_line(c: CardDraft) -> str:
    """The card's "Next:" line as the sidebar shows it."""
    (line,) = [t for t in render_detail(c).splitlines() if t.startswith("**Next:**")]
    return line


def card_words(c: CardDraft) -> str:
    """Everything a clinician can read on the card: summary, detail, full reasoning, suggestion
    labels and the notes on the orders they create."""
    notes = [n["text"] for s in c.suggestions for a in s.actions for n in (a.resource or {}).get("note", [])]
    return "\n".join([c.summary, render_detail(c), render_full(c), *(s.label for s in c.suggestions), *notes])


def assert_house_rules(c: CardDraft) -> None:
    """A card within its summary and detail budgets that names no internal source."""
    assert len(c.summary) <= SUMMARY_MAX
    assert len(render_detail(c)) <= DETAIL_MAX
    text = card_words(c).lower()
    for word in INTERNAL_WORDS:
        assert word not in text, word
