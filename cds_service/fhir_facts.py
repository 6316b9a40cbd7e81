"""FHIR R4 resources → the typed patient history the rules read (``hooks.facts``).

``build_history(resources, terminology, unavailable)`` turns validated FHIR R4 resources
(fhir.resources R4B models from ``cds_service.fhir_adapter``, read duck-typed; plain JSON dicts are
accepted too) into an immutable ``PatientHistory``, once per request. This is the only place that
reads FHIR element names: the clinical layer (``hooks/``) receives typed facts only.

``RESOURCE_TYPES`` is the one list of resource types the history is built from; the adapter
validates exactly these.

Dates: FHIR date/dateTime values arrive as ``date``, ``datetime`` or, for partial dates such as
"2024-03", as ``str``. ``fhir_date`` turns any of them into the first day covered plus the text
as written, and is the one place that does so.

Codes are never written here: kinds of Observation, imaging report categories, local anaesthetics
and drug ingredients are all value-set questions to ``terminology``; free text (spinal levels,
sides, drug names, the names of uncoded observations) is read with ``hooks.text``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hooks.facts import (
    ConditionFact,
    Dose,
    EncounterFact,
    MedicationFact,
    ObservationFact,
    PatientFact,
    PatientHistory,
    ProcedureFact,
    ReportFact,
    ServiceRequestFact,
    dose_steps,
)
from hooks.terminology import Coding, Terminology, canonical_system
from hooks.text import (
    NOT_STRENGTH_WORDS,
    NUMBER,
    RELIEF_WORDS,
    STRENGTH_NAMED,
    STRENGTH_WORDS,
    ingredients_named,
    is_leg_site,
    parse_laterality,
    parse_level,
)

__all__ = [
    "OBSERVATION_KINDS",
    "RESOURCE_TYPES",
    "build_history",
    "fhir_date",
    "normalize_ref",
]

# ---------------------------------------------------------------------------------------------
# Small readers that work on fhir.resources models and on plain JSON dicts alike
# ---------------------------------------------------------------------------------------------


def _get(obj: Any, name: str) -> Any:
    # type(...) is dict, not isinstance(..., Mapping): this runs ~20 times per resource
    if obj is None:
        return None
    if type(obj) is dict:
        return obj.get(name)
    return getattr(obj, name, None)


def _list(obj: Any, name: str) -> list[Any]:
    value = _get(obj, name)
    if value is None:
        return []
    if type(value) is list:
        return value
    if isinstance(value, tuple):
        return list(value)
    return [value]


# a model class's resource type (fhir.resources' ``get_resource_type`` is a classmethod), asked once
_CLASS_RESOURCE_TYPES: dict[type, str] = {}


def _resource_type(obj: Any) -> str | None:
    cls = type(obj)
    if cls is dict:
        rt = obj.get("resourceType")
        return rt if isinstance(rt, str) else None
    known = _CLASS_RESOURCE_TYPES.get(cls)
    if known is not None:
        return known
    if isinstance(inspect.getattr_static(cls, "get_resource_type", None), classmethod):
        rt = cls.get_resource_type()
        if isinstance(rt, str):
            _CLASS_RESOURCE_TYPES[cls] = rt
            return rt
    getter = getattr(obj, "get_resource_type", None)
    if callable(getter):
        try:
            return str(getter())
        except TypeError:  # pragma: no cover - a class, not an instance
            return None
    rt = getattr(obj, "resource_type", None)
    return rt if isinstance(rt, str) else None


def _ref(obj: Any, fallback_index: int) -> str:
    rid = _get(obj, "id")
    return f"{_resource_type(obj)}/{rid if rid else f'unidentified-{fallback_index}'}"


def normalize_ref(reference: str | None) -> str | None:
    """'http://ehr/fhir/Procedure/abc/_history/2' or 'Procedure/abc' → 'Procedure/abc'.

    Contained references ('#med1') are returned unchanged; None stays None.
    """
    if not reference:
        return None
    if reference.startswith("#"):
        return reference
    parts = [p for p in reference.split("?")[0].split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}"
    return reference


def _codings(cc: Any) -> tuple[Coding, ...]:
    items = _list(cc, "coding")
    if not items:
        return ()
    out: list[Coding] = []
    for c in items:
        if type(c) is dict:
            system, code, display = c.get("system"), c.get("code"), c.get("display")
        else:
            system, code, display = (
                getattr(c, "system", None),
                getattr(c, "code", None),
                getattr(c, "display", None),
            )
        if system and code:
            out.append(Coding(canonical_system(str(system)), str(code), display))
    return tuple(out)


def _codings_all(ccs: Iterable[Any]) -> tuple[Coding, ...]:
    return tuple(c for cc in ccs for c in _codings(cc))


def _cc_text(cc: Any) -> str | None:
    """CodeableConcept.text, else the first coding display."""
    if cc is None:
        return None
    text = _get(cc, "text")
    if text:
        return str(text)
    for c in _list(cc, "coding"):
        disp = _get(c, "display")
        if disp:
            return str(disp)
    return None


def _texts(ccs: Iterable[Any]) -> str | None:
    """The concepts' texts, each once ("Spine clinic" as type and as service type is said once)."""
    parts = [t for t in map(_cc_text, ccs) if t]
    if len(parts) > 1:
        parts = list(dict.fromkeys(parts))
    return "; ".join(parts) if parts else None


def _status_code(cc: Any) -> str | None:
    """The code of a status CodeableConcept (clinicalStatus / verificationStatus)."""
    for c in _list(cc, "coding"):
        code = _get(c, "code")
        if code:
            return str(code)
    text = _get(cc, "text") if cc is not None else None
    return str(text).lower() if text else None


def _notes(obj: Any) -> tuple[str, ...]:
    notes = _list(obj, "note")
    if not notes:
        return ()
    return tuple(str(t) for t in (_get(n, "text") for n in notes) if t)


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def fhir_date(value: Any) -> tuple[date | None, str | None]:
    """Any FHIR date/dateTime/instant value → (first day it covers, its text as written).

    ``"2024"`` → 2024-01-01, ``"2024-03"`` → 2024-03-01, ``date`` as is, ``datetime`` → its date
    (in the time zone it was written in, so a clinician's "on 2026-03-02" stays that day).
    Unparseable text gives (None, text).
    """
    if value is None:
        return None, None
    if isinstance(value, datetime):
        return value.date(), value.date().isoformat()
    if isinstance(value, date):
        return value, value.isoformat()
    text = str(value).strip()
    m = _PARTIAL.match(text)
    if not m:
        return None, text or None
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        d = date(year, month, day)
    except ValueError:
        return None, text
    shown = text[:10] if m.group(3) else text[: len(m.group(0))]
    return d, shown


def _date(value: Any) -> date | None:
    return fhir_date(value)[0]


def fhir_instant(value: Any) -> datetime | None:
    """A FHIR dateTime/instant that gives the time of day (and so, by the FHIR rules, its time
    zone) → that instant; a date alone, or a time without a zone, gives None (it cannot be ordered
    against another time)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        instant = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def _period_start(period: Any) -> Any:
    return _get(period, "start")


def _period_end(period: Any) -> Any:
    return _get(period, "end")


_DURATION_DAYS = {
    "d": 1.0, "day": 1.0, "days": 1.0,
    "wk": 7.0, "week": 7.0, "weeks": 7.0,
    "mo": 30.0, "month": 30.0, "months": 30.0,
    "a": 365.0, "year": 365.0, "years": 365.0,
    "h": 1 / 24, "hour": 1 / 24, "hours": 1 / 24,
}  # fmt: skip


def _duration_days(q: Any) -> float | None:
    value = _num(_get(q, "value"))
    unit = _get(q, "code") or _get(q, "unit")
    if value is None or not unit:
        return None
    factor = _DURATION_DAYS.get(str(unit).lower())
    return value * factor if factor is not None else None


_MONTHS_PER_UNIT = {"a": 12, "year": 12, "years": 12, "mo": 1, "month": 1, "months": 1}


def _age_to_date(birth: date | None, age: Any) -> date | None:
    """onsetAge → a date, when the birth date is known (years/months/weeks/days). Whole years and
    months count on the calendar, so "56 years" is the 56th birthday, never a day before it (365-day
    years would drop the leap days); other ages count in days."""
    if birth is None:
        return None
    value = _num(_get(age, "value"))
    unit = str(_get(age, "code") or _get(age, "unit") or "").lower()
    months = _MONTHS_PER_UNIT.get(unit)
    if value is not None and months is not None and float(value).is_integer():
        return _add_months(birth, int(value) * months)
    days = _duration_days(age)
    return None if days is None else birth + timedelta(days=round(days))


def _add_months(d: date, months: int) -> date:
    """``d`` moved by whole calendar months; a day the target month lacks (29 February, 31st) becomes
    that month's last day."""
    total = d.year * 12 + d.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(d.day, last))


# ---------------------------------------------------------------------------------------------
# Observation kinds
# ---------------------------------------------------------------------------------------------

# kind → value set (order matters: the first matching value set names the kind)
OBSERVATION_KINDS: tuple[tuple[str, str], ...] = (
    ("pain", "pain_intensity_observations"),
    ("odi", "odi_observations"),
    ("peg", "peg_observations"),
    ("promis", "promis_pain_interference_observations"),
    ("phq9", "phq9_observations"),
    # coded or scored 0-3: thoughts of being better off dead or of self-harm (read by Y1)
    ("phq9_item9", "phq9_item9_observations"),
    ("phq2", "phq2_observations"),
    ("gad7", "gad7_observations"),
    ("startback", "startback_observations"),
    ("ort", "ort_observations"),
    ("strength", "muscle_strength_observations"),
    ("relief_pct", "pain_relief_observations"),
    # coded, not scored: whether the patient is pregnant now (read by ``hooks.pathway.pregnancy``)
    ("pregnancy_status", "pregnancy_status_observations"),
    # kidney function: an NSAID is avoided below an eGFR of 30 (acute cards, the NSAID order check)
    ("egfr", "egfr_observations"),
)


# The units an MRC grade (0-5) is sent with: none, out of 5, or an annotation naming the scale.
STRENGTH_UNITS = frozenset({"", "/5", "{score}", "{mrc}", "{grade}", "{mrc grade}", "{mrc_grade}", "mrc"})


def _uncoded_kind(words: str, value: float | None, unit: str | None) -> str | None:
    """ "relief_pct" or "strength" for entries no value set names, judged by name and scale."""
    if value is None:
        return None
    u = (unit or "").strip()
    if RELIEF_WORDS.search(words) and (u == "%" or "%" in words) and 0 <= value <= 100:
        return "relief_pct"
    if (
        STRENGTH_WORDS.search(words)
        and (STRENGTH_NAMED.search(words) or not NOT_STRENGTH_WORDS.search(words))
        and 0 <= value <= 5
        and u.lower() in STRENGTH_UNITS
    ):
        return "strength"
    return None


def _kind_of(terminology: Terminology, codings: Sequence[Coding]) -> str | None:
    """The first of ``OBSERVATION_KINDS`` whose value set holds any of the codings."""
    if not codings:
        return None
    names = terminology.names_of(codings)
    for kind, vs in OBSERVATION_KINDS:
        if vs in names:
            return kind
    return None


def _obs_value(obj: Any) -> tuple[float | None, str | None, str | None]:
    """(number, unit, text) from value[x] of an Observation or component."""
    q = _get(obj, "valueQuantity")
    if q is not None:
        value, comparator = _num(_get(q, "value")), _get(q, "comparator")
        # "<15": the value is a bound, said as sent (an eGFR below the laboratory's lowest figure)
        text = f"{comparator}{value:g}" if comparator and value is not None else None
        return value, _get(q, "unit") or _get(q, "code"), text
    vi = _get(obj, "valueInteger")
    if vi is not None:
        return _num(vi), None, None
    vs = _get(obj, "valueString")
    if vs:
        m = NUMBER.search(str(vs))
        unit = "%" if "%" in str(vs) else None
        return (float(m.group(0)) if m else None), unit, str(vs)
    vcc = _get(obj, "valueCodeableConcept")
    if vcc is not None:
        text = _cc_text(vcc)
        m = NUMBER.search(text or "")
        return (float(m.group(0)) if m else None), None, text
    vr = _get(obj, "valueRatio")
    if vr is not None:
        num, den = _num(_get(_get(vr, "numerator"), "value")), _num(_get(_get(vr, "denominator"), "value"))
        if num is not None and den:
            # "4/5" strength or "7/10" pain: keep the numerator on the instrument's own scale
            return num, f"/{den:g}", None
    return None, None, None


def _scale(
    kind: str, value: float | None, unit: str | None, codings: Sequence[Coding], term: Terminology
) -> float | None:
    """Bring a pain score onto 0-10 (the 0-100 visual analogue scale, a value set, and mm/100 units),
    and an ODI onto its 0-100 %: sent as a fraction (unit 1, at most 1) or out of its raw 50 points
    (a ratio "/50"). An ODI in any other unit, or a bare 1, is kept as sent. A visual analogue score
    sent with no unit and a value from above 0 to 10 could be on either scale: not read. A score outside its
    scale once read (pain 35 under the 0-10 NRS code, an ODI of 140 %) is no score: not read, so no
    card rests on "pain 35/10"."""
    scaled = _on_scale(kind, value, unit, codings, term)
    if scaled is not None and kind in SCALE_MAX and not 0 <= scaled <= SCALE_MAX[kind]:
        return None
    return scaled


SCALE_MAX = {"pain": 10.0, "odi": 100.0}  # the top of the scale each score is read on (``_scale``)


def _on_scale(
    kind: str, value: float | None, unit: str | None, codings: Sequence[Coding], term: Terminology
) -> float | None:
    if value is not None and kind == "odi":
        u = (unit or "").strip().lower()
        if (u == "1" and 0 <= value < 1) or (u in ("{fraction}", "{ratio}") and 0 <= value <= 1):
            # a bare 1 in unit 1 is as likely 1 % as 100 %; a fraction unit says what it is
            return round(value * 100.0, 6)
        if u in ("/50", "{score}/50"):
            return value * 2.0
        return value
    if value is None or kind != "pain":
        return value
    u = (unit or "").strip().lower()
    if u in ("cm", "/10", "{score}/10"):
        return value
    if u in ("mm", "/100", "%"):
        return value / 10.0
    if "pain_vas_100" in term and term.match("pain_vas_100", codings) is not None:
        # a visual analogue score sent without a unit is on 0-100 when above 10; at 10 or below it
        # may be 7/10 or 7 mm of 100: not read, so that no card rests on a guess (read as 0.7, a 7/10
        # before a 5/10 looked like pain rising after an injection)
        return value / 10.0 if u or not 0 < value <= 10 else None
    return value


# ---------------------------------------------------------------------------------------------
# build_history
# ---------------------------------------------------------------------------------------------

_SKIP_VERIFICATION = frozenset({"refuted", "entered-in-error"})


def _patient(obj: Any, i: int) -> PatientFact:
    return PatientFact(ref=_ref(obj, i), birth_date=_date(_get(obj, "birthDate")), gender=_get(obj, "gender"))


def _coded_name(codings: Iterable[Coding], terminology: Terminology) -> str:
    """A name for a concept sent with codes only (no text, no display): the display the value sets
    give its code (``Terminology.listed_display``), else the code itself, so a card never shows an
    empty name."""
    codes = tuple(codings)
    return terminology.listed_display(codes) or next((c.code for c in codes), "")


def _condition(obj: Any, i: int, birth: date | None, terminology: Terminology) -> ConditionFact | None:
    verification = _status_code(_get(obj, "verificationStatus"))
    if verification in _SKIP_VERIFICATION:
        return None
    onset, onset_text, onset_unread, onset_last = _onset(obj, birth)
    recorded, recorded_text = fhir_date(_get(obj, "recordedDate"))
    if onset is not None and recorded is not None and onset > recorded:
        # begun after it was written down: a typo in the onset (2027 for 2026), not a date to count
        # from; the recordedDate stands in, and the card names the onset as sent
        onset_unread = onset_text or onset.isoformat()
        onset, onset_text, onset_last = None, None, None
    from_record = onset is None and recorded is not None
    if onset is None:  # decision model §1.1.6: recordedDate when onset is absent
        onset, onset_text = recorded, recorded_text
    if onset_last is None:
        onset_last = _partial_last_day(onset, onset_text)
    abatement = _date(
        _get(obj, "abatementDateTime")
        or _period_end(_get(obj, "abatementPeriod"))
        or _get(obj, "abatementString")
    )
    categories = tuple(c.code for c in _codings_all(_list(obj, "category")))
    body_sites = _list(obj, "bodySite")
    code = _get(obj, "code")
    codings = _codings(code)
    return ConditionFact(
        ref=_ref(obj, i),
        codings=codings,
        text=_cc_text(code) or _coded_name(codings, terminology),
        clinical_status=_status_code(_get(obj, "clinicalStatus")),
        verification_status=verification,
        categories=categories,
        onset=onset,
        onset_text=onset_text,
        recorded=recorded,
        abatement=abatement,
        body_site=_codings_all(body_sites),
        body_site_text=_texts(body_sites),
        notes=_notes(obj),
        onset_unread=onset_unread,
        onset_from_record=from_record,
        onset_last=onset_last,
    )


_YEAR_ONLY = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _partial_last_day(first: date | None, shown: str | None) -> date | None:
    """The last day a partial date covers, from ``fhir_date``'s first day and text as written:
    ``"2026"`` → 2026-12-31, ``"2026-08"`` → 2026-08-31. None for a full date (one day)."""
    if first is None or shown is None:
        return None
    if _YEAR_ONLY.match(shown):
        return date(first.year, 12, 31)
    if _YEAR_MONTH.match(shown):
        return _add_months(first.replace(day=1), 1) - timedelta(days=1)
    return None


def _age_text(q: Any, low: Any = None) -> str:
    """An Age as a card says it ("at age 39 years"); with the low end of a Range, the range ("at ages
    30 to 40 years")."""
    value, unit = _get(q, "value"), _get(q, "unit") or _get(q, "code") or ""
    if low is not None and _get(low, "value") != value:
        return f"at ages {_get(low, 'value')} to {value} {unit}".strip()
    return f"at age {value} {unit}".strip()


def _onset(obj: Any, birth: date | None) -> tuple[date | None, str | None, str | None, date | None]:
    """onset[x] as (first day, display text, unread text, last day): dateTime, Period start or a dated
    string (a partial date's last day is left to ``_partial_last_day``); a Period with only its end,
    that end (the symptoms began on or before it); an Age with the birth date, the year (month, week,
    day) of life it names, first to last day; a Range of ages from the first day of its low end to
    the last day of its high end. What is sent but is not a date ("years ago", an age without a birth
    date) is kept as the unread text, never turned into a date here."""
    period = _get(obj, "onsetPeriod")
    raw = (
        _get(obj, "onsetDateTime")
        or _period_start(period)
        or _period_end(period)
        or _get(obj, "onsetString")
    )
    onset, text = fhir_date(raw)
    if onset is not None:
        return onset, text, None, None
    rng = _get(obj, "onsetRange")
    age = _get(obj, "onsetAge")
    low, high = (age, age) if age is not None else (None, None) if rng is None else (
        _get(rng, "low") or _get(rng, "high"), _get(rng, "high") or _get(rng, "low")
    )
    if low is not None and high is not None:
        first, last = _age_to_date(birth, low), _age_last_day(birth, high)
        if first is not None:
            shown = _age_text(high) if low is high else _age_text(high, low)
            return first, shown, None, last if last != first else None
        return None, None, _age_text(high), None
    return None, None, (str(raw).strip() or None) if raw else None, None


def _age_last_day(birth: date | None, age: Any) -> date | None:
    """The last day of the year (month, week, day) of life an Age names: the day before the next."""
    if birth is None:
        return None
    value = _num(_get(age, "value"))
    if value is None or not float(value).is_integer():
        return _age_to_date(birth, age)
    unit = str(_get(age, "code") or _get(age, "unit") or "").lower()
    months = _MONTHS_PER_UNIT.get(unit)
    if months is not None:
        return _add_months(birth, (int(value) + 1) * months) - timedelta(days=1)
    days = _duration_days({"value": 1, "code": _get(age, "code"), "unit": _get(age, "unit")})
    start = _age_to_date(birth, age)
    if start is None or days is None:
        return start
    return start + timedelta(days=max(round(days) - 1, 0))


def _procedure(obj: Any, i: int) -> ProcedureFact | None:
    status = _get(obj, "status")
    if status == "entered-in-error":
        return None
    period = _get(obj, "performedPeriod")
    start_raw = _get(obj, "performedDateTime") or _period_start(period) or _get(obj, "performedString")
    performed, performed_text = fhir_date(start_raw)
    performed_at = fhir_instant(start_raw)
    performed_end = _date(_period_end(period))
    code = _get(obj, "code")
    body_sites = _list(obj, "bodySite")
    reasons = _list(obj, "reasonCode")
    notes = _notes(obj)
    body_site_text = _texts(body_sites)
    site_displays = [c.display for c in _codings_all(body_sites) if c.display]
    code_text = _cc_text(code)
    devices: list[str] = []
    for fd in _list(obj, "focalDevice"):
        manipulated = _get(fd, "manipulated")
        label = _get(manipulated, "display") or normalize_ref(_get(manipulated, "reference"))
        if label:
            devices.append(str(label))
    outcome = _get(obj, "outcome")
    return ProcedureFact(
        ref=_ref(obj, i),
        codings=_codings(code),
        text=code_text or "",
        status=status,
        performed=performed,
        performed_text=performed_text,
        performed_end=performed_end,
        performed_at=performed_at,
        outcome=_codings(outcome),
        outcome_text=_cc_text(outcome),
        body_site=_codings_all(body_sites),
        body_site_text=body_site_text,
        # the site says where it was done; notes and the code's own text come next
        level=parse_level(body_site_text, *site_displays, *notes, code_text),
        laterality=parse_laterality(body_site_text, *site_displays) or parse_laterality(*notes, code_text),
        reason=_codings_all(reasons),
        reason_text=_texts(reasons),
        used_codes=_codings_all(_list(obj, "usedCode")),
        notes=notes,
        focal_devices=tuple(devices),
    )


def _observations(obj: Any, i: int, term: Terminology) -> list[ObservationFact]:
    status = _get(obj, "status")
    if status in ("entered-in-error", "cancelled"):
        return []
    code = _get(obj, "code")
    codings = _codings(code)
    text = _cc_text(code) or ""
    effective_raw = (
        _get(obj, "effectiveDateTime")
        or _period_start(_get(obj, "effectivePeriod"))
        or _get(obj, "effectiveInstant")
        or _get(obj, "issued")
    )
    effective, effective_text = fhir_date(effective_raw)
    effective_at = fhir_instant(effective_raw)
    part_of_refs = _list(obj, "partOf")
    part_of = (
        tuple(r for r in (normalize_ref(_get(p, "reference")) for p in part_of_refs) if r)
        if part_of_refs
        else ()
    )
    body_sites = _list(obj, "bodySite")
    site_codings = _codings_all(body_sites) if body_sites else ()
    site_text = _texts(body_sites) if body_sites else None
    notes = _notes(obj)
    ref = _ref(obj, i)
    value, unit, value_text = _obs_value(obj)
    value_codings = _codings(_get(obj, "valueCodeableConcept"))
    kind = _kind_of(term, codings)
    if kind is None and not any(term.is_known(c.system, c.code) for c in codings):
        kind = _uncoded_kind(" ".join([text, value_text or "", *notes]), value, unit)
    facts: list[ObservationFact] = []

    def fact(
        kind_: str,
        codings_: tuple[Coding, ...],
        text_: str,
        value_: float | None,
        unit_: str | None,
        value_text_: str | None,
        site: str | None,
        value_codings_: tuple[Coding, ...] = (),
    ) -> ObservationFact:
        return ObservationFact(
            ref=ref,
            codings=codings_,
            text=text_,
            kind=kind_,
            effective=effective,
            effective_text=effective_text,
            value=_scale(kind_, value_, unit_, codings_, term),
            unit=unit_,
            value_text=value_text_,
            status=status,
            body_site=site_codings,
            body_site_text=site,
            part_of=part_of,
            notes=notes,
            effective_at=effective_at,
            value_codings=value_codings_,
        )

    if value is not None or value_text is not None:
        facts.append(fact(kind or "other", codings, text, value, unit, value_text, site_text, value_codings))
    # Components: each scored component is its own fact (a leg-pain and a back-pain score in one
    # panel, the ODI score inside the ODI panel). A component's name says which site it scores.
    for comp in _list(obj, "component"):
        ccode = _get(comp, "code")
        ccodings = _codings(ccode)
        ckind = _kind_of(term, ccodings) or (kind if not ccodings else None)
        cvalue, cunit, ctext = _obs_value(comp)
        if ckind is None and not any(term.is_known(c.system, c.code) for c in ccodings):
            # an uncoded component named as what it scores ("Left EHL strength (MRC grade 0-5)": 3)
            ckind = _uncoded_kind(" ".join([_cc_text(ccode) or "", ctext or ""]), cvalue, cunit)
        # a coded answer (PHQ-9 item 9 "Nearly every day" inside the PHQ-9 panel) is read as the same
        # answer sent as an Observation of its own
        cvalue_codings = _codings(_get(comp, "valueCodeableConcept"))
        if ckind is None or (cvalue is None and ctext is None and not cvalue_codings):
            continue
        ctitle = _cc_text(ccode) or text
        csite = ctitle if is_leg_site(ctitle) else site_text
        facts.append(fact(ckind, ccodings or codings, ctitle, cvalue, cunit, ctext, csite, cvalue_codings))
    if not facts and kind is not None:
        facts.append(fact(kind, codings, text, None, None, None, site_text, value_codings))
    return facts


def _doses(dosages: Sequence[Any]) -> tuple[Dose, ...]:
    """Each dosage's amount per dose (doseQuantity, or a doseRange's high end), its unit and the doses
    per day (timing.repeat per day or per hour), as far as they are given."""
    out = []
    for d in dosages:
        timing_repeat = _get(_get(d, "timing"), "repeat")
        freq = _num(_get(timing_repeat, "frequencyMax") or _get(timing_repeat, "frequency"))
        period = _num(_get(timing_repeat, "period"))
        unit = _get(timing_repeat, "periodUnit")
        per_day = None
        if freq is not None and period and unit in ("d", "h"):
            per_day = freq * (24.0 / period if unit == "h" else 1.0 / period)
        value: float | None = None
        qunit: str | None = None
        for dr in _list(d, "doseAndRate"):
            q = _get(dr, "doseQuantity")
            if q is None:
                q = _get(_get(dr, "doseRange"), "high")
            value = _num(_get(q, "value"))
            if value is not None:
                qunit = str(_get(q, "code") or _get(q, "unit") or "") or None
                break
        route = _get(d, "route")
        sequence = _get(d, "sequence")
        out.append(
            Dose(
                _get(d, "text"), value, qunit, per_day, _codings(route), _cc_text(route),
                sequence=sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else None,
            )
        )  # fmt: skip
    return tuple(out)


def _daily_dose_mg(doses: Sequence[Dose]) -> float | None:
    """mg per day when a dosage states it plainly: a mg dose × a per-day/per-hour frequency."""
    totals = []
    for step in dose_steps(doses):  # a taper's steps one after another: the largest counts
        mg = [
            d
            for d in step
            if d.value is not None and d.per_day is not None and (d.unit or "").lower() == "mg"
        ]
        if mg:
            totals.append(sum((d.value or 0.0) * (d.per_day or 0.0) for d in mg))
    return round(max(totals), 3) if totals else None


def _medication(
    obj: Any,
    i: int,
    term: Terminology,
    meds_by_ref: Mapping[str, Any],
) -> MedicationFact | None:
    status = _get(obj, "status")
    if status == "entered-in-error":
        return None
    rtype = _resource_type(obj) or ""
    cc = _get(obj, "medicationCodeableConcept")
    codings = list(_codings(cc))
    ingredient_codings: list[Coding] = []
    texts: list[str | None] = [_cc_text(cc)]
    ref = _get(_get(obj, "medicationReference"), "reference")
    med: Any = None
    if ref:
        if str(ref).startswith("#"):
            for contained in _list(obj, "contained"):
                if f"#{_get(contained, 'id')}" == ref:
                    med = contained
                    break
        else:
            med = meds_by_ref.get(normalize_ref(str(ref)) or "")
        texts.append(_get(_get(obj, "medicationReference"), "display"))
    form = _get(med, "form") if med is not None else None
    if med is not None:
        codings.extend(_codings(_get(med, "code")))
        texts.append(_cc_text(_get(med, "code")))
        for ing in _list(med, "ingredient"):
            icc = _get(ing, "itemCodeableConcept")
            ingredient_codings.extend(_codings(icc))
            texts.append(_cc_text(icc))
            texts.append(_get(_get(ing, "itemReference"), "display"))
    # Drug codes the value sets do not list (SCD/SBD level): read the ingredient from the name.
    known = tuple(codings) + tuple(ingredient_codings)
    if not any(term.is_known(c.system, c.code) for c in known):
        displays = [c.display for c in known if c.display]
        for c in ingredients_named(term, *texts, *displays):
            if c not in ingredient_codings:
                ingredient_codings.append(c)
    text = next((t for t in texts if t), "") or ""

    dosages = _list(obj, "dosageInstruction") if rtype == "MedicationRequest" else _list(obj, "dosage")
    doses = _doses(dosages)
    dose_text = "; ".join(str(t) for t in (_get(d, "text") for d in dosages) if t) or None
    route_text = next((t for t in (_cc_text(_get(d, "route")) for d in dosages) if t), None)

    start: date | None
    end: date | None
    if rtype == "MedicationRequest":
        dispense = _get(obj, "dispenseRequest")
        validity = _get(dispense, "validityPeriod")
        # a prescription begins when written, or later when its validity period starts later (a
        # dose change signed today for next week is not yet the dose taken)
        authored, valid_from = _date(_get(obj, "authoredOn")), _date(_period_start(validity))
        start = max(authored, valid_from) if authored and valid_from else authored or valid_from
        end = _date(_period_end(validity))
        supply_days = _duration_days(_get(dispense, "expectedSupplyDuration"))
        if end is None and start is not None and supply_days is not None:
            repeats = int(_num(_get(dispense, "numberOfRepeatsAllowed")) or 0)
            end = start + timedelta(days=round(supply_days * (1 + repeats)))
        intent = _get(obj, "intent")
        replaces = normalize_ref(_get(_get(obj, "priorPrescription"), "reference"))
    else:
        period = _get(obj, "effectivePeriod")
        start = (
            _date(_get(obj, "effectiveDateTime"))
            or _date(_period_start(period))
            or _date(_get(obj, "dateAsserted"))
        )
        end = _date(_period_end(period))
        intent = None
        replaces = None
    asserted = _date(_get(obj, "dateAsserted")) if rtype == "MedicationStatement" else None
    return MedicationFact(
        ref=_ref(obj, i),
        resource_type=rtype,
        codings=tuple(codings),
        ingredient_codings=tuple(ingredient_codings),
        text=text,
        status=status,
        intent=intent,
        start=start,
        end=end,
        route_text=route_text,
        dose_text=dose_text,
        daily_dose_mg=_daily_dose_mg(doses),
        doses=doses,
        reason=_codings_all(_list(obj, "reasonCode")),
        reason_refs=tuple(
            r for r in (normalize_ref(_get(x, "reference")) for x in _list(obj, "reasonReference")) if r
        ),
        dose_form=_codings(form),
        dose_form_text=_cc_text(form),
        asserted=asserted,
        replaces=replaces,
    )


def _service_request(obj: Any, i: int) -> ServiceRequestFact | None:
    status = _get(obj, "status")
    if status == "entered-in-error":
        return None
    code = _get(obj, "code")
    occurrence = _date(_get(obj, "occurrenceDateTime") or _period_start(_get(obj, "occurrencePeriod")))
    if occurrence is None:
        timing = _get(obj, "occurrenceTiming")
        events = _list(timing, "event")
        occurrence = _date(events[0]) if events else None
    return ServiceRequestFact(
        ref=_ref(obj, i),
        codings=_codings(code),
        text=_cc_text(code) or "",
        status=status,
        intent=_get(obj, "intent"),
        authored=_date(_get(obj, "authoredOn")),
        occurrence=occurrence,
        categories=_codings_all(_list(obj, "category")),
        reason=_codings_all(_list(obj, "reasonCode")),
        reason_refs=tuple(
            r for r in (normalize_ref(_get(x, "reference")) for x in _list(obj, "reasonReference")) if r
        ),
        performer_type=_codings(_get(obj, "performerType")),
        notes=_notes(obj),
    )


def _report(obj: Any, i: int) -> ReportFact | None:
    status = _get(obj, "status")
    if status in ("entered-in-error", "cancelled"):
        return None
    code = _get(obj, "code")
    return ReportFact(
        ref=_ref(obj, i),
        codings=_codings(code),
        text=_cc_text(code) or "",
        status=status,
        effective=_date(
            _get(obj, "effectiveDateTime")
            or _period_start(_get(obj, "effectivePeriod"))
            or _get(obj, "issued")
        ),
        conclusion=_get(obj, "conclusion"),
        conclusion_codes=_codings_all(_list(obj, "conclusionCode")),
        categories=_codings_all(_list(obj, "category")),
    )


def _encounter(obj: Any, i: int) -> EncounterFact | None:
    status = _get(obj, "status")
    if status == "entered-in-error":
        return None
    types = _list(obj, "type")
    service = _list(obj, "serviceType")
    participant_types = [cc for p in _list(obj, "participant") for cc in _list(p, "type")]
    return EncounterFact(
        ref=_ref(obj, i),
        status=status,
        start=_date(_period_start(_get(obj, "period"))),
        types=_codings_all(types),
        service_type=_codings_all(service),
        participant_types=_codings_all(participant_types),
        text=_texts([*types, *service]) or "",
    )


def _sorted(items: Iterable[Any], key: Callable[[Any], date | None]) -> tuple[Any, ...]:
    """Oldest first; undated facts first (they can never be "the latest"); ties by ref."""
    return tuple(sorted(items, key=lambda f: (key(f) or date.min, f.ref)))


@dataclass(frozen=True)
class _Chart:
    """What reading one resource may need from the rest of the chart."""

    terminology: Terminology
    birth: date | None
    medications_by_ref: Mapping[str, Any]


def _one(fact: Any) -> tuple[Any, ...]:
    return (fact,) if fact else ()


_Reader = Callable[[Any, int, _Chart], Iterable[Any]]

# Resource type → (the PatientHistory field it fills, how one resource is read). Patient and
# Medication are read first, for the birth date and for the medications that reference them.
_READERS: dict[str, tuple[str, _Reader]] = {
    "Condition": (
        "conditions",
        lambda obj, i, chart: _one(_condition(obj, i, chart.birth, chart.terminology)),
    ),
    "Procedure": ("procedures", lambda obj, i, chart: _one(_procedure(obj, i))),
    "Observation": ("observations", lambda obj, i, chart: _observations(obj, i, chart.terminology)),
    "MedicationRequest": (
        "medications",
        lambda obj, i, chart: _one(_medication(obj, i, chart.terminology, chart.medications_by_ref)),
    ),
    "MedicationStatement": (
        "medications",
        lambda obj, i, chart: _one(_medication(obj, i, chart.terminology, chart.medications_by_ref)),
    ),
    "ServiceRequest": ("service_requests", lambda obj, i, chart: _one(_service_request(obj, i))),
    "DiagnosticReport": ("reports", lambda obj, i, chart: _one(_report(obj, i))),
    "Encounter": ("encounters", lambda obj, i, chart: _one(_encounter(obj, i))),
}

# The resource types the history is built from: what the adapter validates.
RESOURCE_TYPES: tuple[str, ...] = ("Patient", "Medication", *_READERS)


def _patient_and_medications(items: Sequence[Any]) -> tuple[PatientFact | None, dict[str, Any]]:
    """The first Patient, and every Medication by its reference."""
    patient: PatientFact | None = None
    meds_by_ref: dict[str, Any] = {}
    for i, obj in enumerate(items):
        rtype = _resource_type(obj)
        if rtype == "Patient" and patient is None:
            patient = _patient(obj, i)
        elif rtype == "Medication":
            meds_by_ref[_ref(obj, i)] = obj
    return patient, meds_by_ref


def build_history(
    resources: Iterable[Any],
    terminology: Terminology,
    unavailable: Mapping[str, str] | None = None,
) -> PatientHistory:
    """The typed, date-sorted patient history from validated FHIR R4 resources (models or dicts).

    Conditions: refuted and entered-in-error are skipped; clinical status kept (``is_current``);
    onset[x] (dateTime, Period start, partial string, or Age with a birth date) falls back to
    recordedDate. Procedures: performed[x], status, outcome, body site, spinal level and
    laterality (body site first, then notes), reasons, used codes, focal devices. Observations:
    one fact per scored value or component, its kind from the value sets (pain on 0-10, the
    0-100 VAS scaled), partOf references. Medications: MedicationRequest and
    MedicationStatement, coded directly or through a contained or listed Medication and its
    ingredients. ServiceRequests, DiagnosticReports and Encounters. Entered-in-error resources
    of every type are skipped; resource types the rules do not read are ignored.
    """
    items = list(resources)
    patient, meds_by_ref = _patient_and_medications(items)
    chart = _Chart(terminology, patient.birth_date if patient else None, meds_by_ref)
    read: dict[str, list[Any]] = {name: [] for name, _ in _READERS.values()}
    for i, obj in enumerate(items):
        reader = _READERS.get(_resource_type(obj) or "")
        if reader is not None:
            name, read_one = reader
            read[name].extend(read_one(obj, i, chart))
    return PatientHistory(
        patient=patient,
        conditions=_sorted(read["conditions"], lambda c: c.onset),
        procedures=_sorted(read["procedures"], lambda p: p.performed),
        observations=_sorted(read["observations"], lambda o: o.effective),
        medications=_sorted(read["medications"], lambda m: m.start),
        service_requests=_sorted(read["service_requests"], lambda s: s.authored or s.occurrence),
        reports=_sorted(read["reports"], lambda r: r.effective),
        encounters=_sorted(read["encounters"], lambda e: e.start),
        unavailable=dict(unavailable or {}),
    )
