# ruff: noqa: E501 -- clinical narrative (report conclusions, notes, rationales) reads better unbroken
"""Write the radiculopathy-pathway scenario fixtures: one CDS Hooks patient-view request per
scenario (``<slug>.json``) and its expected outcome (``<slug>.expected.json``).

The JSON files are the committed fixtures; this script only keeps them consistent. Every date in
the output is absolute: each scenario states its frozen evaluation date and places every event a
fixed number of days before it (``ago(n)``), so the files never depend on the day they are made.
Patients, practitioners and ids are synthetic.

Run from the repository root::

    python fhir_fixtures/pathway/make_fixtures.py

Every clinical code written is checked against the shipped value sets (hooks/valuesets/data, via
fhir_fixtures/fhir_builder.py), so a fixture can only use codes the service knows.

Adding a scenario
-----------------
Write one function below, in the section of its state; its name is the slug (the file names), its
docstring the title::

    @scenario(given="Ada", gender="female", birth="1970-01-01")
    def f3_failed_tfesi_example(s: Scenario) -> None:
        '''Failed right L5-S1 TFESI with a concordant extrusion, never referred'''
        rad, rep = radiculopathy_with_concordant_extrusion(s, onset=160, side="Right")
        esi = tfesi(s, "esi-1", 70, "Right L5-S1", reason=[rad])
        s.pain_around(esi, before=(8, 72), after=[(7, 50), (7, 40)])
        s.expect([card("F3", "warning", refs=[esi, rep])], rationale="...")

Build the chart from the named set-ups (``radic``, ``conservative_care``, ``prescribe``, ``tfesi``,
``ilesi``, ``mri``, ``s.pain_around``, the patient set-ups such as ``early_sciatica`` or
``chronic_radiculopathy_without_target``) and the ``Scenario`` methods for anything else; days are
counted back from the evaluation date. Then run this script, check the new files and commit them
with the script. A code outside the value sets fails the run: add it to the value sets first, or,
for a deliberately unknown code, build the coding with ``fb.unchecked_coding`` and say why.
"""

from __future__ import annotations

import inspect
import json
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from fhir_fixtures import fhir_builder as fb  # noqa: E402 -- the repository root is on the path only now
from fhir_fixtures.fhir_builder import cpt, icd, rx, sct  # noqa: E402

EVAL = date(2026, 11, 2)  # frozen evaluation date shared by the scenarios (a Monday)
FHIR_BASE = "https://ehr.example.org/fhir"
NS = uuid.UUID("6f1d3c2e-8a4b-4c1d-9e77-2b5a0c9d4e10")
REQUESTER = {"reference": "Practitioner/pr-synthetic-1", "display": "Dr. Example Clinician"}


def _prefetch_keys() -> tuple[str, ...]:
    from hooks.registry import history_prefetch
    from hooks.terminology import default_terminology

    return tuple(history_prefetch(default_terminology()))


PREFETCH_KEYS = _prefetch_keys()


# Forbidden-suggestion groups (codes a card must never offer in a given situation)
ESI_ALL = ["62322", "62323", "62326", "62327", "64483", "64484"]
ESI_REPEAT = ["62322", "62323", "62326", "62327", "64484"]  # 64483 may be a diagnostic SNRB
BLIND_ESI = ["62322", "62326"]
PT = ["97161", "97162", "97163", "97110", "97112", "97140", "97530", "306170007", "308447003"]
SCS = ["63650", "63655", "63685"]
SCS_PERMANENT = ["63655", "63685"]
RFA = ["64635", "64636", "64625"]
IDD = ["62350", "62351", "62360", "62361", "62362"]
FUSION = ["22612", "22614", "22630", "22632", "22633", "22634", "22558"]
MRI_ANY = ["72148", "72149", "72158"]
IMAGING_ANY = [*MRI_ANY, "72131", "72132", "72133", "62304", "72100", "72110", "72114", "72120"]
OPIOIDS = ["7804", "5489", "7052", "3423", "4337", "10689", "787390", "6813", "2670", "7814", "1819"]
GABAPENTINOIDS = ["25480", "187832"]
NEUROPATHIC = [*GABAPENTINOIDS, "72625", "39786", "7531", "704"]
ORAL_STEROIDS = ["8640", "6902", "3264", "8638"]
EXPLANT = ["63661", "63662", "63688"]
EMG = ["95907", "95908", "95909", "95910", "95911", "95912", "95913", "95885", "95886"]
MBB = ["64493", "64494", "64495"]
SPINE_REFERRAL = ["183546007", "183545006", "308482002", "308481009"]
PAIN_REFERRAL = ["306109009", "183568002", "306265007", "183868005"]
SPECIALIST_REFERRAL = [*SPINE_REFERRAL, *PAIN_REFERRAL]
CBT_OR_PSYCH = [
    "308459004",
    "309625004",
    "90791",
    "90792",
    "96130",
    "96131",
    "90832",
    "90834",
    "90837",
    "96158",
]
DECOMPRESSION_OR_MILD = ["0275T", "G0276", "63047", "63005", "63017", *SPINE_REFERRAL]
RED_FLAG_UNSAFE = [*ESI_ALL, *PT, *SCS, *RFA, *IDD, *FUSION, *OPIOIDS, "0275T", "64493", "64494"]


# ---------------------------------------------------------------------------------------------
# A scenario: the patient's record as FHIR R4 resources, and the expected cards
# ---------------------------------------------------------------------------------------------


class Scenario:
    def __init__(self, slug: str, title: str, *, given: str, gender: str, birth: str, today: date = EVAL):
        self.slug = slug
        self.title = title
        self.today = today
        self.pid = f"pt-{slug.replace('_', '-')}"
        # every prefetch key of the pathway service's templates ("patient" is the Patient itself)
        self.keys: dict[str, list[dict[str, Any]]] = {k: [] for k in PREFETCH_KEYS if k != "patient"}
        self.patient = {
            "resourceType": "Patient",
            "id": self.pid,
            "meta": fb.profile("us-core-patient"),
            "identifier": [
                {
                    "system": "https://ehr.example.org/mrn",
                    "value": f"SYN-{uuid.uuid5(NS, slug).hex[:8].upper()}",
                }
            ],
            "name": [{"use": "official", "family": "Synthetic", "given": [given]}],
            "gender": gender,
            "birthDate": birth,
        }
        self.expected: dict[str, Any] = {}

    # -- dates ----------------------------------------------------------------------------------

    def ago(self, days: int) -> str:
        """The absolute date ``days`` before the evaluation date (negative = in the future)."""
        return (self.today - timedelta(days=days)).isoformat()

    def at(self, days: int, hhmm: str = "09:30") -> str:
        return f"{self.ago(days)}T{hhmm}:00Z"

    @property
    def subject(self) -> dict[str, str]:
        return {"reference": f"Patient/{self.pid}"}

    # -- resources ------------------------------------------------------------------------------

    def add(self, key: str, resource: dict[str, Any]) -> str:
        """File ``resource`` under prefetch ``key``; its reference."""
        self.keys[key].append(resource)
        return fb.ref_of(resource)

    def condition(
        self,
        rid: str,
        codings: Sequence[dict[str, str]],
        text: str,
        *,
        onset: int | str | None,
        recorded: int | None = None,
        clinical: str = "active",
        verification: str = "confirmed",
        category: str = "problem-list-item",
        abatement: int | None = None,
        body_site: str | None = None,
        note: str | None = None,
    ) -> str:
        """``onset`` in days ago, or a partial date as some EHRs send it (e.g. "2026-07")."""
        rec = recorded if recorded is not None else (onset if isinstance(onset, int) else None)
        kind = "encounter-diagnosis" if category == "encounter-diagnosis" else "problems-health-concerns"
        return self.add(
            "conditions",
            fb.condition(
                rid,
                fb.concept(*codings, text=text),
                self.subject,
                meta=fb.profile(f"us-core-condition-{kind}"),
                clinical=clinical,
                verification=verification,
                category=category,
                body_site=body_site,
                onset=self.ago(onset) if isinstance(onset, int) else onset,
                abatement=self.ago(abatement) if abatement is not None else None,
                recorded=self.at(rec, "10:15") if rec is not None else None,
                note=note,
            ),
        )

    def procedure(
        self,
        rid: str,
        codings: Sequence[dict[str, str]],
        text: str,
        *,
        performed: int,
        until: int | None = None,
        status: str = "completed",
        body_site: str | None = None,
        outcome: str | None = None,
        reason: Iterable[str] = (),
        note: str | None = None,
    ) -> str:
        start = self.at(performed, "08:45")
        return self.add(
            "procedures",
            fb.procedure(
                rid,
                fb.concept(*codings, text=text),
                self.subject,
                meta=fb.profile("us-core-procedure"),
                status=status,
                performed=start,
                period=(start, self.at(until, "16:00")) if until is not None else None,
                body_site=body_site,
                outcome=fb.outcome(outcome) if outcome else None,
                reason=reason,
                note=note,
            ),
        )

    def pt_course(
        self, start: int, weeks: int = 6, *, reason: Iterable[str] = (), prefix: str = "pt"
    ) -> list[str]:
        """A physiotherapy evaluation and weekly therapeutic exercise sessions over ``weeks`` weeks."""
        refs = [
            self.procedure(
                f"{prefix}-eval",
                [cpt("97161")],
                "Physical therapy evaluation, low complexity",
                performed=start,
                reason=reason,
            )
        ]
        for w in range(1, weeks + 1):
            refs.append(
                self.procedure(
                    f"{prefix}-{w}",
                    [cpt("97110")],
                    "Therapeutic exercise (directional preference, nerve mobilisation)",
                    performed=start - 7 * w,
                    reason=reason,
                )
            )
        return refs

    def observation(
        self,
        rid: str,
        loinc: str,
        value: float,
        *,
        when: int,
        as_integer: bool = False,
        unit: str = "{score}",
        body_site: str | None = None,
        part_of: str | None = None,
        note: str | None = None,
    ) -> str:
        return self.add(
            "observations",
            fb.observation(
                rid,
                fb.concept(fb.loinc(loinc)),
                self.subject,
                category="survey",
                effective=self.at(when, "11:00"),
                value=value,
                integer=as_integer,
                unit=unit,
                body_site=body_site,
                part_of=part_of,
                note=note,
            ),
        )

    def strength(self, rid: str, grade: int, when: int, muscle: str) -> str:
        """A manual muscle test grade (MRC 0-5). No verified LOINC code exists, so it is named by text."""
        return self.add(
            "examObservations",
            fb.observation(
                rid,
                {"text": f"{muscle} strength (MRC grade 0-5)"},
                self.subject,
                category="exam",
                effective=self.at(when, "11:30"),
                value=grade,
                integer=True,
            ),
        )

    def nrs(
        self,
        rid: str,
        value: int,
        when: int,
        *,
        part_of: str | None = None,
        leg: bool = True,
        as_integer: bool = False,
    ) -> str:
        return self.observation(
            rid,
            fb.PAIN_NRS,
            value,
            when=when,
            part_of=part_of,
            as_integer=as_integer,
            body_site="Leg (radicular pain)" if leg else "Lower back",
        )

    def scores(self, *points: tuple[int, int], part_of: str | None = None, leg: bool = True) -> list[str]:
        """NRS pain scores ``(value, days ago)``, numbered on from the scenario's last ``nrs-N``."""
        return [self.nrs(self._next_id("nrs"), v, when, part_of=part_of, leg=leg) for v, when in points]

    def pain_around(
        self,
        ref: str,
        *,
        before: tuple[int, int] | None = None,
        after: Sequence[tuple[int, int]] = (),
        leg: bool = True,
    ) -> str:
        """The pain scores that judge a procedure: the baseline ``before`` it and the follow-up
        scores ``after`` it (each ``partOf`` the procedure). Returns ``ref``."""
        if before is not None:
            self.scores(before, leg=leg)
        self.scores(*after, part_of=ref, leg=leg)
        return ref

    def _next_id(self, prefix: str) -> str:
        taken = [r["id"] for rs in self.keys.values() for r in rs]
        n = sum(1 for rid in taken if rid.startswith(f"{prefix}-") and rid[len(prefix) + 1 :].isdigit())
        return f"{prefix}-{n + 1}"

    def odi(self, rid: str, value: int, when: int) -> str:
        return self.observation(rid, "97909-6", value, when=when, unit="%")

    def med_request(
        self,
        rid: str,
        rxcode: str,
        text: str,
        *,
        authored: int,
        days: int,
        dose_mg: float,
        per_day: int,
        status: str | None = None,
        repeats: int = 0,
        note: str | None = None,
    ) -> str:
        """An outpatient prescription: ``days`` of supply per fill, ``repeats`` refills (validity covers all)."""
        end = authored - days * (repeats + 1)  # in days before the evaluation date
        return self.add(
            "medicationRequests",
            fb.medication_request(
                rid,
                fb.concept(rx(rxcode), text=text),
                self.subject,
                meta=fb.profile("us-core-medicationrequest"),
                status=status or ("active" if end <= 0 else "completed"),
                category="outpatient",
                authored=self.ago(authored),
                requester=REQUESTER,
                dosage_instruction=[
                    fb.dosage(
                        dose_mg, per_day, f"{dose_mg:g} mg by mouth {per_day} times daily", route="oral"
                    )
                ],
                dispense={
                    "validityPeriod": {"start": self.ago(authored), "end": self.ago(end)},
                    "numberOfRepeatsAllowed": repeats,
                    "expectedSupplyDuration": fb.days(days),
                },
                note=note,
            ),
        )

    def service_request(
        self,
        rid: str,
        codings: Sequence[dict[str, str]],
        text: str,
        *,
        authored: int,
        status: str = "active",
        occurrence: int | None = None,
        reason: Iterable[str] = (),
        note: str | None = None,
        priority: str = "routine",
    ) -> str:
        return self.add(
            "serviceRequests",
            fb.service_request(
                rid,
                fb.concept(*codings, text=text),
                self.subject,
                status=status,
                priority=priority,
                authored=self.at(authored, "14:20"),
                requester=REQUESTER,
                occurrence=self.at(occurrence, "08:00") if occurrence is not None else None,
                reason=reason,
                note=note,
            ),
        )

    def encounter(self, rid: str, service: str, *, when: int, reason: Iterable[str] = ()) -> str:
        """A finished ambulatory visit with a named service (e.g. "Spine surgery clinic")."""
        return self.add(
            "encounters",
            fb.encounter(
                rid,
                self.subject,
                meta=fb.profile("us-core-encounter"),
                service=service,
                start=self.at(when, "10:00"),
                end=self.at(when, "10:40"),
                reason=reason,
            ),
        )

    def referral(
        self,
        kind: str,
        *,
        authored: int,
        rid: str | None = None,
        status: str = "completed",
        reason: Iterable[str] = (),
        note: str | None = None,
    ) -> str:
        code, text = {
            "pain": ("306109009", "Referral to pain management service"),
            "surgery": ("183546007", "Referral to spine surgery (neurosurgery)"),
        }[kind]
        return self.service_request(
            rid or f"referral-{kind}-1",
            [sct(code)],
            text,
            authored=authored,
            status=status,
            reason=reason,
            note=note,
        )

    def report(self, rid: str, cpt_code: str, title: str, *, when: int, conclusion: str) -> str:
        return self.add(
            "diagnosticReports",
            fb.diagnostic_report(
                rid,
                fb.concept(cpt(cpt_code), text=title),
                self.subject,
                meta=fb.profile("us-core-diagnosticreport-note"),
                category=[fb.concept(fb.loinc("LP29684-5"), fb.coding(fb.V2_0074, "RAD"))],
                effective=self.at(when, "07:30"),
                issued=self.at(when, "15:10"),
                performer="Example Radiology Group",
                conclusion=conclusion,
            ),
        )

    # -- expectations ---------------------------------------------------------------------------

    def expect(
        self,
        cards: Sequence[dict[str, Any]] = (),
        *,
        rationale: str,
        optional: Sequence[dict[str, Any]] = (),
        forbidden_codes: Iterable[str] = (),
        forbidden_states: Iterable[str] = (),
    ) -> None:
        self.expected = {
            "scenario": self.slug,
            "title": self.title,
            "fixture": f"{self.slug}.json",
            "service": "radicular-pathway",
            "evaluation_date": self.today.isoformat(),
            "cards": list(cards),
            "optional_cards": list(optional),
            "forbidden_suggestion_codes": sorted(set(forbidden_codes)),
            "forbidden_states": sorted(set(forbidden_states)),
            "rationale": rationale,
        }

    # -- output ---------------------------------------------------------------------------------

    def request(self) -> dict[str, Any]:
        prefetch: dict[str, Any] = {"patient": self.patient}
        for key, resources in self.keys.items():
            prefetch[key] = fb.searchset(resources, base=FHIR_BASE, self_link=True, search_mode=True)
        return {
            "hookInstance": str(uuid.uuid5(NS, self.slug)),
            "hook": "patient-view",
            "context": {"userId": "Practitioner/pr-synthetic-1", "patientId": self.pid},
            "prefetch": prefetch,
        }


def card(
    state: str,
    indicator: str | list[str],
    *,
    refs: Sequence[str] = (),
    refs_any: Sequence[str] = (),
    codes: Sequence[str] = (),
    codes_any: Sequence[Sequence[str]] = (),
    conflict: bool = False,
    mentions: Sequence[str] = (),
) -> dict[str, Any]:
    """An expected card: its state id, indicator (or the acceptable ones), the resource references
    its detail must name (all of ``refs``, at least one of ``refs_any``), the suggestion codes it
    must offer (all of ``codes``, and at least one code of each group in ``codes_any``), and
    whether it must show where the sources disagree; ``mentions`` are words or dates the detail
    must contain (case-insensitive), e.g. the date of an injection whose outcome must be recorded."""
    out: dict[str, Any] = {"state": state, "indicator": indicator}
    if refs:
        out["detail_refs"] = list(refs)
    if refs_any:
        out["detail_refs_any"] = list(refs_any)
    if codes:
        out["suggestion_codes"] = list(codes)
    if codes_any:
        out["suggestion_code_groups"] = [list(g) for g in codes_any]
    if conflict:
        out["shows_disagreement"] = True
    if mentions:
        out["detail_mentions"] = list(mentions)
    return out


SCENARIOS: list[Callable[[], Scenario]] = []


def scenario(
    make: Callable[[], Scenario] | None = None, /, **patient: str
) -> Any:  # a registered maker, or a decorator that makes one
    """Register a scenario. Usually ``@scenario(given=..., gender=..., birth=...)`` on a function
    ``name(s)`` that fills ``s``: the function's name is the slug, its docstring the title. Bare
    ``@scenario`` registers a function that builds and returns its own Scenario."""
    if make is not None:
        SCENARIOS.append(make)
        return make

    def register(fill: Callable[[Scenario], None]) -> Callable[[], Scenario]:
        def build() -> Scenario:
            s = Scenario(fill.__name__, inspect.cleandoc(fill.__doc__ or ""), **patient)
            fill(s)
            return s

        build.__name__ = fill.__name__
        SCENARIOS.append(build)
        return build

    return register


# ---------------------------------------------------------------------------------------------
# Shared building blocks
# ---------------------------------------------------------------------------------------------

# Oral drugs the scenarios prescribe: RxNorm code (from the value sets), product, dose in mg, doses a day
DRUGS = {
    "naproxen": ("7258", "Naproxen 500 mg oral tablet", 500, 2),
    "ibuprofen": ("5640", "Ibuprofen 400 mg oral tablet", 400, 3),
    "meloxicam": ("41493", "Meloxicam 15 mg oral tablet", 15, 1),
    "celecoxib": ("140587", "Celecoxib 200 mg oral capsule", 200, 1),
    "gabapentin": ("25480", "Gabapentin 300 mg oral capsule", 300, 3),
    "duloxetine": ("72625", "Duloxetine 60 mg delayed-release oral capsule", 60, 1),
    "diazepam": ("3322", "Diazepam 5 mg oral tablet", 5, 2),
    "tramadol": ("10689", "Tramadol hydrochloride 50 mg oral tablet", 50, 4),
    "hydrocodone": ("5489", "Hydrocodone bitartrate 10 mg / acetaminophen 325 mg oral tablet", 10, 6),
    "oxycodone": ("7804", "Oxycodone hydrochloride 10 mg oral tablet", 10, 4),
}
NSAIDS = ("naproxen", "ibuprofen", "meloxicam", "celecoxib")


# The SNOMED CT concept each radicular ICD-10-CM code is sent with (both from the value sets)
RADICULAR_SNOMED = {
    "M54.16": "128196005",  # lumbar radiculopathy
    "M54.17": "2415007",  # lumbosacral radiculopathy
    "M51.16": "311211000119105",  # lumbar disc disorder with radiculopathy
    "M51.17": "202735001",  # lumbosacral disc prolapse with radiculopathy
    "M54.32": "23056005",  # sciatica
    "M54.41": "23056005",
    "M54.42": "23056005",
}


def radic(s: Scenario, icd_code: str, *, onset: int | str, rid: str = "radic-1", **kw: Any) -> str:
    """A lumbar radicular Condition coded US Core style: ICD-10-CM and SNOMED CT together."""
    codings = [icd(icd_code), sct(RADICULAR_SNOMED[icd_code])]
    return s.condition(rid, codings, fb.display(fb.ICD10CM, icd_code), onset=onset, **kw)


def prescribe(
    s: Scenario,
    drug: str,
    *,
    authored: int,
    days: int = 30,
    repeats: int = 0,
    rid: str | None = None,
    **kw: Any,
) -> str:
    """A prescription of one of DRUGS ``authored`` days ago: ``days`` of supply and ``repeats`` refills."""
    code, text, dose, per_day = DRUGS[drug]
    return s.med_request(
        rid or f"{drug}-1",
        code,
        text,
        authored=authored,
        days=days,
        dose_mg=dose,
        per_day=per_day,
        repeats=repeats,
        **kw,
    )


def prescribe_nsaid(s: Scenario, drug: str, *, authored: int, days: int, rid: str | None = None) -> str:
    """An NSAID for ``days`` days, as monthly fills."""
    assert drug in NSAIDS, drug
    return prescribe(s, drug, authored=authored, repeats=max(1, days // 30) - 1, rid=rid)


def conservative_care(
    s: Scenario,
    rad: str,
    *,
    pt: int,
    nsaid: str,
    nsaid_from: int,
    nsaid_days: int,
    pain_referral: int | None = None,
) -> None:
    """Conservative care for the radicular Condition ``rad``: six weeks of physiotherapy from ``pt``
    days ago, an NSAID (a key of NSAIDS) prescribed ``nsaid_from`` days ago for ``nsaid_days`` days and,
    when given, a pain-management referral ``pain_referral`` days ago."""
    s.pt_course(pt, reason=[rad])
    prescribe_nsaid(s, nsaid, authored=nsaid_from, days=nsaid_days)
    if pain_referral is not None:
        s.referral("pain", authored=pain_referral, reason=[rad])


def tfesi(
    s: Scenario,
    rid: str,
    performed: int,
    site: str,
    *,
    outcome: str | None = None,
    reason: Iterable[str] = (),
    note: str | None = None,
) -> str:
    """A fluoroscopically guided lumbar transforaminal ESI (64483) at e.g. "Right L5-S1"."""
    return s.procedure(
        rid,
        [cpt("64483")],
        f"Transforaminal epidural steroid injection, {site}, fluoroscopic guidance",
        performed=performed,
        body_site=f"{site} neural foramen",
        outcome=outcome,
        reason=reason,
        note=note
        or "Dexamethasone 10 mg with lidocaine 1 %; contrast confirmed epidural spread along the nerve root.",
    )


def ilesi(
    s: Scenario,
    rid: str,
    performed: int,
    level: str,
    *,
    body_site: str | None = None,
    outcome: str | None = None,
    reason: Iterable[str] = (),
) -> str:
    """A fluoroscopically guided lumbar interlaminar ESI (62323) at e.g. "L4-5"."""
    return s.procedure(
        rid,
        [cpt("62323")],
        f"Lumbar interlaminar epidural steroid injection {level}, fluoroscopic guidance",
        performed=performed,
        body_site=body_site or f"{level} interlaminar",
        outcome=outcome,
        reason=reason,
    )


def facet_rfa(s: Scenario, rid: str, performed: int, *, outcome: str | None = None) -> str:
    """Radiofrequency ablation of the lumbar medial branches (64635 + 64636), bilateral L4-5 and L5-S1."""
    return s.procedure(
        rid,
        [cpt("64635"), cpt("64636")],
        "Radiofrequency ablation of lumbar medial branches, bilateral L4-5 and L5-S1",
        performed=performed,
        body_site="Bilateral L4-5 and L5-S1 medial branches",
        outcome=outcome,
    )


def discectomy(s: Scenario, performed: int, site: str, text: str) -> str:
    """A lumbar discectomy (CPT 63030 with its SNOMED CT procedure) at ``site``, e.g. "Left L5-S1"."""
    return s.procedure(
        "discectomy-1", [cpt("63030"), sct("178625001")], text, performed=performed, body_site=site
    )


def mri(s: Scenario, when: int, conclusion: str, *, contrast: bool = False, rid: str = "mri-1") -> str:
    """A lumbar MRI report ``when`` days ago, without (72148) or without and with contrast (72158)."""
    if contrast:
        return s.report(
            rid, "72158", "MRI lumbar spine without and with contrast", when=when, conclusion=conclusion
        )
    return s.report(rid, "72148", "MRI lumbar spine without contrast", when=when, conclusion=conclusion)


def emg(s: Scenario, rid: str, when: int, finding: str) -> str:
    return s.procedure(
        rid,
        [cpt("95886")],
        "Needle EMG of the leg with related paraspinal muscles",
        performed=when,
        note=finding,
    )


def scs_trial(
    s: Scenario,
    rid: str,
    start: int,
    end: int,
    *,
    outcome: str | None = None,
    note: str,
    text: str = "Spinal cord stimulator trial, percutaneous epidural leads T8-T10",
) -> str:
    """A percutaneous stimulator trial from ``start`` to ``end`` days ago, and the lead removal at its end."""
    ref = s.procedure(
        rid,
        [cpt("63650")],
        text,
        performed=start,
        until=end,
        outcome=outcome,
        note=note,
        body_site="Epidural space T8-T10",
    )
    s.procedure(
        f"{rid}-removal",
        [cpt("63661")],
        "Removal of percutaneous trial leads at the end of the trial",
        performed=end,
    )
    return ref


def chronic_radiculopathy_without_target(s: Scenario, *, onset: int, side: str = "Left") -> list[str]:
    """Chronic S1 radiculopathy: conservative care, two failed image-guided ESIs, EMG-confirmed,
    seen by spine surgery with no surgical target. Returns the ESI references."""
    rad = radic(s, "M54.17", onset=onset, body_site=f"{side} leg (S1 distribution)")
    conservative_care(
        s,
        rad,
        pt=onset - 20,
        nsaid="naproxen",
        nsaid_from=onset - 30,
        nsaid_days=90,
        pain_referral=onset - 50,
    )
    mri(
        s,
        onset - 60,
        f"Small {side.lower()} paracentral disc protrusion at L5-S1 contacting the traversing {side.lower()} S1 nerve root.",
    )
    e1 = tfesi(s, "esi-1", onset - 100, f"{side} L5-S1", outcome=fb.UNSUCCESSFUL, reason=[rad])
    e2 = tfesi(s, "esi-2", onset - 180, f"{side} L5-S1", outcome=fb.UNSUCCESSFUL, reason=[rad])
    emg(
        s,
        "emg-1",
        onset - 220,
        f"Chronic {side.lower()} S1 radiculopathy; no evidence of peripheral neuropathy.",
    )
    s.referral(
        "surgery",
        authored=onset - 240,
        reason=[rad],
        note="Seen by spine surgery: no surgical target (no compressive lesion amenable to decompression); "
        "recommend multidisciplinary pain management.",
    )
    s.procedure(
        "psych-eval-1",
        [cpt("90834")],
        "Psychotherapy session: pre-neuromodulation psychological evaluation",
        performed=onset - 260,
        note="Psychological evaluation before neuromodulation: suitable candidate.",
    )
    return [e1, e2]


E1_FORBIDDEN = [
    *IMAGING_ANY,
    *ESI_ALL,
    *NEUROPATHIC,
    *ORAL_STEROIDS,
    *OPIOIDS,
    *FUSION,
    *SPINE_REFERRAL,
    *SCS,
    *RFA,
]
F3_FORBIDDEN = [*FUSION, *RFA, *SCS, *ESI_ALL, *OPIOIDS, "0275T"]


# ---------------------------------------------------------------------------------------------
# Red flags
# ---------------------------------------------------------------------------------------------


@scenario(given="Maria", gender="female", birth="1979-04-12")
def r1_cauda_equina_code(s: Scenario) -> None:
    """Cauda equina syndrome coded on top of a 5-week L5-S1 disc herniation"""
    rad = radic(s, "M51.17", onset=35)
    prescribe_nsaid(s, "ibuprofen", authored=33, days=60)
    s.scores((7, 30))
    ces = s.condition(
        "ces-1",
        [icd("G83.4"), sct("192970008")],
        "Cauda equina syndrome",
        onset=1,
        category="encounter-diagnosis",
        note="New urinary retention (post-void residual 650 mL) and saddle numbness since yesterday "
        "evening; bilateral leg weakness.",
    )
    s.expect(
        [card("R1", "critical", refs=[ces], codes_any=[MRI_ANY, SPINE_REFERRAL])],
        forbidden_codes=RED_FLAG_UNSAFE,
        rationale=f"A cauda equina diagnosis ({ces}) with a lumbar disc herniation with radiculopathy ({rad}): "
        "emergency MRI today and emergency spine-surgery assessment. Nothing elective (ESI, PT, RFA, SCS, "
        "opioids as the plan) may be offered; no other card may appear beside the critical one.",
    )


@scenario(given="Thomas", gender="male", birth="1974-09-03")
def r1_new_urinary_retention(s: Scenario) -> None:
    """New urinary retention 2 days ago with a 3-week lumbar radiculopathy; gabapentin and PHQ-9 14 on file"""
    rad = radic(s, "M54.16", onset=20)
    prescribe_nsaid(s, "ibuprofen", authored=19, days=30)
    s.scores((6, 18))
    prescribe(s, "gabapentin", authored=14)
    s.observation("phq9-1", "44261-6", 14, when=10, as_integer=True)
    ret = s.condition(
        "urinary-retention-1",
        [icd("R33.9"), sct("267064002")],
        "Retention of urine",
        onset=2,
        category="encounter-diagnosis",
        note="Painless urinary retention, bladder scan 600 mL; no previous urological history.",
    )
    s.expect(
        [card("R1", "critical", refs=[ret], codes_any=[MRI_ANY, SPINE_REFERRAL])],
        forbidden_codes=[*RED_FLAG_UNSAFE, *GABAPENTINOIDS],
        forbidden_states=["M2", "Y1", "E1", "E2"],
        rationale=f"New (2 days) urinary retention ({ret}) with a lumbar radicular diagnosis ({rad}) is suspected "
        "cauda equina syndrome (R1). The gabapentin prescription (M2) and PHQ-9 of 14 (Y1) would each "
        "earn a cross-cutting card, but cross-cutting cards never appear beside a critical card (§1.1.5).",
    )


@scenario(given="Helen", gender="female", birth="1968-02-27")
def r1_preempts_booked_scs_trial(s: Scenario) -> None:
    """Cauda equina syndrome in a patient whose spinal cord stimulator trial is booked for next week"""
    rad = radic(s, "M54.17", onset=720, body_site="Left leg (S1 distribution)")
    conservative_care(s, rad, pt=700, nsaid="naproxen", nsaid_from=690, nsaid_days=90, pain_referral=660)
    mri(
        s,
        650,
        "Small left paracentral disc protrusion at L5-S1 contacting the traversing left S1 nerve root.",
    )
    tfesi(s, "esi-1", 600, "Left L5-S1", outcome=fb.UNSUCCESSFUL, reason=[rad])
    tfesi(s, "esi-2", 500, "Left L5-S1", outcome=fb.UNSUCCESSFUL, reason=[rad])
    s.referral(
        "surgery",
        authored=450,
        reason=[rad],
        note="Seen by spine surgery: no surgical target; consider neuromodulation.",
    )
    emg(s, "emg-1", 430, "Chronic left S1 radiculopathy; no evidence of peripheral neuropathy.")
    s.scores((8, 25))
    order = s.service_request(
        "scs-trial-order",
        [cpt("63650")],
        "Spinal cord stimulator trial, percutaneous epidural leads",
        authored=20,
        occurrence=-5,
        reason=[rad],
        note="Trial booked; psychological evaluation completed.",
    )
    ces = s.condition(
        "ces-1",
        [sct("192970008")],
        "Cauda equina syndrome",
        onset=1,
        category="encounter-diagnosis",
        note="Acute urinary retention and perineal (saddle) numbness since yesterday.",
    )
    s.expect(
        [card("R1", "critical", refs=[ces, order], codes_any=[MRI_ANY, SPINE_REFERRAL])],
        forbidden_codes=RED_FLAG_UNSAFE,
        forbidden_states=["F7", "F8", "N1", "N2", "L1"],
        rationale=f"Cauda equina syndrome ({ces}, SNOMED-only coding) pre-empts every pathway card, including the "
        f"chronic-pain states this patient otherwise meets (two failed ESIs, no surgical target). The card "
        f"must name the booked elective SCS trial ({order}) so it is put on hold, and offer only the "
        "emergency MRI and surgical assessment.",
    )


@scenario(given="Daniel", gender="male", birth="1982-06-19")
def r2_progressive_foot_drop(s: Scenario) -> None:
    """Right ankle dorsiflexion falling from MRC 4/5 to 2/5 over three weeks of L5-S1 radiculopathy"""
    radic(s, "M51.17", onset=28, body_site="Right leg")
    prescribe_nsaid(s, "ibuprofen", authored=26, days=30)
    s.scores((8, 21))
    weak = s.condition(
        "weakness-1",
        [icd("M62.81")],  # generalised weakness, no longer a motor red flag (§7.3): the foot drop decides
        "Weakness of right ankle dorsiflexion",
        onset=21,
        category="encounter-diagnosis",
        body_site="Right lower leg",
        note=f"Right ankle dorsiflexion and great-toe extension MRC 4/5 on {s.ago(21)}.",
    )
    mrc1 = s.strength("mrc-1", 4, 21, "Right ankle dorsiflexion")
    mrc2 = s.strength("mrc-2", 2, 1, "Right ankle dorsiflexion")
    drop = s.condition(
        "foot-drop-1",
        [icd("M21.371")],
        "Foot drop, right foot",
        onset=1,
        category="encounter-diagnosis",
        body_site="Right foot",
        note=f"Right ankle dorsiflexion now MRC 2/5 (was 4/5 on {s.ago(21)}): progressive foot drop.",
    )
    s.expect(
        [
            card(
                "R2",
                "critical",
                refs=[drop],
                refs_any=[mrc1, mrc2],
                codes=["72148"],
                codes_any=[SPINE_REFERRAL],
            )
        ],
        forbidden_codes=[*ESI_ALL, *PT, *SCS, *RFA, *FUSION],
        forbidden_states=["E1", "E2"],
        rationale=f"A motor deficit that is getting worse: MRC 4/5 ({weak}, {mrc1}) three weeks ago, new foot drop at "
        f"MRC 2/5 ({mrc2}) "
        f"yesterday ({drop}). Progressive deficit → critical: urgent MRI (72148) and urgent surgical "
        "referral within days; no ESI instead of a surgical opinion, no waiting 6 weeks, not PT alone.",
    )


@scenario(given="Susan", gender="female", birth="1965-11-08")
def r2_stable_foot_drop(s: Scenario) -> None:
    """Stable right foot drop (MRC 3/5 unchanged for 9 weeks), never referred, no MRI"""
    rad = radic(s, "M54.17", onset=70, body_site="Right leg (L5 distribution)")
    drop = s.condition(
        "foot-drop-1",
        [icd("M21.371")],
        "Foot drop, right foot",
        onset=65,
        body_site="Right foot",
        note=f"Right ankle dorsiflexion MRC 3/5 since onset; unchanged on re-examination {s.ago(6)}.",
    )
    s.strength("mrc-1", 3, 64, "Right ankle dorsiflexion")
    s.strength("mrc-2", 3, 30, "Right ankle dorsiflexion")
    s.strength("mrc-3", 3, 6, "Right ankle dorsiflexion")
    conservative_care(s, rad, pt=60, nsaid="naproxen", nsaid_from=62, nsaid_days=90)
    s.scores((6, 6))
    s.expect(
        [card("R2", "warning", refs=[drop], codes=["72148"], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=[*ESI_ALL, *FUSION, *SCS, *RFA],
        forbidden_states=["P1", "P2"],
        rationale=f"A motor deficit ({drop}) that has not changed for 9 weeks and has never been seen by a spine "
        "surgeon: stable deficit → warning, refer within 2 weeks, MRI. P1 would offer an ESI, which R2 "
        "forbids (an ESI is not a substitute for a surgical opinion), so the red-flag card stands alone.",
    )


@scenario(given="Lucas", gender="male", birth="1978-05-23")
def r2_full_strength_old_foot_drop_resolved(s: Scenario) -> None:
    """Eight weeks of S1 radiculopathy at full strength (MRC 5/5 twice); a foot drop resolved two years ago"""
    rad = persistent_despite_conservative_care(s)
    old = s.condition(
        "foot-drop-1",
        [icd("M21.371")],
        "Foot drop, right foot",
        onset=900,
        clinical="resolved",
        abatement=760,
        body_site="Right foot",
        note="Peroneal palsy after a knee injury; full recovery of dorsiflexion within five months.",
    )
    mrc1 = s.strength("mrc-1", 5, 50, "Right ankle dorsiflexion")
    mrc2 = s.strength("mrc-2", 5, 3, "Right ankle dorsiflexion")
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["R2"],
        rationale=f"Radiculopathy ({rad}) with full strength on serial examination ({mrc1}, {mrc2}: MRC 5/5, no "
        f"decline) and a foot drop ({old}) that resolved two years ago: no current motor deficit, so no R2 "
        "card and no urgent pathway; the persistent-pain card (P1) applies as without the old history.",
    )


@scenario(given="Walter", gender="male", birth="1957-07-19")
def r2_old_foot_drop_coded_again_at_visit(s: Scenario) -> None:
    """A right foot drop on the problem list for two years, coded again at today's visit; never seen by a surgeon"""
    rad = radic(s, "M54.17", onset=800, body_site="Right leg (L5 distribution)")
    conservative_care(s, rad, pt=780, nsaid="naproxen", nsaid_from=790, nsaid_days=90)
    drop = s.condition(
        "foot-drop-1",
        [icd("M21.371")],
        "Foot drop, right foot",
        onset=730,
        body_site="Right foot",
        note="Right ankle dorsiflexion MRC 3/5.",
    )
    visit = s.condition(
        "foot-drop-visit",
        [icd("M21.371")],
        "Foot drop, right foot",
        onset=None,
        recorded=0,
        category="encounter-diagnosis",
        body_site="Right foot",
    )
    s.strength("mrc-1", 3, 400, "Right ankle dorsiflexion")
    s.strength("mrc-2", 3, 0, "Right ankle dorsiflexion")
    s.scores((6, 2))
    s.expect(
        [card("R2", "warning", refs=[drop], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=[*ESI_ALL, *FUSION, *SCS, *RFA],
        forbidden_states=["P1", "P2"],
        rationale=f"The foot drop coded at today's visit ({visit}, no onset given) is the one on the problem list "
        f"for two years ({drop}), at the same MRC 3/5: a stable deficit, not a new one. No critical "
        "'progressive deficit' card; it has never been seen by a spine surgeon, so the warning to refer "
        "within 2 weeks stands alone.",
    )


@scenario(given="Patricia", gender="female", birth="1959-01-30")
def r3_cancer_history_weight_loss(s: Scenario) -> None:
    """Breast cancer history with new night-time radicular pain and 6 kg weight loss"""
    ca = s.condition(
        "cancer-history-1",
        [icd("Z85.3")],
        "Personal history of malignant neoplasm of breast",
        onset="2019-06",
        recorded=2300,
        note="Breast cancer treated 2019 (mastectomy and adjuvant chemotherapy).",
    )
    radic(s, "M54.16", onset=25, note="New right L4 radicular pain, worse at night and at rest.")
    wl = s.condition(
        "weight-loss-1",
        [icd("R63.4")],
        "Abnormal weight loss",
        onset=30,
        category="encounter-diagnosis",
        note="Unintentional loss of 6 kg over 2 months.",
    )
    s.scores((8, 3))
    s.expect(
        [card("R3", "critical", refs=[ca, wl], codes=["72158"])],
        forbidden_codes=[*RED_FLAG_UNSAFE, "72148"],
        rationale="Cancer history (onset given as a partial date, 2019-06) with new radicular pain and weight loss: "
        "suspected spinal metastasis. MRI without and with contrast (72158, ACR variant 7), not the "
        "non-contrast study; no ESI, no manipulation, no 6-week rule.",
    )


@scenario(given="Kevin", gender="male", birth="1990-07-14")
def r3_infection_ivdu_fever(s: Scenario) -> None:
    """Injection drug use, fever and 10 days of severe back and leg pain"""
    radic(s, "M54.17", onset=10, note="Severe constant low back and left leg pain.")
    oud = s.condition(
        "oud-1", [icd("F11.20")], "Opioid dependence (injection use)", onset="2021-03", recorded=1500
    )
    fever = s.condition(
        "fever-1",
        [icd("R50.9")],
        "Fever, unspecified",
        onset=3,
        category="encounter-diagnosis",
        note="Temperature 38.6 °C.",
    )
    s.scores((9, 1))
    s.expect(
        [card("R3", "critical", refs=[fever, oud], codes=["72158"])],
        forbidden_codes=[*RED_FLAG_UNSAFE, *ORAL_STEROIDS, "72148"],
        rationale=f"Fever ({fever}) with injection drug use ({oud}) and new radicular pain: suspected spinal "
        "infection (epidural abscess, discitis). Urgent MRI without and with contrast and same-day "
        "referral; no ESI or any steroid.",
    )


@scenario(given="Dorothy", gender="female", birth="1947-03-22")
def r3_osteoporotic_fracture(s: Scenario) -> None:
    """Osteoporotic lumbar compression fracture with new radicular pain, age 79"""
    radic(s, "M54.16", onset=14)
    frac = s.condition(
        "fracture-1",
        [icd("M80.08XA")],
        "Age-related osteoporosis with current pathological fracture, vertebra",
        onset=14,
        category="encounter-diagnosis",
        note="Sudden pain after lifting a basket; osteoporosis on DXA.",
    )
    s.scores((8, 2))
    s.expect(
        [card("R3", "critical", refs=[frac], codes_any=[IMAGING_ANY])],
        forbidden_codes=RED_FLAG_UNSAFE,
        rationale=f"A vertebral fracture ({frac}) with new radicular pain: fracture imaging (ACR variant 6) and "
        "urgent referral; nothing elective, no manipulation.",
    )


# ---------------------------------------------------------------------------------------------
# Red-flag precision (decision model §7.3, §7.6)
# ---------------------------------------------------------------------------------------------


@scenario(given="Arthur", gender="male", birth="1949-02-17")
def r2_generalised_weakness_not_motor_deficit(s: Scenario) -> None:
    """Eight weeks of S1 radiculopathy with generalised weakness (M62.81) after a flu, full leg strength"""
    rad = persistent_despite_conservative_care(s)
    weak = s.condition(
        "weakness-1",
        [icd("M62.81")],
        "Muscle weakness (generalized)",
        onset=5,
        category="encounter-diagnosis",
        note="Generalised weakness and fatigue after influenza; leg power 5/5 throughout.",
    )
    s.strength("mrc-1", 5, 5, "Right ankle plantarflexion")
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["R2"],
        rationale=f"Generalised weakness ({weak}) is deconditioning, not a radicular or myotomal deficit (§7.3): "
        "no R2 card. The patient's real pathway card shows instead: 8 weeks despite conservative care (P1).",
    )


@scenario(given="Walter", gender="male", birth="1956-08-30")
def r3_healed_fracture_not_red_flag(s: Scenario) -> None:
    """Eight weeks of S1 radiculopathy; an L1 wedge fracture from 2019 coded as a subsequent encounter"""
    rad = persistent_despite_conservative_care(s)
    old = s.condition(
        "fracture-1",
        # a descendant of the S32.0 header the fracture set lists (the builder checks listed codes only)
        [fb.unchecked_coding(fb.ICD10CM, "S32.010D", "Wedge compression fracture of first lumbar vertebra, subsequent encounter for fracture with routine healing")],
        "Wedge compression fracture of first lumbar vertebra, subsequent encounter, routine healing",
        onset="2019-04",
        recorded=2700,
        note="Fall from a ladder 2019; healed on follow-up radiographs.",
    )
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION],
        forbidden_states=["R3"],
        rationale=f"A subsequent-encounter fracture code ({old}, 7th character D) is history, not a red flag "
        "(§7.3): the healed 2019 fracture does not pre-empt the persistent-pain card (P1).",
    )


@scenario(given="Edith", gender="female", birth="1944-05-09")
def r3_acute_fracture_initial_encounter(s: Scenario) -> None:
    """Ten days of L4 radicular pain after a fall; L1 wedge fracture coded as the initial encounter"""
    radic(s, "M54.16", onset=10)
    frac = s.condition(
        "fracture-1",
        # a descendant of the S32.0 header the fracture set lists (the builder checks listed codes only)
        [fb.unchecked_coding(fb.ICD10CM, "S32.010A", "Wedge compression fracture of first lumbar vertebra, initial encounter for closed fracture")],
        "Wedge compression fracture of first lumbar vertebra, initial encounter for closed fracture",
        onset=10,
        category="encounter-diagnosis",
        note="Fall on the stairs; L1 wedge fracture on radiographs.",
    )
    s.scores((8, 1))
    s.expect(
        [card("R3", "critical", refs=[frac], codes_any=[IMAGING_ANY])],
        forbidden_codes=RED_FLAG_UNSAFE,
        rationale=f"An initial-encounter fracture code ({frac}, 7th character A) stays a red flag: fracture "
        "imaging and urgent referral, nothing elective.",
    )


@scenario(given="Irene", gender="female", birth="1971-03-14")
def r1_saddle_paraesthesia_screening(s: Scenario) -> None:
    """Three-week L5-S1 disc herniation with new perineal paraesthesia, no coded retention"""
    rad = radic(s, "M51.17", onset=21)
    prescribe_nsaid(s, "ibuprofen", authored=20, days=30)
    par = s.condition(
        "paraesthesia-1",
        [icd("R20.2")],
        "Paresthesia of skin",
        onset=2,
        category="encounter-diagnosis",
        body_site="Perineum (saddle area)",
        note="Tingling around the perineum since two days; bladder and bowel not asked.",
    )
    s.scores((7, 1))
    s.expect(
        [card("R1", "critical", refs=[par], codes_any=[MRI_ANY, SPINE_REFERRAL], mentions=["bladder", "bowel"])],
        forbidden_codes=RED_FLAG_UNSAFE,
        rationale=f"New saddle paraesthesia ({par}) with a disc herniation with radiculopathy ({rad}) is a cauda "
        "equina warning sign even without coded retention (§7.3): the R1 card asks about bladder, bowel and "
        "saddle sensation and offers the emergency MRI.",
    )


@scenario(given="Oscar", gender="male", birth="1969-12-01")
def r1_bilateral_leg_weakness_screening(s: Scenario) -> None:
    """Four-week lumbar radiculopathy with new weakness and numbness of both legs, no coded retention"""
    rad = radic(s, "M54.16", onset=28)
    prescribe_nsaid(s, "naproxen", authored=27, days=30)
    both = s.condition(
        "bilateral-legs-1",
        [icd("M62.81")],
        "Weakness of both legs",
        onset=1,
        category="encounter-diagnosis",
        body_site="Both lower limbs",
        note="New weakness and numbness in both legs since yesterday.",
    )
    s.scores((7, 1))
    s.expect(
        [card("R1", "critical", refs=[both], codes_any=[MRI_ANY, SPINE_REFERRAL], mentions=["bladder", "bowel"])],
        forbidden_codes=RED_FLAG_UNSAFE,
        rationale=f"New bilateral leg weakness and numbness ({both}) with lumbar radiculopathy ({rad}) prompts the "
        "cauda equina questions (bladder, bowel, saddle sensation) and the emergency MRI (§7.3).",
    )


@scenario(given="Rita", gender="female", birth="1958-07-21")
def e1_incomplete_emptying_alone_not_ces(s: Scenario) -> None:
    """Three weeks of sciatica; a feeling of incomplete bladder emptying (R39.14) noted last week"""
    rad = early_sciatica(s)
    weak = s.condition(
        "bladder-1",
        [icd("R39.14")],
        "Feeling of incomplete bladder emptying",
        onset=6,
        category="encounter-diagnosis",
        note="Post-void residual 40 mL; no retention, no incontinence, saddle sensation normal.",
    )
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["R1"],
        rationale=f"A feeling of incomplete emptying ({weak}) alone is weak evidence for cauda equina syndrome "
        "(§7.6) and, with a normal residual and saddle sensation, does not fire R1: the acute card (E1) stands.",
    )


@scenario(given="Nora", gender="female", birth="1980-10-10")
def e1_foot_paraesthesia_not_saddle(s: Scenario) -> None:
    """Three weeks of sciatica with new paraesthesia of the left foot (R20.2, not saddle)"""
    rad = early_sciatica(s)
    par = s.condition(
        "paraesthesia-1",
        [icd("R20.2")],
        "Paresthesia of skin",
        onset=4,
        category="encounter-diagnosis",
        body_site="Left foot (lateral border)",
        note="Tingling along the lateral border of the left foot.",
    )
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["R1"],
        rationale=f"Paraesthesia of the foot ({par}) is a radicular symptom, not saddle numbness: no cauda "
        "equina card (§7.3 needs a saddle or perineal site).",
    )


@scenario(given="Owen", gender="male", birth="1979-02-14")
def e1_pain_in_both_legs_weakness_denied(s: Scenario) -> None:
    """Ten days of lumbar radicular pain down both legs; the visit note denies numbness and weakness"""
    rad = radic(
        s,
        "M54.16",
        onset=10,
        category="encounter-diagnosis",
        note="Pain radiating to both legs, no numbness or weakness. Bladder and bowel function normal.",
    )
    prescribe_nsaid(s, "ibuprofen", authored=9, days=30)
    s.nrs("nrs-1", 5, 2, as_integer=True)
    s.odi("odi-1", 28, 2)
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["R1"],
        rationale=f"Radicular pain in both legs ({rad}) with numbness and weakness denied in the same "
        "sentence is not a cauda equina warning sign (§7.3 asks for new weakness or numbness of both "
        "legs): the acute card (E1) stands.",
    )


@scenario(given="Ruth", gender="female", birth="1961-08-30")
def e1_old_fever_on_problem_list_not_red_flag(s: Scenario) -> None:
    """Three weeks of sciatica; a fever coded on the problem list two years ago and never resolved"""
    rad = early_sciatica(s)
    fever = s.condition("fever-1", [icd("R50.9")], "Fever, unspecified", onset=760)
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["R3"],
        rationale=f"A fever recorded two years before the leg pain began ({fever}) is a stale problem-list "
        "entry, not a sign of spinal infection now: no same-day infection card, and the acute card (E1) "
        "stands.",
    )


@scenario(given="Margaret", gender="female", birth="1950-03-08")
def e1_old_incontinence_coded_again_not_cauda_equina(s: Scenario) -> None:
    """Three weeks of sciatica; stress incontinence on the problem list for years, coded again at today's visit"""
    rad = early_sciatica(s)
    old = s.condition(
        "incontinence-1",
        [icd("R32")],
        "Urinary incontinence",
        onset=2200,
        note="Stress incontinence since her second delivery; pelvic floor physiotherapy.",
    )
    visit = s.condition(
        "incontinence-visit",
        [icd("R32")],
        "Urinary incontinence",
        onset=None,
        recorded=0,
        category="encounter-diagnosis",
    )
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["R1"],
        rationale=f"The incontinence coded at today's visit ({visit}, no onset given) is the stress incontinence "
        f"on the problem list for six years ({old}): not a new sphincter symptom, so no cauda equina card; "
        "the acute card (E1) stands.",
    )


@scenario(given="Harold", gender="male", birth="1952-12-01")
def e1_new_stenosis_claudication_not_cauda_equina(s: Scenario) -> None:
    """Lumbar stenosis with neurogenic claudication diagnosed this week: both legs numb after walking, eased by sitting"""
    sten = stenosis_with_claudication(
        s,
        onset=10,
        note="Both legs go numb and heavy after walking 200 m; eased by sitting or bending forward. "
        "Bladder and bowel normal.",
    )
    prescribe_nsaid(s, "ibuprofen", authored=9, days=30)
    s.nrs("nrs-1", 5, 2, as_integer=True)
    s.expect(
        [card("E1", "info", refs=[sten])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["R1"],
        rationale=f"Numbness of both legs brought on by walking and eased by sitting ({sten}) is neurogenic "
        "claudication, the stenosis itself, not the new bilateral leg deficit that asks for cauda equina "
        "screening (§7.3): no emergency card; the acute card (E1) stands.",
    )


@scenario(given="Felix", gender="male", birth="1983-04-04")
def r3_hiv_new_pain_infection(s: Scenario) -> None:
    """HIV disease with three weeks of new lumbar radicular pain, afebrile"""
    radic(s, "M54.16", onset=20, note="Constant right L4 radicular pain, worse at night.")
    hiv = s.condition("hiv-1", [icd("B20")], "HIV disease", onset="2015-06", recorded=4000)
    s.scores((8, 1))
    s.expect(
        [card("R3", "critical", refs=[hiv], codes=["72158"], mentions=["same-day", "blood cultures"])],
        forbidden_codes=[*RED_FLAG_UNSAFE, *ORAL_STEROIDS, "72148"],
        rationale=f"Immunosuppression ({hiv}, §7.3) with new radicular pain: suspected epidural abscess or "
        "discitis. Same-day emergency assessment, MRI with and without contrast, blood cultures and "
        "inflammatory markers; no steroid.",
    )


@scenario(given="Judith", gender="female", birth="1964-09-12")
def r3_active_breast_cancer_chronic_pain(s: Scenario) -> None:
    """Breast cancer on treatment with 7 months of S1 radicular pain and a plain MRI only"""
    ca = s.condition(
        "cancer-1",
        # a descendant of the C50 category the malignancy set lists (the builder checks listed codes only)
        [fb.unchecked_coding(fb.ICD10CM, "C50.911", "Malignant neoplasm of unspecified site of right female breast")],
        "Malignant neoplasm of right breast",
        onset="2025-11",
        recorded=370,
        note="On adjuvant endocrine therapy.",
    )
    rad, rep = radiculopathy_with_concordant_extrusion(s, onset=210, side="Right")
    s.scores((6, 3))
    s.expect(
        [card("R3", "critical", refs=[ca], codes=["72158"])],
        forbidden_codes=[*RED_FLAG_UNSAFE, "72148"],
        forbidden_states=["P1", "P2"],
        rationale=f"An active cancer ({ca}) is a red flag at any symptom duration (§7.3): 7 months of pain ({rad}) "
        f"with only a non-contrast MRI ({rep}) needs MRI with and without contrast before any ESI.",
    )


@scenario(given="Marcus", gender="male", birth="1972-01-27")
def r3_pain_worse_after_recent_esi(s: Scenario) -> None:
    """Afebrile, pain from 5/10 to 9/10 in the 10 days after an L5-S1 TFESI"""
    rad = radic(s, "M51.17", onset=90, body_site="Left leg (S1 distribution)")
    conservative_care(s, rad, pt=80, nsaid="naproxen", nsaid_from=85, nsaid_days=90)
    esi = tfesi(s, "esi-1", 10, "Left L5-S1", reason=[rad])
    s.pain_around(esi, before=(5, 12), after=[(7, 5), (9, 1)])
    s.expect(
        [card("R3", "critical", refs=[esi], codes=["72158"], mentions=["same-day", "blood cultures"])],
        forbidden_codes=[*RED_FLAG_UNSAFE, *ORAL_STEROIDS, "72148"],
        forbidden_states=["F0"],
        rationale=f"Pain worsening from 5/10 to 9/10 within 4 weeks of a spinal procedure ({esi}) must exclude "
        "epidural abscess or discitis (§7.3): same-day emergency assessment, MRI with and without contrast, "
        "blood cultures and inflammatory markers; no further injection or steroid.",
    )


@scenario(given="Peter", gender="male", birth="1976-06-06")
def f0_pain_settling_after_recent_esi(s: Scenario) -> None:
    """Pain from 7/10 to 5/10 in the 10 days after an L5-S1 TFESI"""
    rad = radic(s, "M51.17", onset=90, body_site="Left leg (S1 distribution)")
    conservative_care(s, rad, pt=80, nsaid="naproxen", nsaid_from=85, nsaid_days=90)
    esi = tfesi(s, "esi-1", 10, "Left L5-S1", reason=[rad])
    s.pain_around(esi, before=(7, 12), after=[(6, 5), (5, 1)])
    s.expect(
        [],
        optional=[card("F0", "info", refs=[esi])],
        forbidden_codes=[*ESI_ALL, *SCS, *RFA, *FUSION],
        forbidden_states=["R3", "F3", "F4"],
        rationale=f"Pain settling after a recent ESI ({esi}) is no infection warning: too early to judge the "
        "injection (F0 at most), no red flag.",
    )


@scenario(given="Marta", gender="female", birth="1966-02-17")
def f0_flare_after_recent_esi_settled(s: Scenario) -> None:
    """Pain 5/10 before an L5-S1 TFESI, 8/10 the day after, 4/10 a week later"""
    rad = radic(s, "M51.17", onset=90, body_site="Left leg (S1 distribution)")
    conservative_care(s, rad, pt=80, nsaid="naproxen", nsaid_from=85, nsaid_days=90)
    esi = tfesi(s, "esi-1", 10, "Left L5-S1", reason=[rad])
    s.pain_around(esi, before=(5, 12), after=[(8, 9), (4, 3)])
    s.expect(
        [],
        optional=[card("F0", "info", refs=[esi])],
        forbidden_codes=[*ESI_ALL, *SCS, *RFA, *FUSION],
        forbidden_states=["R3", "F3", "F4"],
        rationale=f"A flare the day after the injection ({esi}) that has settled below the baseline is a known, "
        "transient reaction, not a sign of epidural abscess: no red flag; too early to judge the injection.",
    )


@scenario(given="Harold", gender="male", birth="1951-06-25")
def r3_cancer_history_17_weeks(s: Scenario) -> None:
    """Prostate cancer history with 17 weeks of L5-S1 radicular pain, plain MRI only, never referred"""
    ca = s.condition(
        "cancer-history-1",
        [icd("Z85.46")],
        "Personal history of malignant neoplasm of prostate",
        onset="2020",
        recorded=2400,
        note="Radical prostatectomy 2020.",
    )
    rad, rep = radiculopathy_with_concordant_extrusion(s, onset=119, side="Left")
    s.scores((7, 3))
    s.expect(
        [card("R3", "critical", refs=[ca], codes=["72158"])],
        forbidden_codes=[*RED_FLAG_UNSAFE, "72148"],
        forbidden_states=["P1", "P2"],
        rationale=f"A cancer history ({ca}) stays a red flag at any symptom duration (§7.3): 17 weeks of pain "
        f"({rad}) with only a non-contrast MRI ({rep}) needs MRI with and without contrast before any ESI; "
        "no 'ESI remains an option'.",
    )


# ---------------------------------------------------------------------------------------------
# Early and persistent radiculopathy (E, P)
# ---------------------------------------------------------------------------------------------


def early_sciatica(s: Scenario, *, onset: int | str = 21, recorded: int | None = None, nrs: int = 5) -> str:
    """Left sciatica (M54.42) for three weeks by default, on ibuprofen; NRS ``nrs`` and ODI 28 two days ago."""
    rad = radic(s, "M54.42", onset=onset, recorded=recorded)
    prescribe_nsaid(
        s, "ibuprofen", authored=(onset if isinstance(onset, int) else recorded or 20) - 1, days=30
    )
    s.nrs("nrs-1", nrs, 2, as_integer=True)
    s.odi("odi-1", 28, 2)
    return rad


@scenario(given="James", gender="male", birth="1987-05-02")
def e1_acute_tolerable(s: Scenario) -> None:
    """Three weeks of left sciatica, NRS 5, ODI 28, on ibuprofen"""
    rad = early_sciatica(s)
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        rationale="Acute (< 6 weeks), tolerable radicular pain with no red flag: NSAID, stay active, "
        "education, reassess at 6 weeks. The card must not offer imaging, an ESI, a surgical referral, "
        "gabapentinoids, oral steroids or opioids (NICE NG59 1.1.4).",
    )


@scenario(given="Linda", gender="female", birth="1970-12-11")
def e1_old_incontinence_not_red_flag(s: Scenario) -> None:
    """Sciatica since October (partial onset date) with long-standing stress incontinence"""
    rad = radic(s, "M54.32", onset="2026-10", recorded=20)
    s.condition(
        "incontinence-1",
        [icd("R32"), sct("165232002")],
        "Urinary incontinence",
        onset="2023-05",
        recorded=1250,
        note="Stress urinary incontinence since 2023 (after childbirth), unchanged; no retention, "
        "no saddle numbness.",
    )
    prescribe_nsaid(s, "naproxen", authored=19, days=30)
    s.scores((4, 3))
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["R1"],
        rationale="Onset written as a partial date (2026-10, i.e. from 2026-10-01: about 4.5 weeks). Incontinence "
        "that has been present since 2023 is not a new sphincter symptom, so it is no cauda equina red "
        "flag (R1 needs ≤ 14 days); the patient is in the acute tolerable state.",
    )


@scenario(given="Angela", gender="female", birth="1984-08-25")
def e2_severe_week3(s: Scenario) -> None:
    """Week 3 of disc-related radiculopathy, NRS 8, ODI 50, off work"""
    radic(s, "M51.16", onset=19, note=f"Unable to work since {s.ago(16)}.")
    prescribe_nsaid(s, "naproxen", authored=18, days=30)
    n = s.nrs("nrs-1", 8, 1)
    o = s.odi("odi-1", 50, 1)
    s.expect(
        [card("E2", "warning", refs=[n, o], codes_any=[SPECIALIST_REFERRAL])],
        forbidden_codes=[*MRI_ANY, *FUSION, *NEUROPATHIC, *BLIND_ESI, "8640", "6902"],
        rationale="Severe, disabling pain (NRS ≥ 7 with ODI ≥ 40) within the first 6 weeks: refer to a spine "
        "specialist within 2 weeks (clinical practice). No primary-care MRI before specialist review (NICE 1.1.4), "
        "no gabapentinoids, no fusion. The specialist may consider an early ESI (NICE) — that "
        "disagreement with the 6-week rule belongs on the card.",
    )


def persistent_despite_conservative_care(s: Scenario) -> str:
    """Right S1 radiculopathy for 8 weeks despite 6 weeks of PT and naproxen; NRS 6, ODI 34."""
    rad = radic(s, "M54.17", onset=56, body_site="Right leg (S1 distribution)")
    conservative_care(s, rad, pt=49, nsaid="naproxen", nsaid_from=54, nsaid_days=90)
    s.scores((6, 3))
    s.odi("odi-1", 34, 3)
    return rad


@scenario(given="Robert", gender="male", birth="1976-10-17")
def p1_eight_weeks_conservative(s: Scenario) -> None:
    """Eight weeks of radiculopathy despite 6 weeks of PT and naproxen"""
    rad = persistent_despite_conservative_care(s)
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        rationale="Persistent ≥ 6 weeks despite 6 weeks of PT and an NSAID, no MRI or ESI yet: MRI without "
        "contrast (72148) for a candidate for ESI or surgery, image-guided ESI, specialist referral "
        "before 3 months. No contrast MRI (no prior surgery or red flag), no blind injection.",
    )


@scenario(given="Ben", gender="male", birth="2013-05-14")
def gate_under_16_adult_pathway_not_applied(s: Scenario) -> None:
    """A 13-year-old with eight weeks of radiculopathy despite PT and naproxen"""
    rad = persistent_despite_conservative_care(s)
    s.expect(
        [card("pathway.under-age", "info", refs=[rad])],
        forbidden_codes=[*IMAGING_ANY, *ESI_ALL, *FUSION, *OPIOIDS],
        forbidden_states=["E1", "E2", "P1", "P2"],
        rationale=f"The same eight weeks of radicular pain ({rad}) that give an adult P1, in a 13-year-old: the "
        "guidelines the pathway follows cover people 16 and over (NICE NG59) or adults (ACR 2021), so no "
        "adult MRI, injection or opioid step is offered; one info card says the adult pathway does not apply "
        "and asks for a paediatric spine assessment, never silence. Red flags are still checked.",
    )


@scenario(given="Maya", gender="female", birth="2010-03-02")
def p1_sixteen_year_old_adult_pathway(s: Scenario) -> None:
    """A 16-year-old with eight weeks of radiculopathy despite PT and naproxen"""
    rad = persistent_despite_conservative_care(s)
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["pathway.under-age"],
        rationale=f"At 16 the patient is inside NICE NG59's scope (over 16s): persistent radicular pain ({rad}) "
        "despite 6 weeks of PT and an NSAID is P1, as for an adult.",
    )


@scenario(given="Arthur", gender="male", birth="1971-06-21")
def p1_examination_of_several_muscles_no_fall(s: Scenario) -> None:
    """Eight weeks of S1 radiculopathy; hip and knee 5/5 and EHL 4/5 three weeks ago, EHL 4/5 today"""
    rad = persistent_despite_conservative_care(s)
    hip = s.strength("mrc-hip", 5, 21, "Right hip flexion")
    s.strength("mrc-knee", 5, 21, "Right knee extension")
    ehl = s.strength("mrc-ehl-1", 4, 21, "Right EHL")
    ehl_today = s.strength("mrc-ehl-2", 4, 0, "Right EHL")
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["R2"],
        rationale=f"The EHL scored 4/5 three weeks ago ({ehl}) and 4/5 today ({ehl_today}): no muscle has lost "
        f"strength. Hip flexion 5/5 ({hip}) is another muscle's score, not the EHL's history, so there is no "
        "'progressive motor deficit' card; the persistent-pain card (P1) applies.",
    )


@scenario(given="Karen", gender="female", birth="1978-03-09")
def p2_three_months_unreferred(s: Scenario) -> None:
    """Right sciatica since July (partial onset date), > 3 months, never referred"""
    rad = radic(s, "M54.41", onset="2026-07", recorded=105)
    conservative_care(s, rad, pt=100, nsaid="ibuprofen", nsaid_from=103, nsaid_days=90)
    s.scores((6, 4))
    s.odi("odi-1", 36, 4)
    s.expect(
        [card("P2", "warning", refs=[rad], codes_any=[SPECIALIST_REFERRAL])],
        forbidden_codes=[*BLIND_ESI, *FUSION, "72158"],
        forbidden_states=["P1"],
        rationale="Onset written as a partial date (2026-07 → from 2026-07-01, about 4 months). Persistent "
        "radicular pain ≥ 3 months with no spine or pain referral: refer now (clinical practice: no later "
        "than 3 months). One card per topic: the P2 warning, not P1 beside it.",
    )


# ---------------------------------------------------------------------------------------------
# Onset sent in words, not as a date (decision model §1.1.6): named, never silent
# ---------------------------------------------------------------------------------------------


def onset_in_words(s: Scenario, ref: str, words: str, *, keep_recorded: bool = False) -> None:
    """Send the Condition's onset as onsetString ``words`` (as some EHRs do), without recordedDate
    unless ``keep_recorded``."""
    rid = ref.split("/", 1)[1]
    res = next(r for r in s.keys["conditions"] if r["id"] == rid)
    res.pop("onsetDateTime", None)
    res["onsetString"] = words
    if not keep_recorded:
        res.pop("recordedDate", None)


@scenario(given="Agnes", gender="female", birth="1962-08-08")
def p2_onset_years_ago_without_dates(s: Scenario) -> None:
    """Left S1 radiculopathy with onset sent only as 'years ago' (no recorded date), on naproxen, never referred"""
    rad = radic(s, "M54.17", onset=None, body_site="Left leg (S1 distribution)")
    onset_in_words(s, rad, "years ago")
    prescribe_nsaid(s, "naproxen", authored=120, days=120)
    s.scores((6, 3))
    s.expect(
        [card("P2", "warning", refs=[rad], codes_any=[SPECIALIST_REFERRAL], mentions=["years ago"])],
        forbidden_codes=[*BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["E1", "E2"],
        rationale=f"The radicular Condition ({rad}) gives its onset only as 'years ago', with no recorded date. "
        "Read conservatively as at least a year (never as an invented date), the pain is chronic and the "
        "patient was never referred: P2, and the card names the onset as a data gap.",
    )


@scenario(given="Bruno", gender="male", birth="1977-01-19")
def gate_onset_not_a_date_not_silent(s: Scenario) -> None:
    """Lumbar radiculopathy whose onset is sent as 'gradual' with no recorded date; no treatment on file"""
    rad = radic(s, "M54.16", onset=None, body_site="Right leg (L4 distribution)")
    onset_in_words(s, rad, "gradual")
    s.scores((5, 2))
    s.expect(
        [card("pathway.not-fully-checked", "info", refs=[rad], mentions=["gradual"])],
        forbidden_codes=[*IMAGING_ANY, *ESI_ALL, *FUSION, *OPIOIDS],
        forbidden_states=["E1", "E2", "P1", "P2"],
        rationale=f"An onset that is not a date ({rad}: 'gradual', no recorded date) leaves the duration "
        "unknown, so no duration-based state can be chosen; the patient is inside the gate, so the service "
        "says the pathway was not fully checked and names the missing onset, never an empty list.",
    )


@scenario(given="Clara", gender="female", birth="1990-02-02")
def e1_onset_three_weeks_ago_in_words(s: Scenario) -> None:
    """Left sciatica with onset sent as '3 weeks ago', recorded two days ago; NRS 5"""
    rad = early_sciatica(s, onset=2)
    onset_in_words(s, rad, "3 weeks ago", keep_recorded=True)
    s.expect(
        [card("E1", "info", refs=[rad], mentions=["3 weeks ago"])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["P1", "P2"],
        rationale=f"'3 weeks ago' said on the recorded date ({rad}) bounds the onset to at least 23 days: "
        "still acute (E1), and the card names the onset given in words.",
    )


# ---------------------------------------------------------------------------------------------
# After epidural steroid injection (F states)
# ---------------------------------------------------------------------------------------------


@scenario(given="Brian", gender="male", birth="1981-01-05")
def f0_esi_six_days_ago(s: Scenario) -> None:
    """Image-guided TFESI 6 days ago after 10 weeks of S1 radiculopathy"""
    rad = radic(s, "M51.17", onset=70, body_site="Left leg (S1 distribution)")
    conservative_care(s, rad, pt=63, nsaid="naproxen", nsaid_from=68, nsaid_days=90, pain_referral=30)
    mri(
        s,
        25,
        "Left paracentral disc extrusion at L5-S1 compressing the traversing left S1 nerve root, "
        "concordant with the left S1 radicular symptoms.",
    )
    esi = tfesi(s, "esi-1", 6, "Left L5-S1", reason=[rad])
    s.pain_around(esi, before=(7, 8), after=[(6, 3)])
    s.expect(
        [],
        optional=[card("F0", "info", refs=[esi], mentions=[s.ago(6)])],
        forbidden_codes=[*ESI_ALL, *SCS, *RFA, *FUSION],
        forbidden_states=["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "P1", "P2"],
        rationale=f"The only ESI ({esi}) was 6 days ago: too early to judge (assessment window starts at 14 days). "
        "No refractory card, no repeat ESI, no escalation; at most an info reminder to record NRS/ODI at "
        "2–6 weeks.",
    )


@scenario(given="Nancy", gender="female", birth="1973-04-28")
def f1_esi_worked_then_recurred(s: Scenario) -> None:
    """TFESI gave 60 % relief lasting > 3 months; pain back 7 months later"""
    rad = radic(s, "M51.17", onset=330, body_site="Right leg (S1 distribution)")
    conservative_care(s, rad, pt=320, nsaid="naproxen", nsaid_from=325, nsaid_days=120, pain_referral=300)
    mri(s, 290, "Right paracentral disc protrusion at L5-S1 compressing the traversing right S1 nerve root.")
    esi = tfesi(s, "esi-1", 240, "Right L5-S1", outcome=fb.SUCCESSFUL, reason=[rad])
    s.pain_around(esi, before=(8, 243), after=[(3, 219), (3, 205)])
    s.scores((3, 150), (3, 130))
    s.odi("odi-1", 22, 150)
    s.scores((4, 60), (7, 7))
    s.odi("odi-2", 44, 7)
    s.expect(
        [card("F1", "info", refs=[esi], codes_any=[["64483", "62323"]])],
        forbidden_codes=[*SCS, *RFA, *BLIND_ESI, *FUSION, *IDD],
        forbidden_states=["F2", "F3", "F4", "F5", "F6", "F7", "F8", "P2"],
        rationale=f"The TFESI ({esi}) gave 8 → 3 (62 %) at 3–5 weeks, still 3 at 3 and 4 months (durable), and the "
        "pain came back 7 months later. That is a responder whose effect wore off — not a failure: a "
        "repeat image-guided ESI is reasonable (1 session in 12 months, well under 4). Never 'refractory', "
        "never SCS.",
    )


@scenario(given="Gary", gender="male", birth="1969-09-30")
def f2_blind_injection_only(s: Scenario) -> None:
    """The only ESI was a blind (no imaging) interlaminar injection; no MRI"""
    rad = radic(s, "M54.16", onset=150)
    conservative_care(s, rad, pt=140, nsaid="ibuprofen", nsaid_from=145, nsaid_days=120, pain_referral=100)
    esi = s.procedure(
        "esi-1",
        [cpt("62322")],
        "Lumbar interlaminar epidural steroid injection L4-5, landmark technique without imaging guidance",
        performed=70,
        body_site="L4-5 interlaminar",
        reason=[rad],
    )
    s.pain_around(esi, before=(7, 72), after=[(7, 50), (6, 35)])
    s.expect(
        [card("F2", "warning", refs=[esi], codes=["72148"])],
        forbidden_codes=[*BLIND_ESI, *SCS, *RFA, *FUSION, *IDD],
        forbidden_states=["F3", "F4", "F5", "F6", "F7", "F8"],
        rationale=f"The pain did not respond (7 → 6.5), but the only ESI ({esi}) was coded 62322, without imaging: "
        "an inadequate trial, not a refractory patient. MRI first (none on record), then an image-guided "
        "TFESI at the concordant level; never another blind injection, never SCS or RFA on this basis.",
    )


def failed_tfesi_concordant_extrusion(s: Scenario) -> tuple[str, str, str]:
    """Right S1 radiculopathy for 5 months, an MRI with a concordant L5-S1 extrusion and a right L5-S1
    TFESI 2 months ago that failed by the scores (8 → 7). Returns (condition, MRI, ESI)."""
    rad = radic(s, "M51.17", onset=150, body_site="Right leg (S1 distribution)")
    conservative_care(s, rad, pt=140, nsaid="naproxen", nsaid_from=145, nsaid_days=150)
    rep = mri(
        s,
        110,
        "L5-S1 right paracentral disc extrusion compressing the traversing right S1 nerve "
        "root, concordant with the right S1 radicular symptoms. No spondylolisthesis.",
    )
    s.scores((8, 62))
    s.odi("odi-1", 52, 62)
    esi = tfesi(s, "esi-1", 60, "Right L5-S1", reason=[rad])
    s.pain_around(esi, after=[(7, 45), (7, 35), (7, 25)])
    s.odi("odi-2", 48, 25)
    s.scores((7, 3))
    return rad, rep, esi


@scenario(given="Steven", gender="male", birth="1980-02-14")
def f3_failed_tfesi_concordant(s: Scenario) -> None:
    """Failed right L5-S1 TFESI with a concordant extrusion on MRI, 5 months, no surgical referral"""
    _, rep, esi = failed_tfesi_concordant_extrusion(s)
    s.expect(
        [card("F3", "warning", refs=[esi, rep], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=F3_FORBIDDEN,
        forbidden_states=["F4", "F7", "F8", "P2"],
        rationale=f"Image-guided TFESI ({esi}) failed: 8 → 7 (12 %, Δ 1) at 2–5 weeks. The MRI ({rep}) shows a "
        "concordant compressive lesion at the injected level and side. 5 months from onset, no surgical "
        "referral → warning: refer for discectomy. Not fusion for a routine herniation, not the same ESI "
        "again (the level is not in doubt, so no 64483 of any kind), not RFA or SCS.",
    )


@scenario(given="Jessica", gender="female", birth="1988-07-07")
def f3_failed_tfesi_early_info(s: Scenario) -> None:
    """Failed left L4-5 TFESI with a concordant foraminal protrusion, 11 weeks from onset"""
    rad = radic(s, "M51.16", onset=77, body_site="Left leg (L4 distribution)")
    conservative_care(s, rad, pt=70, nsaid="ibuprofen", nsaid_from=75, nsaid_days=90)
    rep = mri(
        s,
        52,
        "Left foraminal disc protrusion at L4-5 compressing the exiting left L4 nerve root, "
        "concordant with the left L4 radicular symptoms.",
    )
    esi = tfesi(s, "esi-1", 40, "Left L4-5", reason=[rad])
    s.pain_around(esi, before=(7, 41), after=[(7, 25), (6, 12)])
    s.expect(
        [card("F3", "info", refs=[esi, rep], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=F3_FORBIDDEN,
        forbidden_states=["F4", "F7", "F8", "P1", "P2"],
        rationale=f"Same state as the warning variant, earlier: the TFESI ({esi}) failed (7 → 6.5) with a "
        f"concordant lesion ({rep}), but the radiculopathy is 11 weeks old (< 3 months), so the card is "
        "info: surgical opinion once 3 months of care have failed, or earlier if disabling.",
    )


@scenario(given="Richard", gender="male", birth="1960-05-21")
def f4_neuropathy_discordant(s: Scenario) -> None:
    """Failed TFESI in a diabetic with polyneuropathy and non-specific multilevel MRI findings"""
    rad = radic(s, "M54.17", onset=210)
    dm = s.condition(
        "dm-neuropathy-1",
        [icd("E11.42")],
        "Type 2 diabetes mellitus with diabetic polyneuropathy",
        onset="2018",
        recorded=3000,
        note="Distal symmetric polyneuropathy with stocking sensory loss.",
    )
    conservative_care(s, rad, pt=200, nsaid="celecoxib", nsaid_from=205, nsaid_days=120, pain_referral=150)
    rep = mri(
        s,
        170,
        "Mild multilevel degenerative disc disease L3-S1 without nerve root compression. "
        "Findings do not explain the bilateral distal leg symptoms.",
    )
    esi = tfesi(s, "esi-1", 100, "Left L5-S1", outcome=fb.UNSUCCESSFUL, reason=[rad])
    s.pain_around(esi, before=(7, 103), after=[(7, 80), (7, 70)])
    s.expect(
        [card("F4", "info", refs=[esi, dm], codes_any=[EMG])],
        forbidden_codes=[*ESI_REPEAT, *SCS, *FUSION, "63030", "63047", "63042"],
        forbidden_states=["F3", "F7", "F8"],
        rationale=f"The ESI ({esi}) failed (explicit outcome), but the diagnosis is in doubt: diabetic "
        f"polyneuropathy ({dm}) and an MRI ({rep}) without a concordant lesion. Re-evaluate: EMG/NCS to "
        "separate radiculopathy from neuropathy, diagnostic SNRB; no surgery on discordant imaging, no "
        "repeat ESI, no SCS before the diagnosis is clear.",
    )


def facet_pain_after_failed_esi(s: Scenario, *, pending_esi: bool = False, pending_rfa: bool = False) -> None:
    """Axial facet pain (M47.816, normal neurology) taken for radiculopathy: a failed TFESI, and
    optionally a repeat ESI or an RFA without a diagnostic block already ordered; the F5 expectation."""
    rad = radic(
        s,
        "M54.16",
        onset=200,
        note="Pain mainly in the low back and buttocks; does not radiate below the knee; "
        "neurological examination normal.",
    )
    facet = s.condition(
        "facet-1",
        [icd("M47.816"), sct("428671008")],
        "Spondylosis without myelopathy or radiculopathy, lumbar region (facet arthropathy)",
        onset=90,
        category="encounter-diagnosis",
        note="Axial low back pain worse on extension and rotation; no radicular signs.",
    )
    conservative_care(s, rad, pt=190, nsaid="meloxicam", nsaid_from=195, nsaid_days=210, pain_referral=150)
    mri(
        s,
        160,
        "Bilateral facet arthropathy at L4-5 and L5-S1. No disc herniation and no nerve root compression.",
    )
    s.scores((6, 121), leg=False)
    esi = tfesi(s, "esi-1", 120, "Right L5-S1", reason=[rad])
    s.observation("nrs-2", "72514-3", 6, when=100, part_of=esi, body_site="Lower back")
    s.observation("nrs-3", "72514-3", 6, when=90, part_of=esi, body_site="Lower back")
    refs = [esi, facet]
    if pending_esi:
        refs.append(
            s.service_request(
                "esi-order-1",
                [cpt("64483")],
                "Repeat transforaminal epidural steroid injection, right L5-S1",
                authored=4,
                occurrence=-10,
                reason=[rad],
            )
        )
    if pending_rfa:
        refs.append(
            s.service_request(
                "rfa-order-1",
                [cpt("64635"), cpt("64636")],
                "Radiofrequency ablation of lumbar medial branches, bilateral L4-5 and L5-S1",
                authored=4,
                occurrence=-10,
                reason=[facet],
                note="No diagnostic medial branch block done.",
            )
        )
    pending = pending_esi or pending_rfa
    s.expect(
        [card("F5", "warning" if pending else "info", refs=refs, codes_any=[MBB])],
        forbidden_codes=[*RFA, *ESI_ALL, *SCS, *FUSION, "63030", "63047"],
        forbidden_states=["F3", "F4", "F7", "F8"],
        rationale=f"The 'failed ESI' ({esi}: 6 → 6) is really facet pain: axial pain not below the knee, normal "
        f"neurology, facet arthropathy coded ({facet}, M47.816 + SNOMED) and on MRI. Re-evaluate and "
        "offer diagnostic medial branch blocks; RFA only after a positive block; no repeat ESI, no "
        "surgery, no SCS. "
        + (
            "A repeat ESI is already ordered, so the card is a warning and names that order."
            if pending_esi
            else "An RFA is already ordered without any diagnostic block, so the card is a warning and names "
            "that order."
            if pending_rfa
            else "No ESI or RFA order is pending, so the card is info."
        ),
    )


@scenario(given="Barbara", gender="female", birth="1963-10-02")
def f5_facet_pain_not_radicular(s: Scenario) -> None:
    """A 'failed ESI' that is really facet pain: axial pain, M47.816, normal neurology"""
    facet_pain_after_failed_esi(s)


@scenario(given="Mark", gender="male", birth="1967-12-19")
def f5_facet_pain_esi_pending(s: Scenario) -> None:
    """Facet pain after a failed ESI, with a repeat TFESI already ordered"""
    facet_pain_after_failed_esi(s, pending_esi=True)


def stenosis_with_claudication(s: Scenario, *, onset: int, note: str) -> str:
    """Lumbar spinal stenosis with neurogenic claudication (M48.062 with its SNOMED CT concept)."""
    return s.condition(
        "stenosis-1",
        [icd("M48.062"), sct("18347007")],
        "Spinal stenosis, lumbar region with neurogenic claudication",
        onset=onset,
        note=note,
    )


@scenario(given="George", gender="male", birth="1954-08-11")
def f6_neurogenic_claudication(s: Scenario) -> None:
    """Failed interlaminar ESI for L4-5 stenosis with neurogenic claudication (M48.062), age 72"""
    rad = radic(s, "M54.16", onset=400, note="Bilateral buttock and leg pain.")
    sten = stenosis_with_claudication(
        s,
        onset=400,
        note="Neurogenic claudication: bilateral buttock and leg pain after walking 100 m, relieved by "
        "sitting and flexion.",
    )
    conservative_care(s, sten, pt=380, nsaid="ibuprofen", nsaid_from=385, nsaid_days=90, pain_referral=200)
    mri(
        s,
        300,
        "Severe central canal stenosis at L4-5 due to ligamentum flavum hypertrophy. No spondylolisthesis.",
    )
    esi = ilesi(s, "esi-1", 90, "L4-5", reason=[sten, rad])
    s.pain_around(esi, before=(7, 92), after=[(7, 70), (6, 55)])
    s.expect(
        [
            card(
                "F6",
                "info",
                refs=[esi, sten],
                codes_any=[DECOMPRESSION_OR_MILD],
            )
        ],
        forbidden_codes=[*FUSION, *ESI_ALL, *OPIOIDS],
        forbidden_states=["F3", "F4", "F5", "F7", "F8"],
        rationale=f"Lumbar stenosis with neurogenic claudication ({sten}) and ligamentum flavum hypertrophy, no "
        f"instability; the image-guided ILESI ({esi}) failed (7 → 6.5). Decompression referral or MILD; no "
        "fusion without instability, no more epidurals for neurogenic claudication (NICE; ASIPP "
        "disagrees — show both).",
    )


@scenario(given="Deborah", gender="female", birth="1975-06-06")
def f7_two_failed_esis_no_target(s: Scenario) -> None:
    """Two failed TFESIs, extrusion resorbed, surgeon found no target; 11 months, NRS 7"""
    rad = radic(s, "M54.17", onset=330, body_site="Left leg (S1 distribution)")
    conservative_care(s, rad, pt=320, nsaid="naproxen", nsaid_from=325, nsaid_days=180, pain_referral=300)
    mri(s, 295, "Left paracentral disc extrusion at L5-S1 compressing the traversing left S1 nerve root.")
    e1 = tfesi(s, "esi-1", 270, "Left L5-S1", reason=[rad])
    s.pain_around(e1, before=(8, 272), after=[(7, 250), (7, 240)])
    e2 = tfesi(s, "esi-2", 180, "Left L5-S1", reason=[rad])
    s.pain_around(e2, before=(8, 182), after=[(7, 160), (8, 150)])
    mri(
        s,
        130,
        "Interval resorption of the L5-S1 disc extrusion. No residual nerve root compression.",
        rid="mri-2",
    )
    s.referral(
        "surgery",
        authored=125,
        reason=[rad],
        note=f"Seen by spine surgery on {s.ago(100)}: no surgical target (extrusion resorbed on MRI "
        f"{s.ago(130)}); recommend multidisciplinary pain management.",
    )
    emg(s, "emg-1", 110, "Chronic left S1 radiculopathy; no evidence of peripheral neuropathy.")
    s.scores((7, 30), (7, 4))
    s.expect(
        [card("F7", "info", refs=[e1, e2], codes_any=[[*CBT_OR_PSYCH, "63650"]])],
        optional=[card("F8", "warning", refs=[e1, e2])],
        forbidden_codes=[*ESI_ALL, *OPIOIDS, *FUSION, *SCS_PERMANENT],
        forbidden_states=["F3", "F4"],
        rationale=f"Two image-guided TFESIs ({e1}, {e2}) both failed; the surgeon found no target; EMG confirms an "
        "S1 radiculopathy (diagnosis not in doubt); 11 months; NRS 7. Chronic neuropathic radicular pain "
        "without a surgical target: multidisciplinary care with CBT, medication review, SCS evaluation "
        "(psychological assessment, then a trial). No more ESIs, no opioid escalation, no fusion. The "
        "'two consecutive ESIs < 50 %' warning (F8) says the same 'stop injecting' and may appear "
        "beside it.",
    )


@scenario(given="Paul", gender="male", birth="1977-11-23")
def f8_four_esis_in_12_months(s: Scenario) -> None:
    """Four lumbar ESI sessions in 12 months, each helping for only about 6 weeks"""
    rad = radic(s, "M51.17", onset=420, body_site="Left leg (S1 distribution)")
    conservative_care(s, rad, pt=400, nsaid="naproxen", nsaid_from=405, nsaid_days=180, pain_referral=360)
    mri(s, 380, "Left paracentral disc extrusion at L5-S1 compressing the traversing left S1 nerve root.")
    esis = []
    for i, t0 in enumerate((340, 250, 160, 70), start=1):
        s.nrs(f"nrs-{i}-base", 8, t0 + 2)
        if i % 2:
            ref = tfesi(s, f"esi-{i}", t0, "Left L5-S1", reason=[rad])
        else:
            ref = ilesi(
                s, f"esi-{i}", t0, "L5-S1", body_site="L5-S1 interlaminar, left paramedian", reason=[rad]
            )
        esis.append(ref)
        s.nrs(f"nrs-{i}-w3", 3, t0 - 21, part_of=ref)
        s.nrs(f"nrs-{i}-w5", 3, t0 - 35, part_of=ref)
        s.nrs(f"nrs-{i}-late", 7, max(t0 - 70, 5))
    s.expect(
        [card("F8", "warning", refs=esis)],
        optional=[card("F3", ["info", "warning"])],
        forbidden_codes=[*ESI_ALL, *SCS, *RFA, *FUSION],
        forbidden_states=["F1", "F7"],
        rationale="Four lumbar ESI sessions in the last 12 months (the Medicare LCD limit), each a short-lived "
        "response (8 → 3 at 3–5 weeks, back to 7 by 10 weeks). Stop injecting: no fifth ESI; surgical "
        "opinion and re-evaluation. A concordant lesion is on the MRI, so the F3 surgical-referral card "
        "may also appear; F1 ('worked, repeat it') must not.",
    )


# ---------------------------------------------------------------------------------------------
# After lumbar surgery (S states)
# ---------------------------------------------------------------------------------------------


@scenario(given="Michelle", gender="female", birth="1982-09-15")
def s1_post_discectomy_new_pain(s: Scenario) -> None:
    """New left S1 radicular pain 13 months after an L5-S1 microdiscectomy; no imaging since surgery"""
    surg = discectomy(s, 400, "Left L5-S1", "Left L5-S1 microdiscectomy")
    rad = radic(
        s,
        "M54.17",
        onset=35,
        recorded=30,
        category="encounter-diagnosis",
        body_site="Left leg (S1 distribution)",
        note="New left S1 radicular pain 13 months after L5-S1 microdiscectomy.",
    )
    prescribe_nsaid(s, "naproxen", authored=33, days=30)
    s.scores((7, 2))
    s.expect(
        [card("S1", "info", refs=[surg], codes=["72158"])],
        forbidden_codes=["72148", *FUSION, *SCS, "63042", "63044", "63030"],
        forbidden_states=["E1", "E2", "P1"],
        rationale=f"Prior discectomy ({surg}) and new radicular pain ({rad}) more than 3 months later: the "
        "post-surgical branch, not the acute E-states (which would forbid imaging). MRI without AND with "
        "contrast (72158) to tell recurrent herniation from fibrosis; not the non-contrast study alone, "
        "no reoperation before imaging, no fusion, no SCS. No MRI is ordered yet, so the card is info.",
    )


@scenario(given="Edward", gender="male", birth="1971-04-04")
def s1_only_noncontrast_mri_ordered(s: Scenario) -> None:
    """Recurrent radicular pain after an L4-5 laminectomy with only a non-contrast MRI on order"""
    surg = s.procedure(
        "laminectomy-1",
        [cpt("63047")],
        "Laminectomy, facetectomy and foraminotomy L4-5",
        performed=500,
        body_site="L4-5 bilateral",
    )
    rad = radic(
        s,
        "M54.16",
        onset=120,
        body_site="Right leg (L5 distribution)",
        note="Recurrent right L5 radicular pain, first noticed about a year after the laminectomy.",
    )
    conservative_care(s, rad, pt=110, nsaid="naproxen", nsaid_from=115, nsaid_days=120)
    s.scores((7, 5))
    order = s.service_request(
        "mri-order-1",
        [cpt("72148")],
        "MRI lumbar spine without contrast",
        authored=3,
        occurrence=-7,
        reason=[rad],
    )
    s.expect(
        [card("S1", "warning", refs=[surg, order], codes=["72158"])],
        forbidden_codes=["72148", *FUSION, *SCS, "63042"],
        forbidden_states=["P1", "P2"],
        rationale=f"After a laminectomy ({surg}) the imaging that answers the question is MRI without and with "
        f"contrast; only the non-contrast study is on order ({order}), so the card is a warning that names "
        "that order and offers 72158.",
    )


@scenario(given="Christopher", gender="male", birth="1985-01-29")
def s2_recurrent_herniation(s: Scenario) -> None:
    """Recurrent L4-5 disc extrusion on contrast MRI 14 months after microdiscectomy (M51.A2)"""
    surg = discectomy(s, 420, "Right L4-5", "Right L4-5 microdiscectomy")
    rad = radic(
        s,
        "M51.16",
        onset=120,
        body_site="Right leg (L5 distribution)",
        note="Recurrent right L5 radicular pain.",
    )
    conservative_care(s, rad, pt=110, nsaid="naproxen", nsaid_from=115, nsaid_days=120)
    rep = mri(
        s,
        30,
        "Non-enhancing recurrent right paracentral disc extrusion at L4-5 compressing the "
        "traversing right L5 nerve root; thin enhancing granulation tissue along the laminotomy "
        "only. No instability.",
        contrast=True,
    )
    s.condition(
        "annular-defect-1",
        [icd("M51.A2")],
        "Intervertebral annulus fibrosus defect, large, lumbar region",
        onset=30,
        category="encounter-diagnosis",
        body_site="L4-5",
    )
    s.scores((7, 3))
    s.expect(
        [card("S2", "warning", refs=[rep], codes_any=[[*SPINE_REFERRAL, "63042"]])],
        forbidden_codes=[*SCS, *FUSION, *ESI_ALL, *IDD],
        forbidden_states=["S1", "S3"],
        rationale=f"Post-discectomy ({surg}) with a non-enhancing recurrent extrusion compressing the concordant "
        f"root on contrast MRI ({rep}) and a large annular defect (M51.A2): recurrent herniation. Surgical "
        "re-evaluation for revision discectomy. A surgical target exists, so no SCS; no routine fusion; "
        "ESIs are not definitive care. The granulation-tissue phrase must not turn this into fibrosis (S3).",
    )


@scenario(given="Carol", gender="female", birth="1969-05-17")
def s3_fbss_epidural_fibrosis(s: Scenario) -> None:
    """Post-laminectomy syndrome with enhancing epidural fibrosis and no recurrence, 20 months of leg pain"""
    surg = s.procedure(
        "laminectomy-1",
        [cpt("63047")],
        "Laminectomy and foraminotomy L5-S1, left",
        performed=800,
        body_site="Left L5-S1",
    )
    fbss = s.condition(
        "fbss-1", [icd("M96.1"), sct("202725007")], "Postlaminectomy syndrome, lumbar", onset=600
    )
    rad = radic(
        s,
        "M54.17",
        onset=600,
        body_site="Left leg (S1 distribution)",
        note="Constant burning left leg pain since about 7 months after surgery.",
    )
    conservative_care(s, rad, pt=560, nsaid="naproxen", nsaid_from=570, nsaid_days=90)
    rep = mri(
        s,
        60,
        "Enhancing epidural fibrosis encasing the left S1 nerve root at L5-S1. No recurrent "
        "disc herniation. No instability.",
        contrast=True,
    )
    s.referral(
        "surgery",
        authored=50,
        reason=[fbss],
        note=f"Spine surgery review {s.ago(35)}: epidural fibrosis, no recurrence and no instability — no "
        "surgical target; reoperation not advised.",
    )
    s.scores((7, 200), (7, 100), (7, 10))
    s.odi("odi-1", 46, 10)
    s.expect(
        [card("S3", "info", refs=[rep, fbss], codes_any=[[*CBT_OR_PSYCH, "63650"]])],
        forbidden_codes=[*SCS_PERMANENT, "63042", "63030", "63047", *FUSION, *OPIOIDS],
        forbidden_states=["S1", "S2", "S4"],
        rationale=f"Post-laminectomy syndrome ({fbss}) after {surg}; contrast MRI ({rep}) shows fibrosis without "
        "recurrence or instability; neuropathic leg pain ≥ 6 months at NRS 7. SCS evaluation: "
        "psychological assessment and a trial, a permanent implant only after ≥ 50 % relief; "
        "multidisciplinary care/CBT. No reoperation for scar, no implant without a trial.",
    )


@scenario(given="Isabel", gender="female", birth="1980-07-19")
def s1_stable_flexion_extension_films(s: Scenario) -> None:
    """New S1 radicular pain after an L5-S1 microdiscectomy; flexion-extension films show no listhesis or motion"""
    surg = discectomy(s, 430, "Left L5-S1", "Left L5-S1 microdiscectomy")
    rad = radic(
        s,
        "M54.17",
        onset=40,
        recorded=36,
        category="encounter-diagnosis",
        body_site="Left leg (S1 distribution)",
        note="New left S1 radicular pain 14 months after L5-S1 microdiscectomy.",
    )
    prescribe_nsaid(s, "naproxen", authored=38, days=30)
    xr = s.report(
        "xray-1",
        "72114",
        "Lumbar spine radiographs with flexion-extension views",
        when=10,
        conclusion="Postoperative changes at L5-S1. No spondylolisthesis; no abnormal translation or "
        "angulation between flexion and extension: stable.",
    )
    s.scores((7, 2))
    s.expect(
        [card("S1", "info", refs=[surg], codes=["72158"])],
        forbidden_codes=["72148", *FUSION, *SCS, "63042", "63044", "63030"],
        forbidden_states=["S4", "E1", "E2", "P1"],
        rationale=f"Prior discectomy ({surg}) and new radicular pain ({rad}); flexion-extension films ({xr}) are "
        "stable with no listhesis and no instability is coded, so the instability branch (S4, where fusion "
        "may be appropriate) must not fire. Contrast MRI (72158) first (S1); no fusion.",
    )


def unstable_spondylolisthesis(s: Scenario, *, side: str, xray: str) -> tuple[str, str, str]:
    """L4 radiculopathy on the ``side`` for 200 days with degenerative L4-5 spondylolisthesis,
    conservative care, and flexion-extension radiographs concluding ``xray``. Returns (radicular
    condition, spondylolisthesis, radiograph report)."""
    rad = radic(s, "M54.16", onset=200, body_site=f"{side} leg (L4 distribution)")
    spon = s.condition(
        "spondylolisthesis-1",
        [icd("M43.16"), sct("4046000")],
        "Degenerative spondylolisthesis L4-5",
        onset=180,
    )
    conservative_care(s, rad, pt=190, nsaid="naproxen", nsaid_from=195, nsaid_days=120)
    xr = s.report(
        "xray-1", "72114", "Lumbar spine radiographs with flexion-extension views", when=170, conclusion=xray
    )
    return rad, spon, xr


@scenario(given="Janet", gender="female", birth="1962-02-08")
def s4_spondylolisthesis(s: Scenario) -> None:
    """Degenerative L4-5 spondylolisthesis with dynamic instability and refractory L4 radiculopathy"""
    rad, spon, xr = unstable_spondylolisthesis(
        s,
        side="Right",
        xray="Grade 1 degenerative anterolisthesis of L4 on L5 measuring 4 mm in extension and 9 mm "
        "in flexion: dynamic instability.",
    )
    mri(
        s,
        165,
        "Grade 1 anterolisthesis of L4 on L5 with severe right foraminal stenosis compressing the "
        "exiting right L4 nerve root.",
    )
    esi = tfesi(s, "esi-1", 110, "Right L4-5", outcome=fb.UNSUCCESSFUL, reason=[rad])
    s.pain_around(esi, before=(7, 112), after=[(7, 90), (7, 80)])
    s.expect(
        [card("S4", "warning", refs=[spon, xr], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=["0275T", "G0276", *RFA, *ESI_ALL, *SCS],
        forbidden_states=["F3", "F4", "F6"],
        rationale=f"Spondylolisthesis ({spon}) with dynamic instability on flexion-extension films ({xr}) and "
        "radiculopathy refractory to conservative care and an image-guided TFESI, > 3 months, no "
        "referral → warning: surgical referral where decompression ± fusion is appropriate (the "
        "instability exception). F3's 'no fusion' advice would be wrong here. No MILD, no facet RFA, no "
        "more ESIs, no SCS before a surgical opinion.",
    )


# ---------------------------------------------------------------------------------------------
# Post-surgical branch: lumbar only, and by recency (decision model §7.4)
# ---------------------------------------------------------------------------------------------


@scenario(given="Bernard", gender="male", birth="1975-02-11")
def s0_new_pain_five_weeks_after_discectomy(s: Scenario) -> None:
    """Left S1 radicular pain back at NRS 7 five weeks after an L5-S1 microdiscectomy"""
    rad = radic(s, "M54.17", onset=200, body_site="Left leg (S1 distribution)")
    surg = discectomy(s, 35, "Left L5-S1", "Left L5-S1 microdiscectomy")
    s.scores((2, 28))
    after = s.nrs("nrs-2", 7, 3)
    s.expect(
        [card("S0", "warning", refs=[surg, after], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=[*ESI_ALL, *FUSION, *SCS, *RFA, "63042"],
        forbidden_states=["S1", "S2", "S3", "P1", "P2", "E1", "E2"],
        rationale=f"Radicular pain ({rad}) back at 7/10 ({after}) five weeks after a lumbar discectomy ({surg}): "
        "within 3 months of the operation the operating surgeon assesses early recurrence, haematoma, "
        "infection or misplaced hardware (§7.4). A card, never silence; no ESI, no conservative pathway.",
    )


@scenario(given="Gordon", gender="male", birth="1968-09-19")
def s1_pain_five_months_after_discectomy(s: Scenario) -> None:
    """New left S1 radicular pain five months after an L5-S1 microdiscectomy; no imaging since"""
    surg = discectomy(s, 150, "Left L5-S1", "Left L5-S1 microdiscectomy")
    rad = radic(s, "M54.17", onset=30, body_site="Left leg (S1 distribution)", note="New pain since a month.")
    s.scores((6, 2))
    s.expect(
        [card("S1", "info", refs=[surg], codes=["72158"])],
        forbidden_codes=["72148", *FUSION, *SCS],
        forbidden_states=["S0", "P1", "E1", "E2"],
        rationale=f"Pain ({rad}) five months after the discectomy ({surg}) is past the 3-month window: not "
        "'contact the surgeon' but S1, MRI without and with contrast (§7.4).",
    )


@scenario(given="Leonard", gender="male", birth="1960-03-03")
def s1_laminectomy_two_years_ago_lumbar_site(s: Scenario) -> None:
    """Laminectomy coded without a region (SNOMED) at L4-5 two years ago; new L5 radicular pain"""
    surg = s.procedure(
        "laminectomy-1", [sct("387731002")], "Laminectomy", performed=730, body_site="L4-5"
    )
    rad = radic(s, "M54.16", onset=40, body_site="Right leg (L5 distribution)")
    s.scores((6, 2))
    s.expect(
        [card("S1", "info", refs=[surg], codes=["72158"])],
        forbidden_codes=["72148", *FUSION, *SCS],
        forbidden_states=["S0", "E1", "E2", "P1"],
        rationale=f"A laminectomy coded without a region ({surg}) opens the post-surgical branch because its "
        f"body site is lumbar (L4-5, §7.4); new pain ({rad}) two years later is S1.",
    )


@scenario(given="Vincent", gender="male", birth="1966-11-23")
def p1_cervical_discectomy_not_post_surgical(s: Scenario) -> None:
    """Eight weeks of S1 radiculopathy; an anterior cervical discectomy and fusion C5-C6 in 2024"""
    rad = persistent_despite_conservative_care(s)
    acdf = s.procedure(
        "acdf-1",
        [sct("3418002"), sct("55705006")],
        "Anterior cervical discectomy and fusion C5-C6",
        performed=700,
        body_site="C5-C6",
    )
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION],
        forbidden_states=["S0", "S1", "S2", "S3", "S4"],
        rationale=f"A cervical operation ({acdf}) is not lumbar surgery (§7.4): the spine codes it carries "
        "(discectomy of spine, spinal arthrodesis) do not name the region, and its site is C5-C6. The "
        "lumbar radiculopathy follows the conservative branch (P1, non-contrast MRI).",
    )


@scenario(given="Clifford", gender="male", birth="1958-05-05")
def p1_ankle_arthrodesis_status_not_post_surgical(s: Scenario) -> None:
    """Eight weeks of S1 radiculopathy; arthrodesis status (Z98.1) from a right ankle fusion"""
    rad = persistent_despite_conservative_care(s)
    z = s.condition(
        "fusion-status-1",
        [icd("Z98.1")],
        "Arthrodesis status",
        onset="2018",
        recorded=3000,
        body_site="Right ankle",
        note="Right ankle fusion 2018 after a fracture.",
    )
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION],
        forbidden_states=["S0", "S1", "S2", "S3", "S4"],
        rationale=f"Arthrodesis status ({z}) names no spine: here it is an ankle fusion, so it does not open "
        "the post-surgical branch (§7.4: Z98.1 only with lumbar context). P1 applies.",
    )


# ---------------------------------------------------------------------------------------------
# Neuromodulation, ablation, intrathecal (N, A, L)
# ---------------------------------------------------------------------------------------------


@scenario(given="Anthony", gender="male", birth="1966-08-08")
def n1_scs_trial_success(s: Scenario) -> None:
    """Seven-day SCS trial with 70 % leg-pain relief, finished 5 days ago"""
    chronic_radiculopathy_without_target(s, onset=900)
    trial = scs_trial(
        s,
        "scs-trial-1",
        12,
        5,
        outcome=fb.SUCCESSFUL,
        note="7-day percutaneous trial: 70 % leg pain relief, walking tolerance doubled.",
    )
    s.pain_around(trial, before=(8, 14), after=[(2, 9), (3, 6)])
    s.expect(
        [card("N1", "info", refs=[trial], codes_any=[["63685", "63655"]])],
        forbidden_codes=[*IDD, *ESI_ALL, *FUSION],
        forbidden_states=["F7", "F8", "N2", "L1"],
        rationale=f"The SCS trial ({trial}: 63650 with lead removal, outcome successful, 8 → 2–3) succeeded: "
        "proceed to the permanent implant. The chronic-pain F-states this patient once met (two failed "
        "ESIs, no target → SCS evaluation) are behind them and must not reappear.",
    )


@scenario(given="Sharon", gender="female", birth="1970-03-03")
def n2_scs_trial_failed(s: Scenario) -> None:
    """SCS trial with 20 % relief of focal left-foot pain, 3 weeks ago"""
    chronic_radiculopathy_without_target(s, onset=900)
    trial = scs_trial(
        s,
        "scs-trial-1",
        25,
        18,
        outcome=fb.UNSUCCESSFUL,
        note="7-day trial: 20 % relief; the residual pain is focal in the left foot.",
    )
    s.pain_around(trial, before=(8, 27), after=[(7, 22), (7, 19)])
    s.expect(
        [card("N2", "warning", refs=[trial])],
        forbidden_codes=[*SCS_PERMANENT, *IDD, *ESI_ALL],
        forbidden_states=["F7", "F8", "N1", "L1"],
        rationale=f"The SCS trial ({trial}) failed (< 50 %, outcome unsuccessful): do not implant (no 63685/63655). "
        "DRG stimulation for the focal foot pain, multidisciplinary care/CBT; intrathecal delivery is a "
        "later step, so L1 must not fire three weeks after a first failed trial with DRG untried.",
    )


def implanted_scs_after_successful_trial(s: Scenario) -> str:
    """A successful 7-day SCS trial (pain 8 → 3) 17 months ago, then a permanent percutaneous system
    with its pulse generator 15 months ago; returns the pulse generator's reference."""
    trial = scs_trial(s, "scs-trial-1", 520, 513, outcome=fb.SUCCESSFUL, note="7-day trial: 65 % relief.")
    s.pain_around(trial, before=(8, 525), after=[(3, 516)])
    s.procedure(
        "scs-leads-1",
        [cpt("63650")],
        "Permanent percutaneous SCS leads T8-T10",
        performed=450,
        body_site="Epidural space T8-T10",
        note="Permanent system implanted with the pulse generator.",
    )
    return s.procedure(
        "scs-ipg-1",
        [cpt("63685")],
        "Insertion of spinal cord stimulator implantable pulse generator",
        performed=450,
        body_site="Left flank subcutaneous pocket",
    )


@scenario(given="Joseph", gender="male", birth="1964-12-01")
def n3_scs_losing_effect(s: Scenario) -> None:
    """Implanted SCS (IPG 15 months ago) with pain climbing back from 2-3 to 8"""
    chronic_radiculopathy_without_target(s, onset=1100)
    ipg = implanted_scs_after_successful_trial(s)
    s.scores((3, 400), (2, 300), (3, 200), (6, 60))
    latest = s.nrs("nrs-7", 8, 6)
    s.expect(
        [card("N3", "info", refs=[ipg, latest])],
        forbidden_codes=[*EXPLANT, *OPIOIDS],
        forbidden_states=["F7", "F8", "N1", "N2", "L1"],
        rationale=f"A permanent stimulator ({ipg}) worked (8 → 2–3) and pain has climbed back to 8 ({latest}), the "
        "fact that identifies N3 and that the card must show: interrogation "
        "and reprogramming, radiographs for lead migration, re-evaluation. No explant without "
        "troubleshooting, no opioid escalation. The old successful trial must not produce N1 again.",
    )


@scenario(given="Albert", gender="male", birth="1963-02-14")
def n3_scs_still_helping(s: Scenario) -> None:
    """Post-laminectomy syndrome with an SCS implanted 15 months ago still giving half relief: pain 8 before, 2-4 since"""
    surg = s.procedure(
        "laminectomy-1",
        [cpt("63047")],
        "Laminectomy and foraminotomy L5-S1, right",
        performed=1200,
        body_site="Right L5-S1",
    )
    fbss = s.condition(
        "fbss-1", [icd("M96.1"), sct("202725007")], "Postlaminectomy syndrome, lumbar", onset=1000
    )
    rad = radic(
        s,
        "M54.17",
        onset=1000,
        body_site="Right leg (S1 distribution)",
        note="Constant burning right leg pain since about 7 months after surgery.",
    )
    conservative_care(s, rad, pt=960, nsaid="naproxen", nsaid_from=970, nsaid_days=90)
    mri(
        s,
        700,
        "Enhancing epidural fibrosis around the right S1 nerve root at L5-S1. No recurrent disc "
        "herniation. No instability.",
        contrast=True,
    )
    s.referral(
        "surgery",
        authored=660,
        reason=[fbss],
        note="Spine surgery review: epidural fibrosis, no surgical target; reoperation not advised.",
    )
    s.procedure(
        "psych-eval-1",
        [cpt("90834")],
        "Psychotherapy session: pre-neuromodulation psychological evaluation",
        performed=600,
        note="Psychological evaluation before neuromodulation: suitable candidate.",
    )
    ipg = implanted_scs_after_successful_trial(s)
    s.scores((3, 400), (2, 300), (3, 200), (3, 60))
    latest = s.nrs("nrs-7", 4, 6)
    s.expect(
        [],
        forbidden_codes=[*EXPLANT, *OPIOIDS, *SCS_PERMANENT, *FUSION, "63047"],
        forbidden_states=["N3", "S3", "N1", "N2", "L1"],
        rationale=f"Post-laminectomy syndrome ({fbss}) after {surg}, treated with a permanent stimulator ({ipg}) "
        f"that still works: pain 8 before the trial, 2-3 since, now 4 ({latest}), still 50 % below the "
        "baseline. A two-point rise that keeps half the relief is not loss of effect, so no N3 (no "
        "interrogation work-up, no explant); the SCS evaluation of S3 is behind this patient. No card.",
    )


def facet_pain_after_positive_blocks(
    s: Scenario, *, onset: int, facet_code: tuple[str, str], side: str
) -> tuple[str, str]:
    """Radicular pain with facet arthropathy (``facet_code``: ICD-10-CM, SNOMED CT) since ``onset`` days
    ago: conservative care, a failed TFESI on the ``side``, two positive diagnostic medial branch
    blocks. Returns (radicular condition, facet condition)."""
    rad = radic(s, "M54.16" if side == "Right" else "M54.17", onset=onset)
    facet = s.condition(
        "facet-1",
        [icd(facet_code[0]), sct(facet_code[1])],
        "Lumbar facet joint arthropathy",
        onset=onset - 200,
        note="Axial low back pain worse on extension and rotation.",
    )
    conservative_care(
        s,
        rad,
        pt=onset - 20,
        nsaid="meloxicam",
        nsaid_from=onset - 10,
        nsaid_days=180,
        pain_referral=onset - 40,
    )
    mri(s, onset - 50, "Bilateral facet arthropathy at L4-5 and L5-S1. No nerve root compression.")
    tfesi(s, "esi-1", onset - 100, f"{side} L5-S1", outcome=fb.UNSUCCESSFUL, reason=[rad])
    s.procedure(
        "mbb-1",
        [cpt("64493"), cpt("64494")],
        "Diagnostic medial branch blocks, bilateral L4-5 and L5-S1",
        performed=onset - 300,
        reason=[facet],
        note="80 % relief of the back pain during the anaesthetic phase.",
    )
    s.procedure(
        "mbb-2",
        [cpt("64493"), cpt("64494")],
        "Diagnostic medial branch blocks, bilateral L4-5 and L5-S1 (confirmatory)",
        performed=onset - 315,
        reason=[facet],
        note="85 % relief of the back pain during the anaesthetic phase.",
    )
    return rad, facet


@scenario(given="Margaret", gender="female", birth="1960-06-30")
def a1_failed_rfa(s: Scenario) -> None:
    """Facet RFA after two positive blocks gave no relief at 5-12 weeks"""
    facet_pain_after_positive_blocks(s, onset=600, facet_code=("M47.816", "428671008"), side="Right")
    rfa = facet_rfa(s, "rfa-1", 120)
    s.pain_around(rfa, before=(7, 122), after=[(7, 85), (6, 60), (7, 35)], leg=False)
    s.expect(
        [card("A1", "info", refs=[rfa])],
        optional=[card("F5", ["info", "warning"])],
        forbidden_codes=[*RFA, "64640", *FUSION],
        forbidden_states=["A2"],
        rationale=f"Medial-branch RFA ({rfa}) after two positive blocks gave no relief (7 → 7 at 5–12 weeks, < 30 %): "
        "failed ablation. Re-evaluate (imaging, repeat diagnostic block), pulsed RF, medication review, "
        "multidisciplinary care. Never a repeat RFA at the same level after an ablation that gave no "
        "relief, chemical neurolysis is not the first next step, no fusion.",
    )


@scenario(given="Kenneth", gender="male", birth="1968-10-10")
def a2_rfa_worked_then_recurred(s: Scenario) -> None:
    """Facet RFA gave 70 % relief for more than 6 months; pain back at 10 months"""
    facet_pain_after_positive_blocks(s, onset=700, facet_code=("M47.817", "247369005"), side="Left")
    rfa = s.procedure(
        "rfa-1",
        [cpt("64635")],
        "Radiofrequency ablation of lumbar medial branches, bilateral L5-S1",
        performed=320,
        body_site="Bilateral L5-S1 medial branches",
        outcome=fb.SUCCESSFUL,
    )
    s.pain_around(rfa, before=(7, 322), after=[(2, 280), (2, 240)], leg=False)
    s.scores((3, 140), (3, 120), (6, 30), (7, 5), leg=False)
    s.expect(
        [card("A2", "info", refs=[rfa], codes_any=[["64635"]])],
        optional=[card("F5", ["info", "warning"])],
        forbidden_codes=[*SCS, *IDD],
        forbidden_states=["A1"],
        rationale=f"The RFA ({rfa}) gave 7 → 2 (71 %) and was still ≥ 50 % at 6 months (3 at 6 and 6.5 months); pain "
        "returned at about 10 months. Nerve regeneration, not a failed ablation: a repeat RFA is "
        "reasonable (Medicare facet LCD repeat criterion). Never labelled failed (A1), never SCS.",
    )


@scenario(given="Ruth", gender="female", birth="1965-09-09")
def l1_neuromodulation_exhausted(s: Scenario) -> None:
    """Failed SCS trial and failed DRG trial, no surgical target, NRS 8 after 2.7 years"""
    chronic_radiculopathy_without_target(s, onset=1000)
    mri(s, 420, "Stable small L5-S1 disc bulge. No nerve root compression. No surgical target.", rid="mri-2")
    scs = scs_trial(s, "scs-trial-1", 330, 323, outcome=fb.UNSUCCESSFUL, note="7-day SCS trial: 15 % relief.")
    s.pain_around(scs, before=(8, 335), after=[(7, 326)])
    drg = scs_trial(
        s,
        "drg-trial-1",
        150,
        143,
        outcome=fb.UNSUCCESSFUL,
        text="Dorsal root ganglion stimulator trial, left L5 and S1 (percutaneous leads)",
        note="DRG stimulation trial: 20 % relief of the left foot pain.",
    )
    s.pain_around(drg, before=(8, 155), after=[(7, 146)])
    s.scores((8, 5))
    s.odi("odi-1", 58, 5)
    s.expect(
        [card("L1", ["info", "warning"], refs=[scs, drg])],
        optional=[card("N2", "warning")],
        forbidden_codes=[*OPIOIDS, *SCS, *ESI_ALL, *RFA],
        forbidden_states=["F7", "F8", "N1"],
        rationale=f"Both neuromodulation trials failed ({scs}; DRG trial {drg}) and there is no surgical target: "
        "refractory to neuromodulation and interventions → intrathecal drug delivery evaluation "
        "(psychological evaluation, attempted systemic-opioid reduction, trial; PACC), multidisciplinary "
        "care. No systemic-opioid escalation, no repeat of the failed trials.",
    )


# ---------------------------------------------------------------------------------------------
# Cross-cutting medication and psychosocial cards (M, Y), each beside one pathway card
# ---------------------------------------------------------------------------------------------


@scenario(given="Larry", gender="male", birth="1972-01-26")
def m1_long_term_opioid_with_benzo(s: Scenario) -> None:
    """Oxycodone 10 mg q6h (60 MME) for 4 months plus diazepam; radiculopathy 5 months, never referred"""
    rad = radic(s, "M54.16", onset=150)
    conservative_care(s, rad, pt=140, nsaid="naproxen", nsaid_from=145, nsaid_days=150)
    oxy = [
        prescribe(s, "oxycodone", rid=f"oxycodone-{i}", authored=a)
        for i, a in enumerate((130, 100, 70, 40, 10), start=1)
    ]
    dz = prescribe(s, "diazepam", authored=60, repeats=2)
    s.scores((7, 5))
    s.expect(
        [
            card("P2", "warning", refs=[rad], codes_any=[SPECIALIST_REFERRAL]),
            card("M1", "warning", refs=[dz], refs_any=oxy, codes_any=[["7242"]]),
        ],
        forbidden_codes=[*OPIOIDS, "3322", *BLIND_ESI, *FUSION],
        forbidden_states=["P1"],
        rationale="Opioid prescriptions spanning 130 days at 60 MME/day (oxycodone 40 mg × 1.5) with a "
        "benzodiazepine: long-term opioid therapy (CDC 2022) — reassess, taper if benefit does not "
        "outweigh harm (never abruptly), offer naloxone, avoid the benzodiazepine. The cross-cutting M1 "
        "card co-fires with the one pathway card (P2: > 3 months, never referred).",
    )


@scenario(given="Scott", gender="male", birth="1979-07-21")
def m2_gabapentin_with_p1(s: Scenario) -> None:
    """Gabapentin started 4 weeks ago in an 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    gaba = prescribe(s, "gabapentin", authored=28)
    s.expect(
        [
            card("P1", "info", refs=[rad], codes=["72148"]),
            card("M2", "info", refs=[gaba], conflict=True),
        ],
        forbidden_codes=[*NEUROPATHIC, "72158", *BLIND_ESI, *FUSION],
        rationale=f"Gabapentin ({gaba}) for radicular pain: an info card that shows the evidence conflict (NICE "
        "CG173 lists neuropathic agents; PRECISE/NICE NG59 found no benefit for sciatica), asks for a "
        "benefit review at 4–8 weeks and a taper if no benefit, and never suggests starting or escalating "
        "a gabapentinoid. It co-fires with the single pathway card (P1).",
    )


@scenario(given="Emily", gender="female", birth="1991-02-12")
def m2_pregabalin_statement_contained(s: Scenario) -> None:
    """Pregabalin recorded as a MedicationStatement with a contained Medication, 3-week sciatica"""
    rad = early_sciatica(s)
    stmt: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": "pregabalin-1",
        "contained": [
            {
                "resourceType": "Medication",
                "id": "med-pregabalin",
                "code": fb.concept(rx("187832"), text="Pregabalin 75 mg oral capsule"),
                "form": {"text": "capsule"},
            }
        ],
        "status": "active",
        "medicationReference": {"reference": "#med-pregabalin", "display": "Pregabalin 75 mg oral capsule"},
        "subject": s.subject,
        "effectivePeriod": {"start": s.ago(14)},
        "dateAsserted": s.at(2, "10:00"),
        "informationSource": {"reference": f"Patient/{s.pid}"},
        "dosage": [{"text": "75 mg by mouth twice daily (started by an urgent-care clinic)"}],
    }
    s.keys["medicationStatements"].append(stmt)
    ref = "MedicationStatement/pregabalin-1"
    s.expect(
        [
            card("E1", "info", refs=[rad]),
            card("M2", "info", refs=[ref], conflict=True),
        ],
        forbidden_codes=E1_FORBIDDEN,
        rationale="The drug is only identifiable through the contained Medication (RxNorm pregabalin). Pregabalin "
        "for sciatica earns the M2 evidence-conflict card beside the one pathway card (E1).",
    )


@scenario(given="Ashley", gender="female", birth="1986-11-30")
def m3_prednisone_burst(s: Scenario) -> None:
    """Five-day oral prednisone burst for 12 days of sciatica"""
    rad = early_sciatica(s, onset=12)
    pred = s.med_request(
        "prednisone-1",
        "8640",
        "Prednisone 20 mg oral tablet",
        authored=3,
        days=5,
        dose_mg=40,
        per_day=1,
        note="Oral burst: 40 mg once daily for 5 days.",
    )
    s.expect(
        [
            card("E1", "info", refs=[rad]),
            card("M3", "info", refs=[pred], conflict=True),
        ],
        forbidden_codes=[*E1_FORBIDDEN, *ORAL_STEROIDS],
        rationale=f"An oral corticosteroid burst ({pred}) for sciatica: info card noting NICE NG59 recommends "
        "against oral corticosteroids for sciatica while a trial (Goldberg, JAMA 2015) found a modest gain — both "
        "positions shown; no renewal or repeat course suggested. Co-fires with E1.",
    )


@scenario(given="Jason", gender="male", birth="1983-03-18")
def y1_phq9_with_f3(s: Scenario) -> None:
    """PHQ-9 of 15 in a patient with a failed TFESI and a concordant extrusion"""
    _, rep, esi = failed_tfesi_concordant_extrusion(s)
    phq = s.observation("phq9-1", "44261-6", 15, when=14, as_integer=True)
    s.expect(
        [
            card("F3", "warning", refs=[esi, rep], codes_any=[SPINE_REFERRAL]),
            card("Y1", "info", refs=[phq], codes_any=[CBT_OR_PSYCH]),
        ],
        forbidden_codes=F3_FORBIDDEN,
        rationale=f"PHQ-9 of 15 ({phq}) ≥ 10: biopsychosocial assessment before the surgical referral the F3 card "
        "recommends, CBT/multidisciplinary programme (NICE NG59). Y1 co-fires with the one pathway card.",
    )


# ---------------------------------------------------------------------------------------------
# No card: the gate stays closed
# ---------------------------------------------------------------------------------------------


@scenario(given="Eric", gender="male", birth="1979-10-05")
def x1_incidental_disc_finding(s: Scenario) -> None:
    """Incidental L4-5 disc displacement on MRI, no radicular diagnosis"""
    s.condition(
        "disc-1",
        [icd("M51.26"), sct("20021007")],
        "Other intervertebral disc displacement, lumbar region",
        onset=40,
        note="Incidental finding on MRI; no leg symptoms.",
    )
    mri(s, 40, "Incidental broad-based L4-5 disc bulge without nerve root compression.")
    s.scores((3, 40), leg=False)
    s.expect(
        [],
        forbidden_codes=[*ESI_ALL, *FUSION, *IMAGING_ANY, *RFA, *SCS],
        rationale="Disc codes and an imaging finding alone never open the gate (X1): disc abnormalities are common "
        "in people without symptoms. No card at all.",
    )


@scenario(given="Diane", gender="female", birth="1976-04-16")
def gate_refuted_radiculopathy(s: Scenario) -> None:
    """Radiculopathy recorded but refuted (EMG normal, hip osteoarthritis); disc displacement on file"""
    radic(
        s,
        "M54.16",
        onset=90,
        verification="refuted",
        note="Radiculopathy excluded: normal neurological examination and EMG; symptoms from hip "
        "osteoarthritis.",
    )
    s.condition("disc-1", [icd("M51.26")], "Other intervertebral disc displacement, lumbar region", onset=60)
    emg(s, "emg-1", 30, "Normal study: no lumbosacral radiculopathy, no neuropathy.")
    prescribe_nsaid(s, "naproxen", authored=85, days=90)
    s.scores((6, 5))
    s.expect(
        [],
        forbidden_codes=[*ESI_ALL, *IMAGING_ANY, *FUSION],
        rationale="A refuted radicular Condition does not open the gate and the disc code alone never does: no card.",
    )


@scenario(given="Frank", gender="male", birth="1983-12-24")
def gate_resolved_radiculopathy(s: Scenario) -> None:
    """Radiculopathy resolved 7 months ago after a successful TFESI"""
    rad = radic(
        s,
        "M54.17",
        onset=400,
        clinical="resolved",
        abatement=200,
    )
    tfesi(s, "esi-1", 350, "Right L5-S1", outcome=fb.SUCCESSFUL, reason=[rad])
    s.scores((1, 30))
    s.expect(
        [],
        forbidden_codes=[*ESI_ALL, *IMAGING_ANY, *SCS],
        rationale="A resolved radicular Condition is not current: the gate is closed and no card appears, even "
        "though an ESI is on record.",
    )


# ---------------------------------------------------------------------------------------------
# Harder cases: failure inference, coding traps, precedence
# ---------------------------------------------------------------------------------------------


def radiculopathy_with_concordant_extrusion(
    s: Scenario,
    *,
    onset: int,
    side: str,
    icd_code: str = "M51.17",
    pain_referral: int | None = None,
) -> tuple[str, str]:
    """Radicular pain from an L5-S1 extrusion on the ``side``, with 6 weeks of PT and an NSAID."""
    rad = radic(s, icd_code, onset=onset, body_site=f"{side} leg (S1 distribution)")
    conservative_care(s, rad, pt=onset - 10, nsaid="naproxen", nsaid_from=onset - 5, nsaid_days=180)
    if pain_referral is not None:
        s.referral("pain", authored=pain_referral, reason=[rad])
    rep = mri(
        s,
        onset - 30,
        f"{side} paracentral disc extrusion at L5-S1 compressing the traversing {side.lower()} S1 nerve root, "
        f"concordant with the {side.lower()} S1 radicular symptoms.",
    )
    return rad, rep


@scenario(given="Victor", gender="male", birth="1979-08-03")
def f3_partial_response_counts_as_failure(s: Scenario) -> None:
    """TFESI gave 37 % relief (8 → 5): clinically noticeable but below the 50 % response threshold"""
    rad, rep = radiculopathy_with_concordant_extrusion(s, onset=160, side="Left")
    esi = tfesi(s, "esi-1", 70, "Left L5-S1", reason=[rad])
    s.pain_around(esi, before=(8, 72), after=[(5, 50), (5, 40)])
    s.scores((6, 4))
    s.expect(
        [card("F3", "warning", refs=[esi, rep], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=F3_FORBIDDEN,
        forbidden_states=["F1", "F0", "P2"],
        rationale=f"The TFESI ({esi}) gave 8 → 5 (37 %, Δ 3): a PARTIAL response — real (Farrar/Ostelo MCID) but "
        "below the 50 % threshold for repeating it, and §3.1 counts PARTIAL as entry to the refractory "
        "states. Concordant lesion, 5 months, no surgical referral → F3 warning; not F1.",
    )


@scenario(given="Rebecca", gender="female", birth="1984-05-27")
def f3_explicit_success_but_short_lived(s: Scenario) -> None:
    """TFESI charted 'successful' at 3 weeks, pain back to baseline by 10 weeks"""
    rad = radic(s, "M51.16", onset=200, body_site="Right leg (L5 distribution)")
    conservative_care(s, rad, pt=190, nsaid="naproxen", nsaid_from=195, nsaid_days=180)
    rep = mri(
        s,
        170,
        "Right paracentral disc extrusion at L4-5 compressing the traversing right L5 nerve "
        "root, concordant with the right L5 radicular symptoms.",
    )
    esi = tfesi(
        s,
        "esi-1",
        120,
        "Right L4-5",
        outcome=fb.SUCCESSFUL,
        reason=[rad],
        note="Outcome recorded at the 3-week review: good early relief.",
    )
    s.pain_around(esi, before=(8, 122), after=[(3, 100), (3, 90), (7, 50)])
    s.scores((8, 30), (8, 5))
    s.expect(
        [card("F3", "warning", refs=[esi, rep], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=F3_FORBIDDEN,
        forbidden_states=["F1"],
        rationale=f"Procedure.outcome says 'successful' ({esi}), but §3.1 still applies the durability check to an "
        "ESI: 8 → 3 at 3–4 weeks, back to 7–8 by 10–13 weeks (< 30 % relief) — a SHORT-LIVED response, "
        "which counts as failure. With the concordant L4-5 extrusion this is F3, not 'worked, then "
        "recurred' (F1).",
    )


@scenario(given="Howard", gender="male", birth="1972-10-29")
def f2_level_discordant(s: Scenario) -> None:
    """Failed image-guided TFESI at L3-4 for an S1 radiculopathy from an L5-S1 extrusion"""
    rad, rep = radiculopathy_with_concordant_extrusion(
        s, onset=150, side="Right", icd_code="M54.17", pain_referral=110
    )
    esi = tfesi(s, "esi-1", 70, "Right L3-4", reason=[rad])
    s.pain_around(esi, before=(7, 72), after=[(7, 50), (7, 40)])
    s.expect(
        [card("F2", "warning", refs=[esi, rep], codes_any=[["64483", "62323"]])],
        forbidden_codes=[*BLIND_ESI, *SCS, *RFA, *FUSION, *IDD],
        forbidden_states=["F3", "F7", "F8"],
        rationale=f"The only ESI ({esi}) was image-guided but at L3-4, while the MRI ({rep}) shows the compressive "
        "lesion at L5-S1: the level was discordant, so the patient has not had an adequate ESI trial "
        "(F2; §1.2 'spine-level concordance'). Offer an image-guided ESI at the concordant level; do not "
        "call the pain refractory.",
    )


@scenario(given="Cynthia", gender="female", birth="1977-01-18")
def f0_outcome_unrecorded_one_proxy(s: Scenario) -> None:
    """TFESI 3 months ago with no outcome or pain score recorded; one indirect sign only"""
    rad, _ = radiculopathy_with_concordant_extrusion(s, onset=150, side="Left", pain_referral=110)
    s.scores((7, 92))
    esi = tfesi(s, "esi-1", 90, "Left L5-S1", reason=[rad])
    again = radic(
        s,
        "M51.17",
        rid="radic-2",
        onset=150,
        recorded=40,
        category="encounter-diagnosis",
        note="Still left S1 radicular pain at follow-up.",
    )
    s.expect(
        [card("F0", "info", refs=[esi], mentions=["record", s.ago(90)])],
        forbidden_codes=[*ESI_ALL, *SCS, *RFA, *FUSION],
        forbidden_states=["F3", "F4", "F7", "F8", "P2"],
        rationale=f"No outcome and no pain score after the TFESI ({esi}); the only failure proxy is the radicular "
        f"diagnosis re-asserted at a visit ≥ 6 weeks later ({again}). One proxy is POSSIBLE failure: it "
        "must not fire a refractory card; the card asks for the outcome to be recorded (§3.1.5).",
    )


@scenario(given="Dennis", gender="male", birth="1970-12-06")
def f3_probable_failure_two_proxies(s: Scenario) -> None:
    """TFESI with no pain score afterwards, but the diagnosis re-asserted and tramadol started: probable failure"""
    rad, rep = radiculopathy_with_concordant_extrusion(s, onset=170, side="Right", pain_referral=130)
    s.scores((8, 92))
    esi = tfesi(s, "esi-1", 90, "Right L5-S1", reason=[rad])
    tram = prescribe(s, "tramadol", authored=75)
    again = radic(
        s,
        "M51.17",
        rid="radic-2",
        onset=170,
        recorded=40,
        category="encounter-diagnosis",
        note="Persistent right S1 radicular pain despite the injection.",
    )
    s.expect(
        [
            card(
                "F3",
                "warning",
                refs=[esi, rep],
                refs_any=[again, tram],
                codes_any=[SPINE_REFERRAL],
                mentions=["record"],
            )
        ],
        forbidden_codes=F3_FORBIDDEN,
        forbidden_states=["F0", "F1"],
        rationale=f"No pain score after the TFESI ({esi}), but two proxies: a new opioid (tramadol, {tram}) within "
        f"42 days and the radicular diagnosis re-asserted as an encounter diagnosis ≥ 6 weeks later "
        f"({again}). Two proxies = PROBABLE FAILED, which enters the refractory states: F3 with the "
        "concordant lesion. The card names the proxies it relied on and still asks for the missing outcome to be recorded.",
    )


@scenario(given="Teresa", gender="female", birth="1982-04-13")
def f0_second_esi_too_recent(s: Scenario) -> None:
    """First TFESI failed 3 months ago; a second one was given 6 days ago"""
    rad, _ = radiculopathy_with_concordant_extrusion(s, onset=150, side="Left", pain_referral=120)
    e1 = tfesi(s, "esi-1", 90, "Left L5-S1", reason=[rad])
    s.pain_around(e1, before=(8, 92), after=[(7, 70), (7, 60)])
    e2 = tfesi(s, "esi-2", 6, "Left L5-S1", reason=[rad])
    s.pain_around(e2, before=(7, 8), after=[(6, 2)])
    s.expect(
        [],
        optional=[card("F0", "info", refs=[e2])],
        forbidden_codes=[*ESI_ALL, *SCS, *RFA, *FUSION],
        forbidden_states=["F3", "F4", "F7", "F8", "P2"],
        rationale=f"The first TFESI ({e1}) failed, but the latest one ({e2}) was 6 days ago: F0 — too early to "
        "judge, so no refractory card and no escalation until its 2–6-week outcome is known.",
    )


@scenario(given="Walter", gender="male", birth="1975-07-01")
def f3_recent_esi_not_done(s: Scenario) -> None:
    """Failed TFESI with a concordant lesion; the repeat injection booked 6 days ago was not done"""
    rad, rep = radiculopathy_with_concordant_extrusion(s, onset=150, side="Left", pain_referral=120)
    esi = tfesi(s, "esi-1", 90, "Left L5-S1", reason=[rad])
    s.pain_around(esi, before=(8, 92), after=[(7, 70), (7, 60)])
    s.procedure(
        "esi-2",
        [cpt("64483")],
        "Transforaminal epidural steroid injection, Left L5-S1, fluoroscopic guidance",
        performed=6,
        status="not-done",
        body_site="Left L5-S1 neural foramen",
        note="Not done: the patient declined a repeat injection and asked for a surgical opinion.",
    )
    s.scores((7, 6))
    s.expect(
        [card("F3", "warning", refs=[esi, rep], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=F3_FORBIDDEN,
        forbidden_states=["F0"],
        rationale=f"The injection 6 days ago has status not-done, so it is no 'too recent' ESI: the last ESI "
        f"performed ({esi}) failed 3 months ago with a concordant lesion ({rep}) → F3 warning (5 months, "
        "no surgical referral).",
    )


@scenario(given="Roger", gender="male", birth="1966-03-15")
def p1_cervical_esi_is_not_lumbar(s: Scenario) -> None:
    """Lumbar radiculopathy for 8.5 weeks; the only epidural on record is a cervical one (62321)"""
    rad = radic(s, "M54.16", onset=60, body_site="Right leg (L4 distribution)")
    conservative_care(s, rad, pt=52, nsaid="naproxen", nsaid_from=58, nsaid_days=90)
    s.procedure(
        "cervical-esi-1",
        [cpt("62321")],
        "Cervical interlaminar epidural steroid injection C6-7, fluoroscopic guidance",
        performed=30,
        body_site="C6-7 interlaminar",
        outcome=fb.UNSUCCESSFUL,
        note="For neck pain with right arm symptoms.",
    )
    s.scores((6, 3))
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS, *SCS, *RFA],
        forbidden_states=["F0", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"],
        rationale="62321 is a cervical/thoracic interlaminar injection (§0 coding trap), not a lumbar ESI: this "
        "patient has had no lumbar ESI and no lumbar MRI, so the state is P1 — not a failed lumbar ESI.",
    )


@scenario(given="Gloria", gender="female", birth="1974-09-24")
def p1_diagnostic_snrb_is_not_an_esi(s: Scenario) -> None:
    """A positive diagnostic selective nerve root block (billed 64483) is not a failed ESI"""
    rad = radic(s, "M54.17", onset=75, body_site="Left leg (S1 distribution)")
    conservative_care(s, rad, pt=68, nsaid="naproxen", nsaid_from=73, nsaid_days=90)
    mri(
        s,
        40,
        "Left foraminal disc protrusion at L5-S1 abutting the exiting left L5 nerve root and left "
        "lateral recess narrowing contacting the traversing left S1 nerve root; symptomatic level "
        "uncertain.",
    )
    s.scores((7, 21))
    snrb = s.procedure(
        "snrb-1",
        [cpt("64483")],
        "Diagnostic selective nerve root block, left S1, local anaesthetic only",
        performed=20,
        body_site="Left S1 foramen",
        note="Lidocaine only, no steroid: 90 % relief of the leg pain for 3 hours — positive for left S1.",
    )
    s.scores((7, 5))
    s.expect(
        [],
        optional=[card("P1", "info", refs=[rad])],
        forbidden_codes=["72148", "72158", *BLIND_ESI, *FUSION, *SCS, *RFA],
        forbidden_states=["F0", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"],
        rationale=f"64483 also bills a diagnostic selective nerve root block (§0). This one ({snrb}) was local "
        "anaesthetic only and positive: pain returning afterwards is expected and is no failed ESI. No "
        "refractory card; no repeat MRI (one was done 40 days ago).",
    )


@scenario(given="Monica", gender="female", birth="1980-10-21")
def r1_disc_code_with_new_retention(s: Scenario) -> None:
    """Large L5-S1 disc prolapse (no radicular code) and new urinary retention since yesterday"""
    disc = s.condition(
        "disc-1",
        [icd("M51.27"), sct("202708005")],
        "Other intervertebral disc displacement, lumbosacral region",
        onset=10,
        category="encounter-diagnosis",
        note="Acute low back pain with a large L5-S1 disc prolapse.",
    )
    ret = s.condition(
        "urinary-retention-1",
        [icd("R33.9"), sct("236648008")],
        "Acute retention of urine",
        onset=1,
        category="encounter-diagnosis",
        note="Bladder scan 700 mL, no urge to void.",
    )
    s.scores((8, 1), leg=False)
    s.expect(
        [card("R1", "critical", refs=[ret], codes_any=[MRI_ANY, SPINE_REFERRAL])],
        forbidden_codes=RED_FLAG_UNSAFE,
        rationale=f"A disc code ({disc}) alone never opens the pathway gate, but R1 only needs 'a lumbar disc, "
        "radicular or stenosis diagnosis' beside new sphincter symptoms: suspected cauda equina "
        "syndrome must still raise the critical card. The red flag is checked before the gate.",
    )


@scenario(given="Rachel", gender="female", birth="1975-02-02")
def r1_saddle_anaesthesia(s: Scenario) -> None:
    """New saddle anaesthesia (R20.0, perineal distribution) with L5-S1 radiculopathy"""
    radic(s, "M54.17", onset=25)
    saddle = s.condition(
        "saddle-1",
        [icd("R20.0")],
        "Anesthesia of skin",
        onset=1,
        category="encounter-diagnosis",
        body_site="Perineum and inner thighs (saddle area)",
        note="New saddle anaesthesia noticed this morning.",
    )
    s.expect(
        [card("R1", "critical", refs=[saddle], codes_any=[MRI_ANY, SPINE_REFERRAL])],
        forbidden_codes=RED_FLAG_UNSAFE,
        rationale=f"R20.0 is non-specific skin anaesthesia; here its body site is the saddle area ({saddle}) and it "
        "is new: suspected cauda equina syndrome.",
    )


@scenario(given="Peter", gender="male", birth="1988-12-09")
def e1_skin_numbness_not_saddle(s: Scenario) -> None:
    """Numb fingertip (R20.0) after a cut, beside 3 weeks of sciatica"""
    rad = early_sciatica(s)
    s.condition(
        "numb-finger-1",
        [icd("R20.0")],
        "Anesthesia of skin",
        onset=3,
        category="encounter-diagnosis",
        body_site="Right index finger",
        note="Numb fingertip after a kitchen-knife cut.",
    )
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["R1"],
        rationale="R20.0 counts toward cauda equina only in a saddle distribution (§1.2 R1); a numb fingertip is not "
        "a red flag, so the patient stays in the acute tolerable state.",
    )


@scenario(given="Olivia", gender="female", birth="1990-06-16")
def e1_vas_scores_scaled(s: Scenario) -> None:
    """Three weeks of sciatica scored on the 0-100 mm visual analogue scale (50 mm)"""
    rad = radic(s, "M54.42", onset=21)
    prescribe_nsaid(s, "ibuprofen", authored=20, days=30)
    vas = s.observation("vas-1", "38214-3", 50, when=2, unit="mm", body_site="Left leg")
    s.odi("odi-1", 44, 2)
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["E2"],
        rationale=f"The pain score ({vas}) is 50 mm on a 0-100 mm VAS, i.e. 5/10 after scaling: not severe "
        "(NRS ≥ 7 and ODI ≥ 40 are both needed for E2), so E1 even though the ODI is 44.",
    )


@scenario(given="Frances", gender="female", birth="1961-11-11")
def r1_resolved_ces_history_not_red_flag(s: Scenario) -> None:
    """Cauda equina syndrome in 2019, resolved after emergency discectomy; new radicular pain for 3 weeks"""
    s.condition(
        "ces-1",
        [icd("G83.4"), sct("192970008")],
        "Cauda equina syndrome",
        onset="2019-04",
        recorded=2770,
        clinical="resolved",
        abatement=2500,
        note="Emergency L4-5 discectomy in April 2019; full recovery of bladder function.",
    )
    surg = discectomy(s, 2770, "L4-5", "Emergency L4-5 discectomy")
    rad = radic(s, "M54.16", onset=21, category="encounter-diagnosis")
    prescribe_nsaid(s, "ibuprofen", authored=20, days=30)
    s.scores((6, 2))
    s.expect(
        [card("S1", "info", refs=[surg], codes=["72158"])],
        forbidden_codes=["72148", *FUSION, *SCS, "63042"],
        forbidden_states=["R1", "E1", "E2"],
        rationale=f"The cauda equina syndrome is resolved (2019): not a current red flag. The discectomy ({surg}) "
        f"puts the new radicular pain ({rad}) in the post-surgical branch: MRI without and with "
        "contrast, not the acute E-state advice of no imaging.",
    )


@scenario(given="Harold", gender="male", birth="1963-07-07")
def s1_fusion_known_only_from_z98_1(s: Scenario) -> None:
    """Outside-hospital L4-S1 fusion known only from Z98.1; new radicular pain for 8.5 weeks"""
    z = s.condition(
        "fusion-status-1",
        [icd("Z98.1")],
        "Arthrodesis status",
        onset="2022",
        recorded=1400,
        note="L4-S1 posterior instrumented fusion in 2022 at another hospital.",
    )
    rad = radic(s, "M54.16", onset=60, body_site="Right leg (L5 distribution)")
    conservative_care(s, rad, pt=50, nsaid="naproxen", nsaid_from=58, nsaid_days=90)
    s.scores((6, 3))
    s.expect(
        [card("S1", "info", refs=[z], codes=["72158"])],
        forbidden_codes=["72148", *FUSION, *SCS, "63042"],
        forbidden_states=["P1", "E1", "E2"],
        rationale=f"Prior lumbar surgery is known only from the arthrodesis-status code ({z}); §1.1.3 routes that "
        "to the post-surgical branch too: MRI without and with contrast (ACR variant 5), not P1's "
        "non-contrast MRI.",
    )


@scenario(given="Arthur", gender="male", birth="1950-01-31")
def f6_stenosis_gate_without_radic_code(s: Scenario) -> None:
    """Neurogenic claudication coded only as M48.062 (no radiculopathy code), failed ILESI"""
    sten = stenosis_with_claudication(
        s,
        onset=500,
        note="Neurogenic claudication: bilateral leg pain and heaviness after walking 50 m, relieved "
        "by sitting.",
    )
    conservative_care(s, sten, pt=480, nsaid="ibuprofen", nsaid_from=490, nsaid_days=90, pain_referral=300)
    mri(
        s,
        400,
        "Severe central canal stenosis at L3-4 and L4-5 due to ligamentum flavum hypertrophy and "
        "disc bulging. No spondylolisthesis.",
    )
    s.scores((7, 102))
    esi = ilesi(s, "esi-1", 100, "L4-5", outcome=fb.UNSUCCESSFUL, reason=[sten])
    s.scores((7, 5))
    s.expect(
        [
            card(
                "F6",
                "info",
                refs=[esi, sten],
                codes_any=[DECOMPRESSION_OR_MILD],
            )
        ],
        forbidden_codes=[*FUSION, *ESI_ALL, *OPIOIDS],
        forbidden_states=["F3", "F4", "F5", "F7", "F8"],
        rationale=f"The gate also opens on lumbar stenosis with leg symptoms (§1.1.1): M48.062 ({sten}) is stenosis "
        "with neurogenic claudication. The image-guided ILESI failed (explicit outcome) → F6.",
    )


@scenario(given="Raymond", gender="male", birth="1962-04-20")
def a1_rfa_short_lived(s: Scenario) -> None:
    """Facet RFA helped for 2 months, pain back to baseline by 3 months"""
    facet_pain_after_positive_blocks(s, onset=600, facet_code=("M47.816", "428671008"), side="Right")
    rfa = facet_rfa(s, "rfa-1", 150)
    s.pain_around(rfa, before=(7, 152), after=[(3, 115), (3, 90), (7, 65)], leg=False)
    s.scores((7, 40), leg=False)
    s.expect(
        [card("A1", "info", refs=[rfa])],
        optional=[card("F5", ["info", "warning"])],
        forbidden_codes=[*RFA, "64640", *FUSION],
        forbidden_states=["A2"],
        rationale=f"The RFA ({rfa}) gave 7 → 3 at 5–9 weeks but pain was back to 7 at 12 weeks: relief lasting "
        "< 3 months is a failed ablation (§1.2 A1; §3.1 short-lived), not 'worked then recurred' (A2 "
        "needs ≥ 50 % for ≥ 6 months). A repeat RFA is not justified.",
    )


@scenario(given="Lawrence", gender="male", birth="1967-02-17")
def n1_trial_success_by_scores(s: Scenario) -> None:
    """SCS trial with no outcome coded, pain 8 → 2-3 during the trial"""
    chronic_radiculopathy_without_target(s, onset=900)
    trial = scs_trial(s, "scs-trial-1", 10, 3, note="7-day trial with an external generator.")
    s.pain_around(trial, before=(8, 12), after=[(3, 8), (2, 5)])
    s.expect(
        [card("N1", "info", refs=[trial], codes_any=[["63685", "63655"]])],
        forbidden_codes=[*IDD, *ESI_ALL, *FUSION],
        forbidden_states=["F7", "F8", "N2", "L1"],
        rationale=f"No outcome is coded for the trial ({trial}: 63650 with lead removal, so a trial), but pain fell "
        "8 → 2.5 (69 %) during it: ≥ 50 % relief, a successful trial by the numbers.",
    )


@scenario(given="Carolyn", gender="female", birth="1971-08-19")
def n2_trial_failed_by_scores(s: Scenario) -> None:
    """SCS trial with no outcome coded, pain 8 → 6-7 during the trial"""
    chronic_radiculopathy_without_target(s, onset=900)
    trial = scs_trial(s, "scs-trial-1", 20, 13, note="7-day trial with an external generator.")
    s.pain_around(trial, before=(8, 22), after=[(7, 17), (6, 14)])
    s.expect(
        [card("N2", "warning", refs=[trial])],
        forbidden_codes=[*SCS_PERMANENT, *IDD, *ESI_ALL],
        forbidden_states=["F7", "F8", "N1", "L1"],
        rationale=f"Pain fell only 8 → 6.5 (19 %) during the trial ({trial}): < 50 %, a failed trial by the "
        "numbers — do not implant.",
    )


@scenario(given="Terry", gender="male", birth="1981-05-05")
def m1_high_mme_short_course(s: Scenario) -> None:
    """Hydrocodone 10 mg every 4 hours (60 MME/day) for 3 weeks in severe week-4 sciatica"""
    radic(s, "M51.17", onset=26)
    prescribe_nsaid(s, "naproxen", authored=25, days=30)
    hc = prescribe(s, "hydrocodone", authored=21)
    n = s.nrs("nrs-1", 8, 1)
    o = s.odi("odi-1", 52, 1)
    s.expect(
        [
            card("E2", "warning", refs=[n, o], codes_any=[SPECIALIST_REFERRAL]),
            card("M1", "warning", refs=[hc], codes_any=[["7242"]]),
        ],
        forbidden_codes=[*OPIOIDS, *MRI_ANY, *FUSION, *NEUROPATHIC],
        rationale=f"Only 3 weeks of opioid, but at 60 MME/day ({hc}: 10 mg × 6 × 1.0) — ≥ 50 MME is enough for "
        "M1 (CDC 2022: reassess, naloxone). Beside it the one pathway card: E2 (NRS 8, ODI 52 in "
        "week 4).",
    )


@scenario(given="Diana", gender="female", birth="1973-03-31")
def m2_duloxetine_with_p2(s: Scenario) -> None:
    """Duloxetine for 10 weeks in a 4-month radiculopathy never referred"""
    rad = radic(s, "M54.17", onset=125)
    conservative_care(s, rad, pt=115, nsaid="naproxen", nsaid_from=120, nsaid_days=120)
    dul = prescribe(s, "duloxetine", authored=70, repeats=2)
    s.scores((6, 70), (6, 4))
    s.expect(
        [
            card("P2", "warning", refs=[rad], codes_any=[SPECIALIST_REFERRAL]),
            card("M2", "info", refs=[dul], conflict=True),
        ],
        forbidden_codes=[*NEUROPATHIC, *BLIND_ESI, *FUSION],
        rationale=f"Duloxetine ({dul}) for radicular pain: M2 evidence-conflict card (its radicular-pain evidence is "
        "uncertain); pain unchanged at 6 after 10 weeks, so no ≥ 30 %/2-point benefit to justify it. "
        "Beside it the one pathway card, P2.",
    )


@scenario(given="Sandra", gender="female", birth="1980-11-04")
def y1_depression_code_with_p1(s: Scenario) -> None:
    """Recurrent moderate depression (F33.1) in an 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    dep = s.condition(
        "depression-1",
        [icd("F33.1")],
        "Major depressive disorder, recurrent, moderate",
        onset="2024-02",
        recorded=1000,
    )
    s.expect(
        [
            card("P1", "info", refs=[rad], codes=["72148"]),
            card("Y1", "info", refs=[dep], codes_any=[CBT_OR_PSYCH]),
        ],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        rationale=f"Recurrent depression ({dep}) is a psychosocial risk (§1.2 Y1: F32/F33/F41): biopsychosocial "
        "assessment and CBT alongside the pathway card (P1).",
    )


@scenario(given="Gregory", gender="male", birth="1976-06-21")
def f8_two_short_lived_esis_nine_weeks_apart(s: Scenario) -> None:
    """Two TFESIs 9 weeks apart, each helping for under 2 months"""
    rad, _ = radiculopathy_with_concordant_extrusion(s, onset=300, side="Left", pain_referral=260)
    e1 = tfesi(s, "esi-1", 200, "Left L5-S1", reason=[rad])
    s.pain_around(e1, before=(8, 202), after=[(3, 179), (3, 165)])
    back = s.nrs("nrs-4", 8, 140)
    e2 = tfesi(s, "esi-2", 138, "Left L5-S1", reason=[rad])
    s.pain_around(e2, before=(8, 139), after=[(3, 117), (3, 103), (3, 88)])
    s.scores((7, 70), (8, 45), (8, 5))
    s.expect(
        [card("F8", "warning", refs=[e1, e2])],
        optional=[card("F3", ["info", "warning"])],
        forbidden_codes=[*ESI_ALL, *SCS, *RFA, *FUSION],
        forbidden_states=["F1", "F0"],
        rationale=f"Each TFESI gave 8 → 3 at 3–5 weeks and each wore off within 2 months: the first ({e1}) was back "
        f"to 8 at 8.5 weeks ({back}), just before the second ({e2}); the second was back to 7–8 by 10–13 weeks. "
        "Two consecutive short-lived responses = two consecutive ESIs without a lasting ≥ 50 % benefit (F8: stop "
        "injecting, surgical opinion). The first injection's durability must be judged on its own scores: the "
        "relief measured after the second injection belongs to the second, not the first — otherwise the first "
        "looks 'durable' and the patient is wrongly offered more of the same.",
    )


@scenario(given="Wayne", gender="male", birth="1969-09-12")
def m1_long_term_opioid_status_code(s: Scenario) -> None:
    """Long-term opioid use recorded as Z79.891, on tramadol, in an 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    z = s.condition(
        "opioid-status-1",
        [icd("Z79.891")],
        "Long term (current) use of opiate analgesic",
        onset="2025-06",
        recorded=500,
    )
    tram = prescribe(s, "tramadol", authored=20)
    s.expect(
        [
            card("P1", "info", refs=[rad], codes=["72148"]),
            card("M1", "warning", refs=[z], refs_any=[tram], codes_any=[["7242"]]),
        ],
        forbidden_codes=[*OPIOIDS, "72158", *BLIND_ESI, *FUSION],
        rationale=f"Long-term opioid therapy documented by Z79.891 ({z}) with an active opioid ({tram}): M1 — "
        "reassess benefit and harm, taper if no benefit, naloxone; never escalate. Beside it the one pathway "
        "card (P1).",
    )


@scenario(given="Judith", gender="female", birth="1971-01-09")
def f5_si_joint_pain(s: Scenario) -> None:
    """Failed TFESI in buttock-predominant pain from sacroiliitis (M46.1), neurology normal"""
    rad = radic(
        s,
        "M54.17",
        onset=210,
        note="Right buttock and posterior thigh pain, not below the knee; neurological examination normal.",
    )
    si = s.condition(
        "si-joint-1",
        [icd("M46.1"), sct("202487003")],
        "Sacroiliitis, not elsewhere classified",
        onset=100,
        category="encounter-diagnosis",
        note="Right sacroiliac joint tenderness; 3 of 5 provocation tests positive.",
    )
    conservative_care(s, rad, pt=200, nsaid="naproxen", nsaid_from=205, nsaid_days=210, pain_referral=170)
    mri(
        s,
        160,
        "Mild disc desiccation L4-5 without disc herniation or nerve root compression. Right "
        "sacroiliac joint subchondral oedema.",
    )
    s.scores((6, 132), leg=False)
    esi = tfesi(s, "esi-1", 130, "Right L5-S1", reason=[rad])
    s.observation("nrs-2", "72514-3", 6, when=110, part_of=esi, body_site="Right buttock")
    s.observation("nrs-3", "72514-3", 6, when=100, part_of=esi, body_site="Right buttock")
    s.expect(
        [card("F5", "info", refs=[esi, si], codes_any=[["27096", "64451", "G0260"]])],
        forbidden_codes=[*RFA, *ESI_ALL, *SCS, *FUSION, "63030", "63047"],
        forbidden_states=["F3", "F4", "F7", "F8"],
        rationale=f"The failed TFESI ({esi}) was aimed at a nerve root, but the pain is buttock-predominant with a "
        f"normal neurological examination and sacroiliitis ({si}): SI-joint-mediated pain (F5). Diagnostic "
        "SI-joint block first; SI-joint RFA (64625) only after a positive block (and not covered by some "
        "Medicare LCDs); no repeat ESI, no surgery, no SCS.",
    )


@scenario(given="Denise", gender="female", birth="1979-03-03")
def f4_sciatic_nerve_entrapment(s: Scenario) -> None:
    """Failed TFESI with a left sciatic nerve lesion coded (G57.02) and an MRI without root compression"""
    rad = radic(s, "M54.32", onset=180, body_site="Left leg")
    sciatic = s.condition(
        "sciatic-lesion-1",
        [icd("G57.02"), sct("52585001")],
        "Lesion of sciatic nerve, left lower limb",
        onset=60,
        category="encounter-diagnosis",
        note="Deep gluteal tenderness; pain reproduced by resisted hip external rotation (possible "
        "piriformis syndrome).",
    )
    conservative_care(s, rad, pt=170, nsaid="ibuprofen", nsaid_from=175, nsaid_days=150, pain_referral=140)
    mri(s, 130, "No lumbar disc herniation, no canal or foraminal stenosis, no nerve root compression.")
    esi = tfesi(s, "esi-1", 90, "Left L5-S1", outcome=fb.UNSUCCESSFUL, reason=[rad])
    s.pain_around(esi, before=(7, 92), after=[(7, 70)])
    s.expect(
        [card("F4", "info", refs=[esi, sciatic], codes_any=[EMG])],
        forbidden_codes=[*ESI_REPEAT, *SCS, *FUSION, "63030", "63047", "63042"],
        forbidden_states=["F3", "F5", "F7", "F8"],
        rationale=f"The ESI ({esi}) failed, the MRI shows no root compression and a sciatic nerve lesion is coded "
        f"({sciatic}): the diagnosis is uncertain (F4). EMG/NCS to separate a root lesion from sciatic "
        "entrapment; no surgery on the spine, no repeat ESI, no SCS.",
    )


@scenario(given="Bruce", gender="male", birth="1974-08-08")
def x1_disc_code_with_failed_esi(s: Scenario) -> None:
    """ESI for a disc displacement coded without radiculopathy: the gate stays closed"""
    disc = s.condition(
        "disc-1",
        [icd("M51.26"), sct("20021007")],
        "Other intervertebral disc displacement, lumbar region",
        onset=200,
        note="Central L4-5 disc protrusion; axial back pain.",
    )
    mri(s, 190, "Central L4-5 disc protrusion without nerve root compression.")
    s.scores((6, 92), leg=False)
    esi = ilesi(s, "esi-1", 90, "L4-5", outcome=fb.UNSUCCESSFUL, reason=[disc])
    s.expect(
        [],
        forbidden_codes=[*ESI_ALL, *FUSION, *IMAGING_ANY, *RFA, *SCS],
        rationale=f"Only a disc code ({disc}) and axial pain: no radicular diagnosis, so the gate is closed (X1) even "
        f"though an ESI ({esi}) failed. The service must not invent radicular symptoms from a procedure.",
    )


@scenario(given="Oscar", gender="male", birth="1979-11-06")
def x1_disc_finding_with_radicular_diagnosis(s: Scenario) -> None:
    """The incidental case's disc code and MRI, plus a coded L5 radiculopathy: the gate opens"""
    disc = s.condition(
        "disc-1",
        [icd("M51.26"), sct("20021007")],
        "Other intervertebral disc displacement, lumbar region",
        onset=60,
    )
    rep = mri(s, 40, "Left paracentral L4-5 disc protrusion contacting the traversing left L5 nerve root.")
    rad = radic(s, "M54.16", onset=60, body_site="Left leg (L5 distribution)")
    conservative_care(s, rad, pt=52, nsaid="naproxen", nsaid_from=58, nsaid_days=90)
    s.scores((6, 3))
    s.expect(
        [card("P1", "info", refs=[rad])],
        forbidden_codes=[*BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["X1"],
        rationale=f"The same kind of disc code ({disc}) and MRI finding ({rep}) as the incidental case, but with a "
        f"radicular diagnosis ({rad}) for 8 weeks despite PT and an NSAID: the gate is open, so this is "
        "not X1 and the persistent-pain card (P1) appears.",
    )


@scenario(given="Phillip", gender="male", birth="1977-12-12")
def p1_seen_in_spine_clinic_not_p2(s: Scenario) -> None:
    """Radiculopathy for 4 months, already seen in the spine surgery clinic (Encounter), no MRI or ESI yet"""
    rad = radic(s, "M54.16", onset=120, body_site="Right leg (L4 distribution)")
    conservative_care(s, rad, pt=110, nsaid="naproxen", nsaid_from=115, nsaid_days=150)
    visit = s.encounter("spine-visit-1", "Spine surgery clinic", when=20, reason=[rad])
    s.scores((6, 20))
    s.expect(
        [],
        optional=[card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["P2"],
        rationale=f"More than 3 months of radicular pain, but the patient has been seen in the spine surgery clinic "
        f"({visit}): referral is no longer outstanding, so no P2 'refer now' warning. A P1 reminder "
        "(MRI, image-guided ESI) may still appear.",
    )


@scenario(given="Brenda", gender="female", birth="1983-02-25")
def f3_explicit_partial_outcome(s: Scenario) -> None:
    """TFESI charted 'partially successful' (385670004) with no pain scores, concordant extrusion"""
    rad, rep = radiculopathy_with_concordant_extrusion(s, onset=140, side="Right")
    esi = tfesi(s, "esi-1", 70, "Right L5-S1", outcome="385670004", reason=[rad])
    s.scores((7, 3))
    s.expect(
        [card("F3", "warning", refs=[esi, rep], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=F3_FORBIDDEN,
        forbidden_states=["F0", "F1"],
        rationale=f"The TFESI ({esi}) carries Procedure.outcome 385670004 'partially successful' — the code the "
        "FHIR procedure-outcome value set really uses (385670002 never matches, §0). An explicit outcome "
        "comes first (§3.1.1): PARTIAL, which enters the refractory states. With the concordant extrusion "
        "and 4.5 months without a surgical referral → F3 warning; no 'record the outcome' card, it is recorded.",
    )


@scenario(given="Gerald", gender="male", birth="1952-10-14")
def f3_cancer_history_cleared_by_contrast_mri(s: Scenario) -> None:
    """Prostate cancer history (2014), 2-year radiculopathy, contrast MRI shows only a concordant extrusion, failed TFESI"""
    ca = s.condition(
        "cancer-history-1",
        [icd("Z85.46")],
        "Personal history of malignant neoplasm of prostate",
        onset="2014",
        recorded=4000,
        note="Radical prostatectomy 2014; PSA undetectable since.",
    )
    rad, _plain = radiculopathy_with_concordant_extrusion(s, onset=700, side="Left")
    contrast = mri(
        s,
        640,
        "Left paracentral disc extrusion at L5-S1 compressing the traversing left S1 nerve root; no marrow "
        "lesion, no enhancing mass, no epidural disease.",
        contrast=True,
        rid="mri-2",
    )
    s.scores((7, 602))
    esi = tfesi(s, "esi-1", 600, "Left L5-S1", outcome=fb.UNSUCCESSFUL, reason=[rad])
    s.scores((7, 5))
    s.expect(
        [card("F3", "warning", refs=[esi, contrast], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=F3_FORBIDDEN,
        forbidden_states=["R3"],
        rationale=f"A cancer history ({ca}) is a red flag until MRI with and without contrast has looked for "
        f"metastasis (§7.3); here it has since the onset ({contrast}) and shows only the concordant L5-S1 extrusion. Not R3: "
        "the failed TFESI with the concordant lesion and no surgical referral is F3 (warning).",
    )


@scenario(given="Samuel", gender="male", birth="1985-09-01")
def r2_strength_decline_only(s: Scenario) -> None:
    """Great-toe extension falling from MRC 5/5 to 3/5 in 4 weeks, no deficit diagnosis coded"""
    radic(s, "M51.16", onset=35, body_site="Left leg (L5 distribution)")
    prescribe_nsaid(s, "naproxen", authored=33, days=30)
    first = s.strength("mrc-1", 5, 30, "Left extensor hallucis longus")
    now = s.strength("mrc-2", 3, 2, "Left extensor hallucis longus")
    s.scores((7, 2))
    s.expect(
        [card("R2", "critical", refs=[first, now], codes=["72148"], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=[*ESI_ALL, *PT, *SCS, *RFA, *FUSION],
        forbidden_states=["E1", "E2"],
        rationale=f"Serial strength grades fall 5/5 ({first}) → 3/5 ({now}) within 4 weeks: a progressive motor "
        "deficit even though no foot-drop or weakness diagnosis has been coded yet → critical: urgent MRI and "
        "urgent surgical referral.",
    )


@scenario(given="Lisa", gender="female", birth="1972-12-30")
def r3_postoperative_discitis(s: Scenario) -> None:
    """Fever and lumbar discitis 4 weeks after an L4-5 microdiscectomy"""
    rad = radic(s, "M51.16", onset=120, body_site="Right leg (L5 distribution)")
    s.procedure(
        "discectomy-1",
        [cpt("63030"), sct("178625001")],
        "Right L4-5 microdiscectomy",
        performed=28,
        body_site="Right L4-5",
        reason=[rad],
    )
    fever = s.condition(
        "fever-1",
        [icd("R50.9")],
        "Fever, unspecified",
        onset=3,
        category="encounter-diagnosis",
        note="Temperature 38.9 °C; wound clean.",
    )
    disc = s.condition(
        "discitis-1",
        [icd("M46.46"), sct("202752002")],
        "Discitis, unspecified, lumbar region",
        onset=2,
        category="encounter-diagnosis",
        verification="provisional",
        note="Suspected postoperative discitis: severe new back pain, CRP 140 mg/L.",
    )
    s.scores((9, 2), leg=False)
    s.expect(
        [card("R3", "critical", refs=[disc], codes=["72158"])],
        forbidden_codes=[*RED_FLAG_UNSAFE, *ORAL_STEROIDS, "72148", "63042"],
        forbidden_states=["S1", "S2", "S3"],
        rationale=f"Suspected (provisional, not refuted) postoperative discitis ({disc}) with fever ({fever}): the "
        "infection red flag pre-empts the post-surgical branch. Urgent MRI without and with contrast, same-day "
        "referral; no steroid of any kind.",
    )


@scenario(given="Eugene", gender="male", birth="1959-05-15")
def a1_failed_rfa_repeat_pending(s: Scenario) -> None:
    """Facet RFA gave no relief and a repeat RFA at the same levels is already ordered"""
    _, facet = facet_pain_after_positive_blocks(
        s, onset=600, facet_code=("M47.816", "428671008"), side="Right"
    )
    rfa = facet_rfa(s, "rfa-1", 120, outcome=fb.UNSUCCESSFUL)
    s.pain_around(rfa, before=(7, 122), after=[(7, 80)], leg=False)
    order = s.service_request(
        "rfa-order-1",
        [cpt("64635")],
        "Repeat radiofrequency ablation of lumbar medial branches, bilateral L4-5 and L5-S1",
        authored=5,
        occurrence=-14,
        reason=[facet],
    )
    s.expect(
        [card("A1", "warning", refs=[rfa, order])],
        optional=[card("F5", ["info", "warning"])],
        forbidden_codes=[*RFA, "64640", *FUSION],
        forbidden_states=["A2"],
        rationale=f"The RFA ({rfa}) failed (explicit outcome, 7 → 7) and a repeat RFA at the same levels is on order "
        f"({order}): A1 becomes a warning and names the order — a repeat ablation after one that gave no relief "
        "is not justified.",
    )


@scenario(given="Theresa", gender="female", birth="1966-10-10")
def n2_trial_failed_implant_booked(s: Scenario) -> None:
    """Failed SCS trial, yet a permanent pulse generator implant has been booked"""
    chronic_radiculopathy_without_target(s, onset=900)
    trial = scs_trial(s, "scs-trial-1", 30, 23, outcome=fb.UNSUCCESSFUL, note="7-day trial: 25 % relief.")
    s.pain_around(trial, before=(8, 32), after=[(6, 26)])
    order = s.service_request(
        "ipg-order-1",
        [cpt("63685")],
        "Insertion of spinal cord stimulator pulse generator (permanent system)",
        authored=10,
        occurrence=-20,
    )
    s.expect(
        [card("N2", "warning", refs=[trial, order])],
        forbidden_codes=[*SCS_PERMANENT, *IDD, *ESI_ALL],
        forbidden_states=["N1", "F7", "F8", "L1"],
        rationale=f"The trial ({trial}) failed (25 % relief, outcome unsuccessful) but a permanent implant is booked "
        f"({order}): the N2 warning must name that order — a permanent stimulator needs ≥ 50 % relief in the trial.",
    )


@scenario(given="Alan", gender="male", birth="1986-04-04")
def e1_boundary_41_days(s: Scenario) -> None:
    """Radicular pain for 41 days (one day short of 6 weeks), NRS 5"""
    rad = radic(s, "M54.17", onset=41)
    prescribe_nsaid(s, "naproxen", authored=41, days=60)
    s.scores((5, 1))
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["P1"],
        rationale="41 days is still under the 6-week (42-day) threshold: E1, so no imaging and no ESI yet.",
    )


@scenario(given="Martin", gender="male", birth="1986-04-05")
def p1_boundary_42_days(s: Scenario) -> None:
    """Radicular pain for exactly 42 days with 6 weeks of NSAID and physiotherapy, NRS 5"""
    rad = radic(s, "M54.17", onset=42)
    conservative_care(s, rad, pt=42, nsaid="naproxen", nsaid_from=42, nsaid_days=60)
    s.scores((5, 1))
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["E1", "E2"],
        rationale="Exactly 42 days (6 weeks) of radicular pain with 6 weeks of conservative care: the persistent "
        "state starts here (duration ≥ 42 d), so MRI and image-guided ESI become appropriate.",
    )


@scenario(given="Kathleen", gender="female", birth="1961-07-27")
def f5_rfa_ordered_without_block(s: Scenario) -> None:
    """Facet pain after a failed ESI, with facet RFA ordered before any diagnostic block"""
    facet_pain_after_failed_esi(s, pending_rfa=True)


@scenario(given="Nicholas", gender="male", birth="1958-03-19")
def s4_spondylolisthesis_referred_info(s: Scenario) -> None:
    """Degenerative L4-5 spondylolisthesis with instability and refractory radiculopathy, already referred to spine surgery"""
    rad, spon, xr = unstable_spondylolisthesis(
        s,
        side="Left",
        xray="Grade 1 degenerative anterolisthesis of L4 on L5, 3 mm in extension and 8 mm in flexion: dynamic "
        "instability.",
    )
    s.scores((7, 112))
    esi = tfesi(s, "esi-1", 110, "Left L4-5", outcome=fb.UNSUCCESSFUL, reason=[rad])
    ref = s.referral(
        "surgery",
        authored=60,
        status="active",
        reason=[spon],
        note="Surgical opinion requested: decompression with or without fusion.",
    )
    s.expect(
        [card("S4", "info", refs=[spon, xr])],
        forbidden_codes=["0275T", "G0276", *RFA, *ESI_ALL, *SCS],
        forbidden_states=["F3", "F4", "F6"],
        rationale=f"Same state as the warning variant — spondylolisthesis ({spon}) with dynamic instability ({xr}) "
        f"and a failed TFESI ({esi}) — but a spine-surgery referral is already on record ({ref}), so the card is "
        "info, not a warning (§1.2 S4: warning only > 3 months without referral).",
    )


@scenario(given="Laura", gender="female", birth="1992-09-09")
def y1_gad7_with_e1(s: Scenario) -> None:
    """GAD-7 of 13 in a 3-week sciatica"""
    rad = early_sciatica(s)
    gad = s.observation("gad7-1", "70274-6", 13, when=2, as_integer=True)
    s.expect(
        [
            card("E1", "info", refs=[rad]),
            card("Y1", "info", refs=[gad], codes_any=[CBT_OR_PSYCH]),
        ],
        forbidden_codes=E1_FORBIDDEN,
        rationale=f"GAD-7 of 13 ({gad}) ≥ 10 is a psychosocial risk (Y1) beside the acute pathway card (E1).",
    )


@scenario(given="Carl", gender="male", birth="1968-11-02")
def f1_interlaminar_by_scores(s: Scenario) -> None:
    """Image-guided interlaminar ESI with no outcome coded: 7 → 2 for 4 months, pain back at 8 months"""
    rad, _ = radiculopathy_with_concordant_extrusion(
        s, onset=330, side="Right", icd_code="M54.17", pain_referral=290
    )
    esi = ilesi(s, "esi-1", 250, "L5-S1", body_site="L5-S1 interlaminar, right paramedian", reason=[rad])
    s.pain_around(esi, before=(7, 252), after=[(2, 230), (2, 215)])
    s.scores((2, 170), (3, 140), (6, 10))
    s.expect(
        [card("F1", "info", refs=[esi], codes=["62323"])],
        forbidden_codes=[*SCS, *RFA, *BLIND_ESI, *FUSION, *IDD, "64483"],
        forbidden_states=["F3", "F4", "F7", "F8"],
        rationale=f"No outcome is coded for the image-guided ILESI ({esi}), but the scores show 7 → 2 (71 %) at 3–5 "
        "weeks, still 2–3 at 3 and 4 months, and pain back to 6 at 8 months: a durable response that wore off "
        "(F1), judged by the numbers — not a failure, a repeat of the same image-guided interlaminar ESI "
        "(62323, not a transforaminal one) is reasonable.",
    )


@scenario(given="Roy", gender="male", birth="1957-02-11")
def a2_by_scores(s: Scenario) -> None:
    """Facet RFA with no outcome coded: 7 → 2 lasting 7 months, pain back at 11 months"""
    facet_pain_after_positive_blocks(s, onset=700, facet_code=("M47.817", "247369005"), side="Left")
    rfa = facet_rfa(s, "rfa-1", 340)
    s.pain_around(rfa, before=(7, 342), after=[(2, 300), (2, 270)], leg=False)
    s.scores((2, 190), (3, 130), (7, 15), leg=False)
    s.expect(
        [card("A2", "info", refs=[rfa], codes_any=[["64635"]])],
        optional=[card("F5", ["info", "warning"])],
        forbidden_codes=[*SCS, *IDD],
        forbidden_states=["A1"],
        rationale=f"No outcome coded for the RFA ({rfa}); the scores show 7 → 2 (71 %) at 6–10 weeks, still 2–3 "
        "at 5 and 7 months (≥ 50 % for ≥ 6 months), and pain back to 7 at 11 months: it worked, then the "
        "nerves regenerated (A2) — a repeat RFA is reasonable; not a failed ablation.",
    )


@scenario(given="Joyce", gender="female", birth="1970-04-22")
def f7_one_failed_esi_surgeon_no_target(s: Scenario) -> None:
    """One failed TFESI, EMG-confirmed S1 radiculopathy, spine surgeon found no target; 9 months, NRS 6"""
    rad = radic(s, "M54.17", onset=270, body_site="Right leg (S1 distribution)")
    conservative_care(s, rad, pt=260, nsaid="naproxen", nsaid_from=265, nsaid_days=180, pain_referral=240)
    mri(s, 235, "Small right paracentral disc protrusion at L5-S1 without nerve root compression.")
    esi = tfesi(s, "esi-1", 180, "Right L5-S1", reason=[rad])
    s.pain_around(esi, before=(7, 182), after=[(7, 160), (6, 150)])
    emg(s, "emg-1", 130, "Chronic right S1 radiculopathy; no peripheral neuropathy.")
    note = s.referral(
        "surgery",
        authored=120,
        reason=[rad],
        note=f"Seen by spine surgery on {s.ago(95)}: no surgical target; not a surgical candidate.",
    )
    s.scores((6, 6))
    s.expect(
        [card("F7", "info", refs=[esi, note], codes_any=[[*CBT_OR_PSYCH, *PAIN_REFERRAL, "63650"]])],
        forbidden_codes=[*ESI_ALL, *OPIOIDS, *FUSION, *SCS_PERMANENT],
        forbidden_states=["F3", "F4", "F8"],
        rationale=f"One failed image-guided TFESI ({esi}) plus a spine surgeon's 'no surgical target' ({note}); the "
        "radiculopathy is EMG-confirmed (so the diagnosis is not in doubt, not F4), 9 months old, NRS 6 — "
        "chronic radicular pain without a surgical target (F7 needs ≥ 2 failed ESIs *or* the surgeon's note).",
    )


@scenario(given="Russell", gender="male", birth="1980-06-13")
def s2_recurrence_without_annular_code(s: Scenario) -> None:
    """Recurrent L5-S1 herniation on contrast MRI 2 years after discectomy, no annular-defect code"""
    surg = s.procedure(
        "discectomy-1", [cpt("63030")], "Left L5-S1 microdiscectomy", performed=760, body_site="Left L5-S1"
    )
    radic(s, "M54.17", onset=100, body_site="Left leg (S1 distribution)")
    prescribe_nsaid(s, "naproxen", authored=95, days=90)
    rep = mri(
        s,
        20,
        "Recurrent left paracentral disc herniation at L5-S1, non-enhancing, compressing the traversing left S1 "
        "nerve root. Minimal postoperative scar. No instability.",
        contrast=True,
    )
    s.scores((8, 3))
    s.expect(
        [card("S2", "warning", refs=[rep], codes_any=[[*SPINE_REFERRAL, "63042"]])],
        forbidden_codes=[*SCS, *FUSION, *ESI_ALL, *IDD],
        forbidden_states=["S1", "S3"],
        rationale=f"After the discectomy ({surg}) a contrast MRI ({rep}) shows a non-enhancing recurrent herniation "
        "compressing the concordant root: S2 on the report alone (the M51.A* code only supports it). "
        "Surgical re-evaluation; no SCS while a target exists; no routine fusion.",
    )


@scenario(given="Tina", gender="female", birth="1981-01-21")
def m3_methylprednisolone_dose_pack(s: Scenario) -> None:
    """Methylprednisolone 6-day dose pack for sciatica at week 8, beside the persistent-pain card"""
    rad = persistent_despite_conservative_care(s)
    medrol = s.med_request(
        "methylprednisolone-1",
        "6902",
        "Methylprednisolone 4 mg oral tablet (6-day dose pack)",
        authored=4,
        days=6,
        dose_mg=4,
        per_day=6,
        note="Tapering dose pack: 24 mg on day 1 down to 4 mg on day 6.",
    )
    s.expect(
        [
            card("P1", "info", refs=[rad], codes=["72148"]),
            card("M3", "info", refs=[medrol], conflict=True),
        ],
        forbidden_codes=[*ORAL_STEROIDS, "72158", *BLIND_ESI, *FUSION],
        rationale=f"An oral methylprednisolone dose pack ({medrol}) for sciatica: M3 info with both positions "
        "(NICE NG59 against; Goldberg JAMA 2015 for) and no renewal, beside the one pathway card (P1).",
    )


@scenario(given="Ingrid", gender="female", birth="1975-10-03")
def m3_old_prednisone_burst_not_current(s: Scenario) -> None:
    """A five-day oral prednisone burst five months ago, finished; persistent radiculopathy at week 8"""
    rad = persistent_despite_conservative_care(s)
    pred = s.med_request(
        "prednisone-1",
        "8640",
        "Prednisone 20 mg oral tablet",
        authored=150,
        days=5,
        dose_mg=40,
        per_day=1,
        note="Oral burst for an asthma exacerbation: 40 mg once daily for 5 days.",
    )
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=[*ORAL_STEROIDS, "72158", *BLIND_ESI, *FUSION],
        forbidden_states=["M3"],
        rationale=f"The only corticosteroid ({pred}) is an oral burst finished five months ago, before this "
        "episode: not a current or recent (≤ 90 days) course for sciatica, so no M3 note; P1 alone.",
    )


@scenario(given="Norma", gender="female", birth="1967-08-30")
def m_stopped_opioid_and_gabapentin_not_current(s: Scenario) -> None:
    """A 4-month oxycodone course and gabapentin both stopped months ago; radiculopathy 10 months, never referred"""
    rad = radic(s, "M54.16", onset=300)
    conservative_care(s, rad, pt=290, nsaid="naproxen", nsaid_from=295, nsaid_days=330)
    for i, a in enumerate((280, 250, 220, 190), start=1):
        s.med_request(
            f"oxycodone-{i}",
            "7804",
            "Oxycodone hydrochloride 5 mg oral tablet",
            authored=a,
            days=30,
            dose_mg=5,
            per_day=4,
        )
    prescribe(
        s,
        "gabapentin",
        authored=270,
        repeats=2,
        status="stopped",
        note="Stopped after 3 months: no benefit, dizziness.",
    )
    s.scores((6, 4))
    s.expect(
        [card("P2", "warning", refs=[rad], codes_any=[SPECIALIST_REFERRAL])],
        forbidden_codes=[*OPIOIDS, *NEUROPATHIC, *BLIND_ESI, *FUSION],
        forbidden_states=["M1", "M2", "P1"],
        rationale="The opioid course (120 days, ended about 5 months ago) and the gabapentin (stopped about 6 months "
        "ago for no benefit) are history, not current therapy: no M1 'reassess long-term opioids' and no M2 "
        "'reassess this drug' card — only the pathway card (P2: 10 months, never referred).",
    )


# ---------------------------------------------------------------------------------------------
# Medicines: treatment for opioid use disorder, what a drug is for, stale orders, drug classes
# (decision model §7.2, §7.6)
# ---------------------------------------------------------------------------------------------


def med_order(
    s: Scenario,
    rid: str,
    rxcode: str,
    text: str,
    *,
    authored: int,
    dosage: str,
    route: str | None = None,
    days: int | None = None,
    repeats: int = 0,
    reason_refs: Sequence[str] = (),
    reason_codes: Sequence[dict[str, str]] = (),
    form: dict[str, Any] | None = None,
    note: str | None = None,
) -> str:
    """A MedicationRequest with a free-text dosage and route: a supply of ``days`` (× ``repeats`` + 1)
    closes it; without ``days`` it stays open, as EHR and Synthea orders often do. ``form`` names the
    dose form through a contained Medication."""
    med = fb.concept(rx(rxcode), text=text)
    resource = fb.medication_request(
        rid,
        None if form else med,
        s.subject,
        meta=fb.profile("us-core-medicationrequest"),
        status="active" if days is None or authored - days * (repeats + 1) <= 0 else "completed",
        category="outpatient",
        authored=s.ago(authored),
        requester=REQUESTER,
        dosage_instruction=[{"text": dosage, **({"route": {"text": route}} if route else {})}],
        dispense=(
            {
                "validityPeriod": {"start": s.ago(authored), "end": s.ago(authored - days * (repeats + 1))},
                "numberOfRepeatsAllowed": repeats,
                "expectedSupplyDuration": fb.days(days),
            }
            if days is not None
            else None
        ),
        note=note,
    )
    if form:
        resource["contained"] = [{"resourceType": "Medication", "id": f"med-{rid}", "code": med, "form": form}]
        resource["medicationReference"] = {"reference": f"#med-{rid}", "display": text}
    if reason_codes:
        resource["reasonCode"] = [fb.concept(c) for c in reason_codes]
    if reason_refs:
        resource["reasonReference"] = [{"reference": r} for r in reason_refs]
    return s.add("medicationRequests", resource)


def descendant(code: str) -> dict[str, str]:
    """An ICD-10-CM code the value sets admit through its listed category (G40 → G40.909, F43.1 →
    F43.12), as EHRs send the billable code rather than the header."""
    return fb.unchecked_coding(fb.ICD10CM, code)


def opioid_use_disorder(s: Scenario, *, recorded: int = 700) -> str:
    return s.condition(
        "oud-1",
        [icd("F11.20")],
        "Opioid dependence, uncomplicated",
        onset="2024-10",
        recorded=recorded,
    )


@scenario(given="Marcus", gender="male", birth="1985-04-14")
def m1_moud_buprenorphine_naloxone_with_oud(s: Scenario) -> None:
    """Buprenorphine-naloxone 16 mg/day sublingual film for opioid use disorder, 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    oud = opioid_use_disorder(s)
    bup = [
        med_order(
            s, f"buprenorphine-{i}", "1819", "Buprenorphine 8 mg / naloxone 2 mg sublingual film",
            authored=a, days=28, dosage="2 films (16 mg) under the tongue once daily", route="sublingual",
        )
        for i, a in enumerate((150, 122, 94, 66, 38, 10), start=1)
    ]  # fmt: skip
    s.expect(
        [
            card("P1", "info", refs=[rad], codes=["72148"]),
            card("M4", "info", refs=[bup[-1], oud], mentions=["MOUD prescriber"]),
        ],
        forbidden_codes=[*OPIOIDS, "72158", *BLIND_ESI, *FUSION],
        forbidden_states=["M1"],
        rationale=f"Buprenorphine-naloxone 16 mg/day ({bup[-1]}) with opioid dependence on record ({oud}) is "
        "treatment of opioid use disorder, not long-term opioid therapy for pain: never 'taper if no "
        "benefit' (CDC 2022 recommendation 12). The M1 card is replaced by an info note: continue it, plan "
        "any procedure and acute pain with the MOUD prescriber, no full-agonist opioid without them.",
    )


@scenario(given="Dolores", gender="female", birth="1979-09-02")
def m1_moud_sublingual_buprenorphine_without_code(s: Scenario) -> None:
    """Sublingual buprenorphine 16 mg/day for 5 months, no opioid use disorder code; 3-month radiculopathy"""
    rad = radic(s, "M54.16", onset=95)
    conservative_care(s, rad, pt=85, nsaid="naproxen", nsaid_from=90, nsaid_days=90)
    s.referral("pain", authored=30, reason=[rad])
    s.scores((6, 4))
    bup = med_order(
        s, "buprenorphine-1", "1819", "Buprenorphine 8 mg sublingual tablet", authored=150, days=30,
        repeats=5, dosage="2 tablets (16 mg) under the tongue once daily", route="sublingual",
    )  # fmt: skip
    s.expect(
        [card("M4", "info", refs=[bup], mentions=["MOUD prescriber"])],
        optional=[card("P1", ["info", "warning"]), card("P2", ["info", "warning"])],
        forbidden_codes=[*OPIOIDS, *BLIND_ESI, *FUSION],
        forbidden_states=["M1"],
        rationale=f"Sublingual buprenorphine tablets ({bup}) are a formulation used for opioid use disorder: even "
        "without an F11 code on the problem list it is MOUD, not long-term pain therapy to taper "
        "(CDC 2022 recommendation 12).",
    )


@scenario(given="Harold", gender="male", birth="1958-12-19")
def m1_transdermal_buprenorphine_for_pain(s: Scenario) -> None:
    """Transdermal buprenorphine 10 mcg/h for radicular pain for 5 months, no opioid use disorder"""
    rad = radic(s, "M54.17", onset=200)
    conservative_care(s, rad, pt=190, nsaid="naproxen", nsaid_from=195, nsaid_days=120)
    s.referral("pain", authored=120, reason=[rad])
    s.scores((6, 4))
    patch = med_order(
        s, "buprenorphine-1", "1819", "Buprenorphine 10 mcg/hr 7-day transdermal patch", authored=150,
        days=28, repeats=5, dosage="Apply one patch every 7 days", route="transdermal",
    )  # fmt: skip
    s.expect(
        [card("M1", "warning", refs=[patch], codes_any=[["7242"]])],
        optional=[card("P1", ["info", "warning"]), card("P2", ["info", "warning"])],
        forbidden_codes=[*OPIOIDS, *BLIND_ESI, *FUSION],
        forbidden_states=["M4"],
        rationale=f"A buprenorphine patch for pain ({patch}) without an opioid use disorder diagnosis is long-term "
        "opioid therapy for pain (§7.2): the M1 card (reassess, taper if no benefit, naloxone) stays.",
    )


@scenario(given="Tobias", gender="male", birth="1980-02-27")
def m2_carbamazepine_for_epilepsy(s: Scenario) -> None:
    """Carbamazepine for epilepsy (reasonReference) in an 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    epi = s.condition(
        "epilepsy-1", [descendant("G40.909")], "Epilepsy, unspecified, not intractable", onset="2009-03", recorded=3000
    )
    cbz = med_order(
        s, "carbamazepine-1", "2002", "Carbamazepine 200 mg oral tablet", authored=20, days=30, repeats=2,
        dosage="200 mg by mouth twice daily", route="oral", reason_refs=[epi],
    )  # fmt: skip
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["M2"],
        rationale=f"Carbamazepine ({cbz}) is prescribed for epilepsy ({epi}), not for sciatica: the evidence "
        "conflict card 'taper if no 30 % gain' does not apply to an antiepileptic controlling seizures. P1 alone.",
    )


@scenario(given="Greta", gender="female", birth="1968-06-08")
def m2_carbamazepine_active_seizure_disorder(s: Scenario) -> None:
    """Carbamazepine with an active seizure disorder on the problem list (no reason on the order)"""
    rad = persistent_despite_conservative_care(s)
    epi = s.condition(
        "epilepsy-1", [descendant("G40.209")], "Localization-related symptomatic epilepsy, not intractable",
        onset="2015-01", recorded=2500,
    )  # fmt: skip
    cbz = med_order(
        s, "carbamazepine-1", "2002", "Carbamazepine 400 mg extended-release oral tablet", authored=25,
        days=30, repeats=2, dosage="400 mg by mouth twice daily", route="oral",
    )  # fmt: skip
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["M2"],
        rationale=f"No reason on the order ({cbz}), but an active epilepsy ({epi}) explains the carbamazepine: it "
        "is not judged as sciatica treatment.",
    )


@scenario(given="Oskar", gender="male", birth="1975-05-30")
def m2_carbamazepine_only_radiculopathy(s: Scenario) -> None:
    """Carbamazepine started for radicular pain, no other indication on record"""
    rad = persistent_despite_conservative_care(s)
    cbz = med_order(
        s, "carbamazepine-1", "2002", "Carbamazepine 200 mg oral tablet", authored=28, days=30, repeats=1,
        dosage="200 mg by mouth twice daily", route="oral", reason_refs=[rad],
    )  # fmt: skip
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"]), card("M2", "info", refs=[cbz])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS, *NEUROPATHIC],
        rationale=f"Carbamazepine ({cbz}) prescribed for the radiculopathy itself, with no epilepsy, trigeminal "
        "neuralgia or bipolar disorder on record: the M2 card applies (NICE NG59: no antiepileptics for "
        "sciatica). No guideline lists carbamazepine for sciatica (NICE CG173 names it for trigeminal "
        "neuralgia only), so the card shows no 'sources disagree' line citing one.",
    )


@scenario(given="Petra", gender="female", birth="1972-10-21")
def m2_duloxetine_for_depression_reason(s: Scenario) -> None:
    """Duloxetine ordered with reasonCode recurrent depression in an 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    dul = med_order(
        s, "duloxetine-1", "72625", "Duloxetine 60 mg delayed-release oral capsule", authored=200, days=90,
        repeats=2, dosage="60 mg by mouth once daily", route="oral", reason_codes=[icd("F33.1")],
    )  # fmt: skip
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["M2"],
        rationale=f"Duloxetine ({dul}) is ordered for recurrent depression (reasonCode F33.1), started months "
        "before the sciatica: not a neuropathic agent for radicular pain to taper.",
    )


@scenario(given="Walter", gender="male", birth="1950-03-03")
def m1_stale_opioid_order_decades_old(s: Scenario) -> None:
    """An oxycodone order 'active' since 1998 with nothing newer; 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    old = med_order(
        s, "oxycodone-1", "7804", "Oxycodone hydrochloride 5 mg oral tablet", authored=10200,
        dosage="5 mg by mouth every 6 hours as needed", route="oral",
    )  # fmt: skip
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"]), card("M1", "info", refs=[old], mentions=["stale"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        rationale=f"The only opioid record ({old}) is an order written in 1998, never closed, with no newer order, "
        "statement or fill: not 28 years of continuous opioids. The card names the stale record (confirm and "
        "close it) instead of calling it long-term opioid therapy.",
    )


@scenario(given="Vera", gender="female", birth="1966-01-17")
def m1_old_opioid_order_renewed_two_weeks_ago(s: Scenario) -> None:
    """An open oxycodone order from 2 years ago renewed 2 weeks ago: current long-term therapy"""
    rad = persistent_despite_conservative_care(s)
    old = med_order(
        s, "oxycodone-1", "7804", "Oxycodone hydrochloride 10 mg oral tablet", authored=730,
        dosage="10 mg by mouth every 6 hours", route="oral",
    )  # fmt: skip
    new = prescribe(s, "oxycodone", rid="oxycodone-2", authored=14)
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"]), card("M1", "warning", refs_any=[old, new])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        rationale=f"The old open order ({old}) was renewed 2 weeks ago ({new}): the drug is current, so the "
        "opioid course is long-term therapy (M1 warning), not a stale record.",
    )


@scenario(given="Irene", gender="female", birth="1977-07-07")
def y1_ptsd_code_with_p1(s: Scenario) -> None:
    """Chronic PTSD (F43.12) in an 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    ptsd = s.condition(
        "ptsd-1", [descendant("F43.12")], "Post-traumatic stress disorder, chronic", onset="2021-05", recorded=1900
    )
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"]), card("Y1", "info", refs=[ptsd], codes_any=[CBT_OR_PSYCH])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        rationale=f"PTSD ({ptsd}) is a psychosocial factor (§7.6): biopsychosocial assessment and CBT beside the "
        "pathway card.",
    )


@scenario(given="Nadia", gender="female", birth="1990-12-01")
def y1_depression_f32a_with_p1(s: Scenario) -> None:
    """Depression, unspecified (F32.A) in an 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    dep = s.condition("depression-1", [descendant("F32.A")], "Depression, unspecified", onset="2025-09", recorded=400)
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"]), card("Y1", "info", refs=[dep], codes_any=[CBT_OR_PSYCH])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        rationale=f"F32.A (depression, unspecified, new in FY2022) is a depressive disorder ({dep}): Y1.",
    )


@scenario(given="Conrad", gender="male", birth="1969-11-11")
def y1_chronic_pain_code_not_psychosocial(s: Scenario) -> None:
    """Other chronic pain (G89.29) on the problem list, no psychosocial diagnosis or screen"""
    rad = persistent_despite_conservative_care(s)
    s.condition("chronic-pain-1", [icd("G89.29")], "Other chronic pain", onset="2025-01", recorded=600)
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["Y1"],
        rationale="G89.x chronic pain codes are pain, not a psychosocial factor (§7.6): no Y1 card.",
    )


@scenario(given="Lena", gender="female", birth="1982-04-04")
def m3_epidural_methylprednisolone_not_oral(s: Scenario) -> None:
    """Methylprednisolone acetate and an injectable triamcinolone ordered for injections, no oral steroid"""
    rad = persistent_despite_conservative_care(s)
    mpa = med_order(
        s, "methylprednisolone-1", "6902", "Methylprednisolone acetate 80 mg/mL injectable suspension",
        authored=10, days=1, dosage="80 mg once, given by the injecting physician",
    )  # fmt: skip
    tri = med_order(
        s, "triamcinolone-1", "10759", "Triamcinolone 40 mg/mL", authored=5, days=1, dosage="40 mg once",
        form=fb.concept(fb.coding(fb.RXNORM, "1649574"), text="Injection"),
    )  # fmt: skip
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS, *ORAL_STEROIDS],
        forbidden_states=["M3"],
        rationale=f"Both corticosteroids are injectables ({mpa} by its product name, {tri} by its RxNorm dose form "
        "'Injection'): an epidural or injected steroid is not an oral corticosteroid course, so no M3 note.",
    )


@scenario(given="Bernard", gender="male", birth="1955-08-15")
def p1_low_dose_aspirin_is_not_analgesic_trial(s: Scenario) -> None:
    """Eight weeks of radiculopathy with only daily aspirin 81 mg (antiplatelet) and no physiotherapy"""
    rad = radic(s, "M54.17", onset=56)
    asa = med_order(
        s, "aspirin-1", "1191", "Aspirin 81 mg delayed-release oral tablet", authored=300, days=90, repeats=3,
        dosage="81 mg by mouth once daily", route="oral",
    )  # fmt: skip
    s.scores((6, 3))
    s.expect(
        [card("P1", "info", refs=[rad], codes=["306170007"], mentions=["no conservative care documented"])],
        forbidden_codes=["72148", "72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        rationale=f"Aspirin 81 mg daily ({asa}) is antiplatelet therapy, not an analgesic trial (§7.6): the "
        "card says no conservative care is documented instead of counting 10 months of aspirin, and "
        "recommends physiotherapy; no MRI is offered before the conservative care.",
    )


@scenario(given="Rita", gender="female", birth="1971-02-09")
def m1_temazepam_with_opioid(s: Scenario) -> None:
    """Tramadol for 3 weeks with nightly temazepam; 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    tram = prescribe(s, "tramadol", authored=20)
    tem = med_order(
        s, "temazepam-1", "10355", "Temazepam 15 mg oral capsule", authored=40, days=30, repeats=1,
        dosage="15 mg by mouth at bedtime", route="oral",
    )  # fmt: skip
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"]), card("M1", "warning", refs=[tem, tram], codes_any=[["7242"]])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        rationale=f"Temazepam ({tem}) is a benzodiazepine: with tramadol ({tram}) it is an opioid + "
        "benzodiazepine co-prescription (CDC 2022 recommendation 11), M1 warning with naloxone.",
    )


@scenario(given="Elliot", gender="male", birth="1984-09-23")
def m1_carisoprodol_is_not_a_benzodiazepine(s: Scenario) -> None:
    """Tramadol for 3 weeks with carisoprodol; 8-week radiculopathy"""
    rad = persistent_despite_conservative_care(s)
    prescribe(s, "tramadol", authored=20)
    med_order(
        s, "carisoprodol-1", "2101", "Carisoprodol 350 mg oral tablet", authored=20, days=14,
        dosage="350 mg by mouth three times daily", route="oral",
    )  # fmt: skip
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        forbidden_states=["M1"],
        rationale="Carisoprodol is a muscle relaxant, not a benzodiazepine (§7.6): a 3-week, 40 MME/day tramadol "
        "course with it is not the opioid + benzodiazepine co-prescription of M1.",
    )


# ---------------------------------------------------------------------------------------------
# Safety review: code corrections (§7.6), mimics (§7.5), the ablation branch without the gate
# (§1.1.4) and stale ESI cards after a later line of treatment
# ---------------------------------------------------------------------------------------------


@scenario(given="Walter", gender="male", birth="1969-05-14")
def gate_radiculopathy_site_unspecified(s: Scenario) -> None:
    """Radiculopathy coded with an unspecified site (M54.10) for arm pain: not a lumbar radiculopathy"""
    rad = s.condition(
        "radic-1",
        [icd("M54.10")],
        "Radiculopathy, site unspecified",
        onset=60,
        body_site="Left arm (C6 distribution)",
        note="Neck pain radiating to the left thumb; biceps reflex reduced.",
    )
    s.pt_course(50, reason=[rad])
    prescribe_nsaid(s, "naproxen", authored=55, days=90)
    s.scores((6, 3))
    s.expect(
        [],
        forbidden_codes=[*MRI_ANY, *ESI_ALL, *FUSION],
        forbidden_states=["P1", "P2", "E1", "E2"],
        rationale=f"M54.10 ({rad}) names no spinal region — here a cervical root by its body site and note — so it "
        "does not make the patient a lumbar radiculopathy patient (decision model §7.6): the gate stays closed "
        "and no lumbar MRI or lumbar ESI is suggested.",
    )


def failed_tfesi_without_compression(s: Scenario, *, onset: int = 200) -> tuple[str, str]:
    """Left S1 radicular pain, conservative care, an MRI without root compression and a failed
    left L5-S1 TFESI (outcome unsuccessful, 7 → 7). Returns (radicular condition, ESI)."""
    rad = radic(s, "M54.17", onset=onset, body_site="Left leg (S1 distribution)")
    conservative_care(s, rad, pt=onset - 10, nsaid="naproxen", nsaid_from=onset - 5, nsaid_days=180)
    mri(
        s,
        onset - 40,
        "Mild disc desiccation L4-5 and L5-S1 without disc herniation or nerve root compression.",
    )
    esi = tfesi(s, "esi-1", 90, "Left L5-S1", outcome=fb.UNSUCCESSFUL, reason=[rad])
    s.pain_around(esi, before=(7, 92), after=[(7, 70), (7, 60)])
    return rad, esi


@scenario(given="Olive", gender="female", birth="1966-02-20")
def f4_coccydynia_is_not_si_joint_pain(s: Scenario) -> None:
    """Failed TFESI with coccydynia coded (M53.3): a sacrococcygeal disorder, not SI-joint pain"""
    _, esi = failed_tfesi_without_compression(s)
    coccyx = s.condition(
        "coccydynia-1",
        [icd("M53.3")],
        "Coccydynia",
        onset=150,
        note="Pain at the tip of the coccyx on sitting.",
    )
    s.expect(
        [card("F4", "info", refs=[esi], codes_any=[EMG])],
        forbidden_codes=["27096", "64451", "G0260", *RFA, *ESI_REPEAT, *SCS, *FUSION],
        forbidden_states=["F5", "F3"],
        rationale=f"The TFESI ({esi}) failed and the MRI shows no root compression: re-evaluate the diagnosis "
        f"(F4). Coccydynia ({coccyx}, M53.3) is a sacrococcygeal disorder, not sacroiliac-joint pain "
        "(decision model §7.6), so no SI-joint block card (F5).",
    )


@scenario(given="Harold", gender="male", birth="1961-09-09")
def f4_lumbar_spondylosis_is_not_facet_pain(s: Scenario) -> None:
    """Failed TFESI with 'lumbar spondylosis' (SNOMED 239880009) on the problem list: too broad to call facet pain"""
    _, esi = failed_tfesi_without_compression(s)
    spond = s.condition(
        "spondylosis-1",
        [sct("239880009")],
        "Lumbar spondylosis",
        onset=400,
    )
    s.expect(
        [card("F4", "info", refs=[esi], codes_any=[EMG])],
        forbidden_codes=[*MBB, *RFA, *ESI_REPEAT, *SCS, *FUSION],
        forbidden_states=["F5", "F3"],
        rationale=f"The TFESI ({esi}) failed and the MRI shows no root compression: re-evaluate the diagnosis "
        f"(F4). 'Lumbar spondylosis' ({spond}, SNOMED 239880009) describes degeneration, not the facet joint "
        "as the pain generator (decision model §7.6), so no medial-branch-block card (F5).",
    )


@scenario(given="Leonard", gender="male", birth="1962-06-18")
def n3_scs_still_helping_after_failed_esis(s: Scenario) -> None:
    """Two failed TFESIs, then an SCS implanted 15 months ago that still works: pain 8 before, 2-3 since"""
    esis = chronic_radiculopathy_without_target(s, onset=1100)
    ipg = implanted_scs_after_successful_trial(s)
    s.scores((3, 400), (2, 300), (3, 200), (3, 60))
    latest = s.nrs("nrs-7", 3, 6)
    s.expect(
        [],
        forbidden_codes=[*EXPLANT, *OPIOIDS, *ESI_ALL, *SCS_PERMANENT, *FUSION, "63030", "63047"],
        forbidden_states=["F7", "F8", "F3", "F4", "N1", "N2", "N3", "L1"],
        rationale=f"The two failed TFESIs ({', '.join(esis)}) were followed by a stimulator ({ipg}) that still "
        f"works (pain 8 before the trial, 2-3 since, 3 now: {latest}). N3 is silent because it still helps, "
        "and the injections' old verdict ('stop injecting, get a surgical opinion', F8) is history once "
        "stimulation followed them: no card.",
    )


@scenario(given="Stanley", gender="male", birth="1961-01-30")
def f8_esi_ordered_despite_working_stimulator(s: Scenario) -> None:
    """The same working stimulator after two failed TFESIs, and a new TFESI ordered: the old verdict still matters"""
    esis = chronic_radiculopathy_without_target(s, onset=1100)
    implanted_scs_after_successful_trial(s)
    s.scores((3, 400), (2, 300), (3, 200), (3, 60))
    s.nrs("nrs-7", 3, 6)
    order = s.service_request(
        "esi-order-1",
        [cpt("64483")],
        "Transforaminal epidural steroid injection, left L5-S1",
        authored=3,
        occurrence=-7,
    )
    s.expect(
        [card("F8", "warning", refs=[order])],
        forbidden_codes=[*ESI_ALL, *EXPLANT, *OPIOIDS, *FUSION],
        forbidden_states=["N3", "F7"],
        rationale=f"A stimulator that still works silences the injections' old card, but not when another ESI is "
        f"ordered ({order}) after two that failed ({', '.join(esis)}): F8 names the order so it can be held.",
    )


def facet_pain_only(s: Scenario, *, onset: int = 900) -> str:
    """Axial facet-joint pain (M47.816 + SNOMED 428671008) with no radicular diagnosis: conservative
    care and two positive diagnostic medial branch blocks. Returns the facet condition."""
    facet = s.condition(
        "facet-1",
        [icd("M47.816"), sct("428671008")],
        "Lumbar facet joint arthropathy",
        onset=onset,
        note="Axial low back pain worse on extension and rotation; no leg pain; neurological examination normal.",
    )
    s.pt_course(onset - 30, reason=[facet])
    prescribe_nsaid(s, "meloxicam", authored=onset - 20, days=180)
    for rid, days, relief in (("mbb-1", onset - 200, 80), ("mbb-2", onset - 215, 85)):
        s.procedure(
            rid,
            [cpt("64493"), cpt("64494")],
            "Diagnostic medial branch blocks, bilateral L4-5 and L5-S1",
            performed=days,
            reason=[facet],
            note=f"{relief} % relief of the back pain during the anaesthetic phase.",
        )
    return facet


@scenario(given="Gloria", gender="female", birth="1958-07-07")
def a2_facet_only_rfa_wore_off(s: Scenario) -> None:
    """Facet arthropathy only (no radicular diagnosis): RFA gave 7 → 2 for 7 months, pain back at 11 months"""
    facet = facet_pain_only(s)
    rfa = facet_rfa(s, "rfa-1", 340)
    s.pain_around(rfa, before=(7, 342), after=[(2, 300), (2, 270)], leg=False)
    s.scores((2, 190), (3, 130), (7, 15), leg=False)
    s.expect(
        [card("A2", "info", refs=[rfa], codes_any=[["64635"]])],
        forbidden_codes=[*ESI_ALL, *SCS, *IDD, *MRI_ANY],
        forbidden_states=["A1", "F5", "P1", "P2"],
        rationale=f"The only spine diagnosis is facet arthropathy ({facet}), so the radiculopathy gate is closed, "
        f"but the ablation branch runs whenever an ablation exists (§1.1.4): the RFA ({rfa}) gave ≥ 50 % relief "
        "for ≥ 6 months and the pain came back — nerve regeneration, a repeat RFA is reasonable (A2). No "
        "radicular advice (no ESI, no lumbar MRI).",
    )


@scenario(given="Ronald", gender="male", birth="1957-03-25")
def a1_facet_only_rfa_failed(s: Scenario) -> None:
    """Facet arthropathy only (no radicular diagnosis): RFA after two positive blocks gave no relief"""
    facet = facet_pain_only(s)
    rfa = facet_rfa(s, "rfa-1", 120)
    s.pain_around(rfa, before=(7, 122), after=[(7, 85), (6, 60), (7, 35)], leg=False)
    s.expect(
        [card("A1", "info", refs=[rfa], codes_any=[MBB])],
        forbidden_codes=[*RFA, *ESI_ALL, "64640", *FUSION],
        forbidden_states=["A2", "F5", "P1", "P2"],
        rationale=f"Facet arthropathy only ({facet}): the gate is closed but the ablation branch runs (§1.1.4). The "
        f"RFA ({rfa}) gave no relief (7 → 7): failed ablation — re-evaluate with a repeat diagnostic block; no "
        "repeat RFA at the same level and, without radicular pain, no nerve-root injection.",
    )


@scenario(given="Doris", gender="female", birth="1960-12-12")
def gate_facet_pain_only_no_ablation(s: Scenario) -> None:
    """Facet arthropathy only, two positive diagnostic blocks, no ablation yet: no radiculopathy card"""
    facet = facet_pain_only(s)
    s.scores((6, 10), leg=False)
    s.expect(
        [],
        forbidden_codes=[*ESI_ALL, *MRI_ANY, *RFA],
        forbidden_states=["A1", "A2", "F5", "P1", "P2"],
        rationale=f"Facet arthropathy ({facet}) with no radicular diagnosis and no ablation: the gate is closed and "
        "no device or ablation branch applies, so no card — the service advises on radicular pain and on "
        "ablations and stimulators already done, not on the facet work-up itself.",
    )


def left_hip_osteoarthritis(s: Scenario, *, onset: int = 700) -> str:
    """Primary osteoarthritis of the left hip (M16.12) on the problem list."""
    return hip_osteoarthritis(s, "left", onset=onset)


def hip_osteoarthritis(s: Scenario, side: str, *, onset: int = 700) -> str:
    """Primary osteoarthritis of the ``side`` ("left", "right") hip (M16.12, M16.11) on the problem list."""
    code = {"right": "M16.11", "left": "M16.12"}[side]
    return s.condition(
        "hip-oa-1",
        # a descendant of the listed M16 category, which the service matches by prefix
        [fb.unchecked_coding(fb.ICD10CM, code, f"Unilateral primary osteoarthritis, {side} hip")],
        f"Primary osteoarthritis, {side} hip",
        onset=onset,
        note="Groin and anterior thigh pain; painful, limited internal rotation.",
    )


def failed_tfesi_with_concordant_extrusion(s: Scenario) -> tuple[str, str, str]:
    """Left S1 radicular pain from a concordant L5-S1 extrusion, five months, never referred to a
    surgeon; the left L5-S1 TFESI gave 8 → 7. Returns (radicular condition, MRI report, ESI)."""
    rad, rep = radiculopathy_with_concordant_extrusion(s, onset=160, side="Left")
    esi = tfesi(s, "esi-1", 70, "Left L5-S1", reason=[rad])
    s.pain_around(esi, before=(8, 72), after=[(7, 50), (7, 40)])
    return rad, rep, esi


@scenario(given="Evelyn", gender="female", birth="1956-04-04")
def f4_failed_esi_with_hip_osteoarthritis(s: Scenario) -> None:
    """Failed TFESI for a concordant L5-S1 extrusion in a patient with left hip osteoarthritis"""
    _, rep, esi = failed_tfesi_with_concordant_extrusion(s)
    hip = left_hip_osteoarthritis(s)
    s.expect(
        [card("F4", "info", refs=[hip, esi], mentions=["hip osteoarthritis", "hip radiograph"])],
        forbidden_codes=[*ESI_REPEAT, *SCS, *FUSION, "63030", "63047", "63042"],
        forbidden_states=["F3"],
        rationale=f"The TFESI ({esi}) failed and the MRI ({rep}) shows a concordant extrusion, but left hip "
        f"osteoarthritis ({hip}) is on record: hip disease mimics radicular leg pain (decision model §7.5). "
        "Before the surgical opinion the failed injection would otherwise lead to, the card names the mimic and "
        "asks for a hip examination and radiograph (ACR 2021; NASS 2014). No repeat ESI, no surgery yet.",
    )


@scenario(given="Florence", gender="female", birth="1956-04-05")
def f3_failed_esi_without_mimic(s: Scenario) -> None:
    """The same failed TFESI and concordant extrusion without any mimic on record"""
    _, rep, esi = failed_tfesi_with_concordant_extrusion(s)
    s.expect(
        [card("F3", "warning", refs=[esi, rep], codes_any=[SPINE_REFERRAL])],
        forbidden_codes=F3_FORBIDDEN,
        forbidden_states=["F4"],
        rationale=f"Without a mimic the failed TFESI ({esi}) with a concordant extrusion ({rep}), five months and "
        "no surgical referral stays F3 (warning): the mimic check adds nothing when there is no mimic.",
    )


@scenario(given="Lillian", gender="female", birth="1958-08-19")
def p1_persistent_with_hip_osteoarthritis(s: Scenario) -> None:
    """Eight weeks of right S1 radiculopathy despite PT and naproxen, with right hip osteoarthritis on record"""
    rad = persistent_despite_conservative_care(s)
    hip = hip_osteoarthritis(s, "right")
    s.expect(
        [card("P1", "info", refs=[rad, hip], codes=["72148"], mentions=["hip osteoarthritis"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        rationale=f"Six weeks of conservative care did not settle the radicular pain ({rad}): P1, whose next step is "
        f"an MRI and an image-guided ESI. Hip osteoarthritis ({hip}) can produce the same leg pain, so the card "
        "names it and asks for a hip examination and radiograph before the first spine procedure.",
    )


@scenario(given="Walter", gender="male", birth="1962-05-11")
def p1_persistent_with_contralateral_hip_osteoarthritis(s: Scenario) -> None:
    """Eight weeks of right S1 radiculopathy despite PT and naproxen, with left hip osteoarthritis on record"""
    rad = persistent_despite_conservative_care(s)
    hip = hip_osteoarthritis(s, "left")
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION, *OPIOIDS],
        rationale=f"Six weeks of conservative care did not settle the right S1 radicular pain ({rad}): P1, MRI "
        f"and an image-guided ESI. The osteoarthritis is of the left hip ({hip}): it cannot produce right leg "
        "pain, so it does not hold the spine work-up back (decision model §7.5 asks for a mimic of the same "
        "pain).",
    )


@scenario(given="Edith", gender="female", birth="1990-02-02")
def e1_acute_sciatica_with_hip_osteoarthritis(s: Scenario) -> None:
    """Three weeks of left sciatica in a patient with left hip osteoarthritis: no treatment has failed yet"""
    rad = early_sciatica(s)
    left_hip_osteoarthritis(s)
    s.expect(
        [card("E1", "info", refs=[rad])],
        forbidden_codes=E1_FORBIDDEN,
        forbidden_states=["F4", "P1"],
        rationale=f"Acute sciatica ({rad}), three weeks, tolerable: E1, conservative care and reassessment at 6 "
        "weeks. No lumbar treatment has failed and no spine procedure is proposed, so the card stays as it is: "
        "the mimic check applies when the next step follows a failed treatment (decision model §7.5), and the "
        "6-week reassessment is where a persisting hip cause is examined.",
    )


@scenario(given="Arthur", gender="male", birth="1952-10-10")
def f6_stenosis_with_arterial_claudication(s: Scenario) -> None:
    """Failed ILESI for L4-5 stenosis with claudication, in a patient with peripheral arterial disease (I70.213)"""
    rad = radic(s, "M54.16", onset=400, note="Bilateral buttock and leg pain.")
    sten = stenosis_with_claudication(
        s,
        onset=400,
        note="Neurogenic claudication: bilateral buttock and leg pain after walking 100 m, relieved by "
        "sitting and flexion.",
    )
    pad = s.condition(
        "pad-1",
        # a descendant of the listed I70.21 subcategory, which the service matches by prefix
        [
            fb.unchecked_coding(
                fb.ICD10CM,
                "I70.213",
                "Atherosclerosis of native arteries of extremities with intermittent claudication, bilateral legs",
            )
        ],
        "Atherosclerosis of native arteries of both legs with intermittent claudication",
        onset=900,
        note="Calf pain on walking; weak pedal pulses.",
    )
    conservative_care(s, sten, pt=380, nsaid="ibuprofen", nsaid_from=385, nsaid_days=90, pain_referral=200)
    mri(
        s,
        300,
        "Severe central canal stenosis at L4-5 due to ligamentum flavum hypertrophy. No spondylolisthesis.",
    )
    esi = ilesi(s, "esi-1", 90, "L4-5", reason=[sten, rad])
    s.pain_around(esi, before=(7, 92), after=[(7, 70), (6, 55)])
    s.expect(
        [card("F6", "info", refs=[pad], codes_any=[DECOMPRESSION_OR_MILD], mentions=["ankle-brachial"])],
        forbidden_codes=[*FUSION, *ESI_ALL, *OPIOIDS],
        forbidden_states=["F3", "F5", "F7", "F8"],
        rationale=f"Stenosis with claudication ({sten}) after a failed ILESI ({esi}) leads to decompression (F6), but "
        f"peripheral arterial disease with claudication ({pad}) causes the same walking leg pain: the card names "
        "it and asks for foot pulses and an ankle-brachial index before the spine procedure.",
    )


@scenario(given="Marjorie", gender="female", birth="1959-11-11")
def a2_rfa_wore_off_repeat_ordered_after_failed_esi(s: Scenario) -> None:
    """Facet RFA worked for 9 months and wore off; a later TFESI for new S1 pain failed; a repeat RFA is ordered"""
    facet = facet_pain_only(s)
    rad = radic(s, "M54.17", onset=200, body_site="Left leg (S1 distribution)")
    conservative_care(s, rad, pt=190, nsaid="naproxen", nsaid_from=195, nsaid_days=120)
    rfa = facet_rfa(s, "rfa-1", 600)
    s.pain_around(rfa, before=(7, 602), after=[(2, 560), (2, 530)], leg=False)
    s.scores((2, 450), (3, 400), (7, 250), leg=False)
    mri(
        s,
        180,
        "Bilateral facet arthropathy at L4-5 and L5-S1. No disc herniation and no nerve root compression.",
    )
    esi = tfesi(s, "esi-1", 100, "Left L5-S1", outcome=fb.UNSUCCESSFUL, reason=[rad])
    s.pain_around(esi, before=(7, 102), after=[(7, 80), (7, 70)])
    order = s.service_request(
        "rfa-order-1",
        [cpt("64635"), cpt("64636")],
        "Repeat radiofrequency ablation of lumbar medial branches, bilateral L4-5 and L5-S1",
        authored=3,
        occurrence=-14,
        reason=[facet],
    )
    s.expect(
        [card("A2", "info", refs=[rfa], codes_any=[["64635"]])],
        forbidden_codes=[*SCS, *IDD, *ESI_REPEAT],
        forbidden_states=["F5", "A1"],
        rationale=f"The facet RFA ({rfa}) after two positive blocks gave ≥ 50 % relief for more than 6 months and wore "
        f"off: a repeat RFA is reasonable (A2), and one is ordered ({order}). The later TFESI ({esi}) for new S1 "
        "pain failed, but F5's 'diagnostic block before any RFA' warning would contradict a facet pathway the "
        "blocks and the ablation already proved: an ablated facet joint is spoken for by the ablation card.",
    )


def egfr(s: Scenario, rid: str, value: float, when: int) -> str:
    """An eGFR result (CKD-EPI 2021, LOINC 98979-8) from the laboratory."""
    return s.add(
        "observations",
        fb.observation(
            rid, fb.concept(fb.loinc("98979-8")), s.subject, category="laboratory",
            effective=s.at(when, "08:10"), value=value, unit="mL/min/{1.73_m2}",
        ),
    )  # fmt: skip


@scenario(given="Walter", gender="male", birth="1952-04-09")
def m5_naproxen_with_egfr_24(s: Scenario) -> None:
    """Naproxen taken for 8 weeks of sciatica by a patient whose eGFR three weeks ago was 24"""
    rad = persistent_despite_conservative_care(s)
    low = egfr(s, "egfr-1", 24, 21)
    naproxen = next(fb.ref_of(r) for r in s.keys["medicationRequests"] if "aproxen" in json.dumps(r))
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"]), card("M5", "warning", refs=[naproxen, low])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION],
        rationale=f"Naproxen is current ({naproxen}) and the latest eGFR ({low}) is 24 mL/min/1.73 m²: "
        "KDIGO 2012 advises avoiding NSAIDs below 30. M5 warns to review and stop it beside the "
        "pathway card (P1).",
    )


@scenario(given="Roger", gender="male", birth="1958-06-21")
def m5_naproxen_with_normal_egfr(s: Scenario) -> None:
    """Naproxen taken for 8 weeks of sciatica; eGFR 78 three weeks ago"""
    rad = persistent_despite_conservative_care(s)
    egfr(s, "egfr-1", 78, 21)
    s.expect(
        [card("P1", "info", refs=[rad], codes=["72148"])],
        forbidden_codes=["72158", *BLIND_ESI, *FUSION],
        forbidden_states=["M5"],
        rationale="Naproxen with a normal eGFR and no bleeding, ulcer or heart-failure risk on record: "
        "nothing rules the NSAID out, so no M5.",
    )


# ---------------------------------------------------------------------------------------------


def main() -> None:
    slugs = set()
    for make in SCENARIOS:
        s = make()
        if s.slug in slugs:
            raise SystemExit(f"duplicate scenario {s.slug}")
        slugs.add(s.slug)
        if not s.expected:
            raise SystemExit(f"{s.slug}: no expectation")
        (HERE / f"{s.slug}.json").write_text(json.dumps(s.request(), indent=2, ensure_ascii=False) + "\n")
        (HERE / f"{s.slug}.expected.json").write_text(
            json.dumps(s.expected, indent=2, ensure_ascii=False) + "\n"
        )
    stale = {p.name.split(".")[0] for p in HERE.glob("*.json")} - slugs
    for name in sorted(stale):
        print(f"note: {name} is not produced by this script")
    print(f"wrote {len(slugs)} scenarios to {HERE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
