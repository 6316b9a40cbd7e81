"""A lumbar radicular diagnosis typed in words opens the gate (decision model §1.1.1) as the coded one.

EHR users type problem-list entries as free text ("Left L5 radiculopathy", "Sciatica, right leg"),
or an EHR codes them in a local system the value sets do not know. Such a Condition is read by its
words, and only then: a Condition with a code any value set knows is what its code says. The same
status rules as for coded Conditions apply (refuted, entered in error, resolved, inactive or abated
ones do not count), and a false card being the worst defect, the words are read narrowly: the
lumbar spine or the leg, never the neck; not denied, not history, not to be ruled out; nothing
when they name a cauda equina sign, a serious cause or a mimic.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from pathway_builders import TERM, cond, context, proc, run, states

from cds_service.fhir_facts import build_history
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from hooks import text
from hooks.facts import ConditionFact
from hooks.pathway.failure import Outcome
from hooks.terminology import Coding

LOCAL = "http://hospital.example.org/fhir/CodeSystem/problem-list"


def coded(member: str = "M54.16", *, onset: int = 70, **kw: Any) -> ConditionFact:
    """A radicular Condition coded from the value set."""
    return cond("radic-1", "lumbar_radiculopathy_conditions", member, onset=onset, **kw)


def in_words(words: str, *, onset: int = 70, codings: tuple[Coding, ...] = (), **kw: Any) -> ConditionFact:
    """The same Condition typed as free text: no coding, or only codings no value set knows."""
    return replace(coded(onset=onset, **kw), codings=codings, text=words)


def physiotherapy(first: int = 60) -> list[Any]:
    return [
        proc("pt-1", "physical_therapy", "97161", days=first),
        proc("pt-2", "physical_therapy", "97110", days=first - 40),
    ]


# ---------------------------------------------------------------------------------------------
# (a) the words open the gate and give the coded card
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(in_words("Left L5 radiculopathy"), id="text only"),
        pytest.param(
            in_words("Left L5 radiculopathy", codings=(Coding(LOCAL, "RAD-L5", "Left L5 radiculopathy"),)),
            id="local code only",
        ),
        pytest.param(in_words("Sciatica, right leg"), id="sciatica, right leg"),
    ],
)
def test_a_radicular_diagnosis_in_words_gives_the_card_of_the_coded_one(condition: ConditionFact) -> None:
    """Onset 10 weeks ago and physiotherapy on record: the card the same Condition coded M54.16 gets."""
    expected = states(run(coded(text=condition.text), *physiotherapy()))
    assert expected  # the coded Condition has a pathway card: the comparison means something
    assert states(run(condition, *physiotherapy())) == expected
    ctx = context(condition, *physiotherapy())
    assert ctx.gate_open and ctx.gate_conditions == (condition,)
    assert ctx.onset_condition is condition and ctx.symptom_days == 70


def test_the_card_says_the_diagnosis_was_recognised_from_its_words() -> None:
    """The fact that names the diagnosis says it was read from words, not a code; the coded one's
    fact says nothing of the kind."""
    (card,) = run(in_words("Left L5 radiculopathy"), *physiotherapy())
    onset = card.why[0]
    assert onset.ref == "Condition/radic-1"
    assert "recognised from its words" in onset.text and "Left L5 radiculopathy" in onset.text
    assert onset.short is not None and "in words only" in onset.short
    (plain,) = run(coded(text="Left L5 radiculopathy"), *physiotherapy())
    assert "words" not in plain.why[0].text and "words" not in (plain.why[0].short or "")
    ctx = context(in_words("Left L5 radiculopathy"), *physiotherapy())
    named = ctx.cond_fact(ctx.gate_conditions[0], "radicular diagnosis: ")
    assert "(in words only)" in (named.short or "") and "recognised from its words" in named.text


def test_the_fhir_reader_keeps_what_the_words_are_read_from() -> None:
    """From FHIR JSON: code.text with no coding, and a local coding's display with no text."""
    patient = {"resourceType": "Patient", "id": "p1"}
    typed = {
        "resourceType": "Condition",
        "id": "typed",
        "subject": {"reference": "Patient/p1"},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"text": "Left L5 radiculopathy"},
        "onsetDateTime": "2026-08-24",
    }
    local = {
        "resourceType": "Condition",
        "id": "local",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": LOCAL, "code": "SCI-R", "display": "Sciatica, right leg"}]},
        "onsetDateTime": "2026-08-24",
    }
    models = [get_fhir_model_class(r["resourceType"]).model_validate(r) for r in (patient, typed, local)]
    conditions = build_history(models, TERM).conditions
    ctx = context(*conditions, *physiotherapy())
    assert sorted(c.ref for c in ctx.gate_conditions) == ["Condition/local", "Condition/typed"]
    assert all(ctx.in_words_only(c) for c in ctx.gate_conditions)


def test_a_foot_drop_in_the_same_words_is_the_red_flag_inside_the_gate_it_opens() -> None:
    """The foot drop in words was read before (``red_flags.motor_deficit_conditions``) but R2 needs the
    gate: the words that open it now also raise the warning, which pre-empts the pathway card."""
    assert states(run(in_words("Left L5 radiculopathy with foot drop", onset=10))) == ["R2"]


# ---------------------------------------------------------------------------------------------
# (b) not the neck, not the thoracic spine
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "Cervical radiculopathy",
        "Radiculopathy, cervical region",
        "C6 radiculopathy, left arm",
        "Thoracic radiculopathy, T10",
        "Cervical radiculopathy, lumbar spondylosis",
        "Radiculopathy",  # no region: unspecified radiculopathy (M54.10) opens no gate either
        "Radicular pain",
    ],
)
def test_a_radiculopathy_outside_the_lumbar_spine_opens_no_gate(words: str) -> None:
    ctx = context(in_words(words), *physiotherapy())
    assert not ctx.gate_open
    assert run(in_words(words), *physiotherapy()) == []


# ---------------------------------------------------------------------------------------------
# (c) denied, ruled out, history; refuted, resolved, inactive, abated
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "No sciatica",
        "No radiculopathy",
        "L5-S1 disc herniation without radiculopathy",
        "Radiculopathy ruled out",
        "Lumbar radiculopathy excluded",
        "R/O lumbar radiculopathy",
        "History of sciatica",
        "Sciatica (resolved)",
        "Sciatica? no",
        "Low back pain",
        "Lumbar disc herniation",
    ],
)
def test_words_that_deny_doubt_or_do_not_name_the_diagnosis_open_no_gate(words: str) -> None:
    assert not context(in_words(words), *physiotherapy()).gate_open
    assert run(in_words(words), *physiotherapy()) == []


@pytest.mark.parametrize(
    "status",
    [
        {"verification": "refuted"},
        {"verification": "entered-in-error"},
        {"status": "resolved"},
        {"status": "inactive"},
        {"status": "remission"},
        {"abatement": 5},
    ],
    ids=lambda s: next(f"{k}={v}" for k, v in s.items()),
)
def test_the_status_rules_of_coded_conditions_apply_to_words(status: dict[str, Any]) -> None:
    """What closes the gate on the coded Condition closes it on the typed one."""
    assert not context(coded(**status), *physiotherapy()).gate_open
    assert not context(in_words("Left L5 radiculopathy", **status), *physiotherapy()).gate_open
    assert not context(in_words("History of sciatica", **status), *physiotherapy()).gate_open


# ---------------------------------------------------------------------------------------------
# (d) a known code decides: its words are not read
# ---------------------------------------------------------------------------------------------


def test_a_known_code_is_what_it_says_whatever_its_words() -> None:
    """A disc displacement coded without radiculopathy (M51.26, X1) stays X1 though its text names
    sciatica; a depression code (F32.x) with sciatica in its text is a depression."""
    x1 = cond(
        "disc", "lumbar_disc_displacement_without_radiculopathy", "M51.26", onset=70,
        text="L4-L5 disc herniation with left sciatica",
    )  # fmt: skip
    depression = cond(
        "mood", "psychosocial_diagnoses", "F32", onset=70, text="Depression, on leave with sciatica"
    )
    for c in (x1, depression):
        assert any(TERM.is_known(x.system, x.code) for x in c.codings)
        assert not context(c, *physiotherapy()).gate_open
        assert run(c, *physiotherapy()) == []


def test_words_are_read_only_for_conditions_without_a_known_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hot path: the words of a coded Condition are never tested (the value sets answered)."""
    from hooks.pathway import context as module

    read: list[str] = []

    def spy(*texts: str | None) -> bool:
        read.append(texts[0] or "")
        return text.names_lumbar_radicular(*texts)

    monkeypatch.setattr(module, "names_lumbar_radicular", spy)
    ctx = context(
        coded(text="Left L5 radiculopathy"),
        cond("mood", "psychosocial_diagnoses", "F32", text="Depression"),
        in_words("Sciatica, right leg"),
        *physiotherapy(),
    )
    assert ctx.gate_open
    assert read == ["Sciatica, right leg"]


def test_an_icd10cm_code_is_what_it_says_whatever_its_words() -> None:
    """Hypertension (ICD-10-CM I10) and asthma (J45.909) are in no value set of this project, but
    the value sets cover ICD-10-CM by category: an ICD-10-CM code they do not know is another
    diagnosis, and its words (a text naming sciatica) open no gate."""
    for code, name in (("I10", "Essential (primary) hypertension"), ("J45.909", "Unspecified asthma")):
        coding = Coding(ICD, code, name)
        assert not TERM.is_known(coding.system, coding.code)
        typed = in_words(f"{name}; sciatica", codings=(coding,))
        assert not context(typed, *physiotherapy()).gate_open


def test_a_snomed_concept_outside_the_value_sets_leaves_the_words_to_decide() -> None:
    """A SNOMED-only problem list may code sciatica with a concept the value sets do not list: its
    words decide, as they do for free text and local codes."""
    concept = Coding("http://snomed.info/sct", "999999999", "Sciatica")
    assert not TERM.is_known(concept.system, concept.code)
    assert context(in_words("Sciatica, right leg", codings=(concept,)), *physiotherapy()).gate_open


# ---------------------------------------------------------------------------------------------
# (e) side and level, read as they are for the coded Conditions
# ---------------------------------------------------------------------------------------------


def _failed_tfesi(side: str, level: str = "L5-S1") -> Any:
    return proc("esi-1", "esi_transforaminal_lumbar", "64483", days=40, level=level, laterality=side)


@pytest.mark.parametrize(("side", "agrees", "state"), [("right", False, "F2"), ("left", True, "F4")])
def test_the_side_is_read_from_the_words_as_from_a_coded_display(side: str, agrees: bool, state: str) -> None:
    """A failed right L5-S1 TFESI for "Left L5 radiculopathy" missed the side (F2: an inadequate
    trial), as it does for the coded "Sciatica, left side" (M54.32), whose side is its display's."""
    esi = _failed_tfesi(side)
    failed = {"Procedure/esi-1": Outcome.FAILED}
    for c in (coded("M54.32", onset=150), in_words("Left L5 radiculopathy", onset=150)):
        ctx = context(c, esi, *physiotherapy(140), outcomes=failed)
        verdict = ctx.esi_level_concordance(esi)
        assert verdict.concordant is agrees
        assert [f.ref for f in verdict.facts] == ["Condition/radic-1"]
        assert states(run(c, esi, *physiotherapy(140), outcomes=failed)) == [state]
    unsided = in_words("L5 radiculopathy", onset=150)
    assert context(unsided, esi, *physiotherapy(140)).esi_level_concordance(esi).concordant is None


def test_the_level_is_read_from_the_body_site_as_for_the_coded_ones() -> None:
    """A level in the body site counts for the typed Condition as for the coded one (an injection at
    L5-S1 for a left L3-L4 radiculopathy is discordant); a coded Condition's level is never read from
    its text, and neither is the typed one's (the two are read alike)."""
    esi = _failed_tfesi("left")
    for c in (coded("M54.30"), in_words("Sciatica")):
        sited = replace(c, body_site_text="Left L3-L4")
        assert context(sited, esi).esi_level_concordance(esi).concordant is False
    assert context(in_words("Left L3-L4 radiculopathy"), esi).esi_level_concordance(esi).concordant is True


# ---------------------------------------------------------------------------------------------
# the words: what is named and what is not
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "named"),
    [
        # lumbar radiculopathy, sciatica, radicular leg pain, roots, discs with radiculopathy
        ("Left L5 radiculopathy", True),
        ("Sciatica, right leg", True),
        ("Sciatica", True),
        ("Left sciatica", True),
        ("Lumbar radiculopathy", True),
        ("Lumbosacral radiculitis", True),
        ("S1 radiculopathy", True),
        ("Radiculopathy, left leg", True),
        ("Radicular leg pain", True),
        ("Radicular pain, lower extremities", True),
        ("Low back pain with radiculopathy", True),
        ("L4-5 disc prolapse with left L5 radiculopathy", True),
        ("Lumbar disc herniation with sciatica", True),
        ("Right S1 nerve root irritation", True),
        ("Compression of lumbar nerve root", True),
        ("L5 root impingement, left", True),
        ("Cervical and lumbar radiculopathy", True),
        ("Sciatica, no bladder or bowel symptoms", True),
        ("Sciatica not resolved", True),
        ("45 year old with sciatica", True),
        ("?sciatica", True),  # no doubt in hooks.text: a provisional coded diagnosis opens the gate too
        # not lumbar
        ("Cervical radiculopathy", False),
        ("C6 radiculopathy, left arm", False),
        ("Thoracic radiculopathy, T10", False),
        ("Radiculopathy, cervical region, left leg pain", False),
        ("Radiculopathy", False),
        ("Radicular pain", False),
        ("Radicular pain, no leg pain", False),
        # denied, history, to be ruled out
        ("No sciatica", False),
        ("Denies sciatica", False),
        ("Sciatica? no", False),
        ("Radiculopathy ruled out", False),
        ("Rule out L5 radiculopathy", False),
        ("History of sciatica", False),
        ("h/o lumbar radiculopathy", False),
        ("Previous sciatica", False),
        ("Resolved sciatica", False),
        ("Sciatica - resolved", False),
        # back pain, discs and stenosis without a root
        ("Low back pain", False),
        ("Lumbago", False),
        ("Lumbar disc herniation", False),
        ("L5-S1 disc herniation without radiculopathy", False),
        ("Non-radicular low back pain", False),
        ("Lumbar spinal stenosis", False),
        # mimics, serious causes and cauda equina signs: another question
        ("Sciatica-like pain", False),
        ("Pseudo-sciatica", False),
        ("Sciatic neuropathy", False),
        ("Piriformis syndrome with sciatica", False),
        ("Diabetic lumbar radiculopathy", False),
        ("Polyradiculopathy, lumbar", False),
        ("Herpes zoster radiculitis L3", False),
        ("L5 radiculopathy due to metastatic disease", False),
        ("Cauda equina syndrome with bilateral sciatica", False),
        ("Sciatica with urinary retention", False),
    ],
)
def test_names_lumbar_radicular(words: str, named: bool) -> None:
    assert text.names_lumbar_radicular(words) is named


def test_every_lumbar_display_of_the_value_set_is_named_in_words() -> None:
    """A Condition that carries a value-set concept's name under a code the value sets do not know
    (another system URI, a local copy) is recognised; cervical and thoracic ICD-10-CM displays are
    not. The one SNOMED display that names no root ("Neurologic disorder due to degeneration of
    lumbar intervertebral disc") is left to its code."""
    unnamed = [
        m.display
        for m in TERM["lumbar_radiculopathy_conditions"].members
        if m.display and not text.names_lumbar_radicular(m.display)
    ]
    assert unnamed == ["Neurologic disorder due to degeneration of lumbar intervertebral disc"]
    for display in (
        "Radiculopathy, cervical region",
        "Radiculopathy, cervicothoracic region",
        "Radiculopathy, thoracic region",
        "Cervical disc disorder with radiculopathy",
    ):
        assert not text.names_lumbar_radicular(display)


# ---------------------------------------------------------------------------------------------
# the relevance screen in front of the service
# ---------------------------------------------------------------------------------------------


def test_the_relevance_screen_keeps_a_radicular_diagnosis_typed_in_words() -> None:
    from cds_service.relevance import is_relevant

    raw = {"resourceType": "Condition", "id": "c", "code": {"text": "Left L5 radiculopathy"}}
    assert is_relevant(raw, TERM)
