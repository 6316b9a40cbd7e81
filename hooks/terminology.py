"""Value sets as data: load the shipped FHIR ValueSets once and answer membership questions.

Rules never hold a raw code or system URL; they ask ``terminology.match("red_flag_cauda_equina",
condition.codings)``. ICD-10-CM members flagged ``match-descendants`` also admit their
descendant codes (prefix match on the dotted code), because the classification is hierarchical
by prefix (M48.06 → M48.061, M48.062).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"

# The code systems the value sets use, as EHRs also send them: by the HL7 OID of the system (the
# code-system table of the FHIR specification, "terminologies-systems"), or with a trailing "/",
# in other case or with spaces around it. Read as the URI the value sets use.
_SYSTEM_URIS = (
    ICD10CM,
    "http://snomed.info/sct",
    "http://loinc.org",
    "http://www.nlm.nih.gov/research/umls/rxnorm",
    "http://www.ama-assn.org/go/cpt",
)
_SYSTEM_OIDS = {
    "urn:oid:2.16.840.1.113883.6.90": ICD10CM,
    "urn:oid:2.16.840.1.113883.6.96": "http://snomed.info/sct",
    "urn:oid:2.16.840.1.113883.6.1": "http://loinc.org",
    "urn:oid:2.16.840.1.113883.6.88": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "urn:oid:2.16.840.1.113883.6.12": "http://www.ama-assn.org/go/cpt",
}
_SYSTEM_SPELLINGS = {**{uri.lower(): uri for uri in _SYSTEM_URIS}, **_SYSTEM_OIDS}

DATA_DIR = Path(__file__).resolve().parent / "valuesets" / "data"
EXT_VERIFICATION = "http://radicular-cds.org/fhir/StructureDefinition/code-verification"
EXT_DESCENDANTS = "http://radicular-cds.org/fhir/StructureDefinition/match-descendants"


class TerminologyError(RuntimeError):
    """A shipped value set is missing or malformed: the service must not start."""


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str
    display: str | None = None

    def as_fhir(self) -> dict[str, str]:
        out = {"system": self.system, "code": self.code}
        if self.display:
            out["display"] = self.display
        return out


@dataclass(frozen=True, slots=True)
class Member:
    value_set: str
    system: str
    code: str
    display: str
    verification: str
    descendants: bool

    @property
    def verified(self) -> bool:
        return not self.verification.strip().upper().startswith("UNVERIFIED")

    def coding(self) -> Coding:
        return Coding(self.system, self.code, self.display)


@dataclass(frozen=True)
class ValueSet:
    name: str
    url: str
    version: str
    status: str
    members: tuple[Member, ...]
    _exact: Mapping[tuple[str, str], Member] = field(repr=False, compare=False)
    _prefix: Mapping[tuple[str, str], Member] = field(repr=False, compare=False)

    def lookup(self, system: str | None, code: str | None) -> Member | None:
        if not system or not code:
            return None
        hit = self._exact.get((system, code))
        if hit is not None or not self._prefix:
            return hit
        # Descendant match: the longest listed ancestor of ``code`` (O(len(code)) set probes).
        for end in range(len(code) - 1, 0, -1):
            hit = self._prefix.get((system, code[:end]))
            if hit is not None:
                return hit
        return None

    def member(self, code: str) -> Member:
        """The member with this code (for building suggestions). Raises KeyError if absent."""
        for m in self.members:
            if m.code == code:
                return m
        raise KeyError(f"{code} is not in value set {self.name}")


# Codes whose value sets are remembered (``Terminology.memberships``): far more than the distinct
# codes of the systems the value sets use that a worker meets; a code outside them costs nothing.
MEMBERSHIP_CACHE = 65_536
_NO_MEMBERSHIP: Mapping[str, Member] = MappingProxyType({})


class Terminology:
    """All value sets, by the snake_case name used in valuesets.json."""

    def __init__(self, value_sets: Mapping[str, ValueSet]):
        self._sets = dict(value_sets)
        self._systems = {m.system for vs in self._sets.values() for m in vs.members}
        # The value sets of each code, worked out once: a call asks some 300 membership questions
        # of a few dozen codes, each question a lookup (and for ICD-10-CM, a walk up its prefixes).
        self._memberships = lru_cache(maxsize=MEMBERSHIP_CACHE)(self._find_memberships)
        self._all_exact = {(m.system, m.code) for vs in self._sets.values() for m in vs.members}
        self._all_prefix = {
            (m.system, m.code) for vs in self._sets.values() for m in vs.members if m.descendants
        }
        self._prefix_systems = {system for system, _ in self._all_prefix}

    def __getitem__(self, name: str) -> ValueSet:
        try:
            return self._sets[name]
        except KeyError:
            raise KeyError(f"unknown value set {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._sets

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._sets))

    def memberships(self, system: str | None, code: str | None) -> Mapping[str, Member]:
        """Every value set ``(system, code)`` belongs to, by name, with the member that admits it
        (``ValueSet.lookup``: the code itself, or its longest listed ancestor). Read-only."""
        if not system or not code:
            return _NO_MEMBERSHIP
        if system not in self._systems:
            system = canonical_system(system)
            if system not in self._systems:
                return _NO_MEMBERSHIP
        return self._memberships(system, code)

    def prime(self) -> int:
        """Work out the value sets of every listed code now (``memberships`` remembers them), so
        that the first call to meet one finds them ready; returns how many codes. Each worker does
        this as it warms up."""
        codes = {(m.system, m.code) for vs in self._sets.values() for m in vs.members}
        for system, code in codes:
            self._memberships(system, code)
        return len(codes)

    def _find_memberships(self, system: str, code: str) -> Mapping[str, Member]:
        # an ICD-10-CM code sent otherwise than listed (no dot, lower case) is read as listed, once per
        # code sent (this runs only when ``memberships`` has not seen the code)
        listed = dotted_icd10cm(system, code)
        if listed is not None:
            return self._memberships(system, listed)
        found = {}
        for name, vs in self._sets.items():
            hit = vs.lookup(system, code)
            if hit is not None:
                found[name] = hit
        return MappingProxyType(found)  # shared by every caller: read-only

    def listed_display(self, codings: Iterable[Coding]) -> str | None:
        """The display the value sets give the first of ``codings`` they list as itself (never an
        ancestor's display for a descendant code): the name of a concept sent with codes only."""
        for c in codings:
            for member in self.memberships(c.system, c.code).values():
                if member.code == c.code and member.display:
                    return member.display
        return None

    def match(self, name: str, codings: Iterable[Coding]) -> Member | None:
        """The first member of value set ``name`` matched by any of ``codings`` (every coding is tried)."""
        if name not in self._sets:
            self[name]  # an unknown name is an error, not "no match"
        for c in codings:
            hit = self.memberships(c.system, c.code).get(name)
            if hit is not None:
                return hit
        return None

    def in_any(self, names: Collection[str], codings: Iterable[Coding]) -> bool:
        """Whether any of ``codings`` is in any of the value sets ``names``."""
        self.check(names)
        for c in codings:
            found = self.memberships(c.system, c.code)
            if found and not found.keys().isdisjoint(names):
                return True
        return False

    def check(self, names: Iterable[str]) -> None:
        """Raise ``KeyError`` for a name no value set has: an unknown name is an error, not "no match"."""
        for name in names:
            if name not in self._sets:
                self[name]

    def names_of(self, *codings: Iterable[Coding]) -> frozenset[str]:
        """Every value set any of the codings is in: a fact's value sets worked out once, for a call
        that asks of the same fact under many value sets (``PathwayContext.procedures``)."""
        found: set[str] = set()
        for group in codings:
            for c in group:
                found.update(self.memberships(c.system, c.code))
        return frozenset(found)

    def matches_any(self, names: Iterable[str], codings: Iterable[Coding]) -> Member | None:
        """The first member matched, trying the value sets in the order given."""
        codings = tuple(codings)
        for name in names:
            hit = self.match(name, codings)
            if hit is not None:
                return hit
        return None

    def coding(self, name: str, code: str) -> Coding:
        """A Coding for a member of ``name``; used by suggestion builders (raises if not a member)."""
        return self[name].member(code).coding()

    def first(self, name: str) -> Member:
        return self[name].members[0]

    def is_known(self, system: str | None, code: str | None) -> bool:
        """True when (system, code) belongs to any value set: the cheap relevance test on raw JSON."""
        if not system or not code:
            return False
        if system not in self._systems:
            system = canonical_system(system)
        if (system, code) in self._all_exact:
            return True
        if system in self._prefix_systems and any(
            (system, code[:end]) in self._all_prefix for end in range(len(code) - 1, 0, -1)
        ):
            return True
        # an ICD-10-CM code sent otherwise than listed (no dot, lower case, spaces): read as listed
        listed = dotted_icd10cm(system, code)
        return listed is not None and self.is_known(system, listed)

    def words_may_decide(self, codings: Iterable[tuple[str | None, str | None]]) -> bool:
        """Whether a diagnosis's words may be read for what its codes do not say: no (system, code)
        is known to a value set, and none is ICD-10-CM. The value sets cover ICD-10-CM by category,
        so an ICD-10-CM code they do not know is another diagnosis (J45.909 is asthma whatever its
        text says); free text, local codes and SNOMED CT concepts outside the sets leave the words
        to decide (a SNOMED-only problem list)."""
        return not any(
            (system is not None and canonical_system(system) == ICD10CM) or self.is_known(system, code)
            for system, code in codings
        )

    def unverified(self) -> list[Member]:
        return [m for vs in self._sets.values() for m in vs.members if not m.verified]


@lru_cache(maxsize=256)
def canonical_system(system: str) -> str:
    """The URI the value sets use for a code system sent by its HL7 OID or spelt otherwise
    ("urn:oid:2.16.840.1.113883.6.12", "http://www.ama-assn.org/go/cpt/", " http://LOINC.org");
    any other system as sent."""
    return _SYSTEM_SPELLINGS.get(system.strip().rstrip("/").lower(), system)


_DOTLESS_ICD10CM = re.compile(r"[A-Z][0-9][0-9A-Z][0-9A-Z]{1,4}")


def dotted_icd10cm(system: str, code: str) -> str | None:
    """An ICD-10-CM code as the value sets list it when it was sent otherwise: without its dot, as
    claims feeds send them (the dot goes after the category's three characters), in lower case or with
    spaces around it; None when it was sent as listed, or is no ICD-10-CM code."""
    if system != ICD10CM:
        return None
    upper = code.strip().upper()
    if "." not in upper and _DOTLESS_ICD10CM.fullmatch(upper):
        upper = f"{upper[:3]}.{upper[3:]}"
    return upper if upper != code else None


def _parse_value_set(name: str, path: Path, raw: Any) -> ValueSet:
    def bad(why: str) -> TerminologyError:
        return TerminologyError(f"value set {name!r} ({path}) is malformed: {why}")

    if not isinstance(raw, dict) or raw.get("resourceType") != "ValueSet":
        raise bad("not a FHIR ValueSet resource")
    for key in ("url", "version", "status"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise bad(f"missing {key}")
    contains = (raw.get("expansion") or {}).get("contains")
    if not isinstance(contains, list) or not contains:
        raise bad("no pre-expanded expansion.contains")
    members = []
    for i, entry in enumerate(contains):
        if not isinstance(entry, dict) or not entry.get("system") or not entry.get("code"):
            raise bad(f"expansion.contains[{i}] lacks system or code")
        ext = {e.get("url"): e for e in entry.get("extension", []) if isinstance(e, dict)}
        verification = (ext.get(EXT_VERIFICATION) or {}).get("valueString")
        if not verification:
            raise bad(f"expansion.contains[{i}] ({entry['code']}) has no verification note")
        members.append(
            Member(
                value_set=name,
                system=entry["system"],
                code=entry["code"],
                display=entry.get("display") or entry["code"],
                verification=verification,
                descendants=bool((ext.get(EXT_DESCENDANTS) or {}).get("valueBoolean")),
            )
        )
    exact = {(m.system, m.code): m for m in members}
    prefix = {(m.system, m.code): m for m in members if m.descendants}
    return ValueSet(name, raw["url"], raw["version"], raw["status"], tuple(members), exact, prefix)


def load_terminology(data_dir: Path = DATA_DIR) -> Terminology:
    """Load every value set listed in ``index.json``. Raises TerminologyError with a clear message."""
    index_path = data_dir / "index.json"
    try:
        index = json.loads(index_path.read_text())
        entries = index["valueSets"]
    except FileNotFoundError:
        raise TerminologyError(f"value set index {index_path} is missing") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise TerminologyError(f"value set index {index_path} is malformed: {exc}") from None
    sets: dict[str, ValueSet] = {}
    for name, meta in entries.items():
        path = data_dir / meta["file"]
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise TerminologyError(f"value set {name!r} is missing: {path} not found") from None
        except ValueError as exc:
            raise TerminologyError(f"value set {name!r} ({path}) is not valid JSON: {exc}") from None
        vs = _parse_value_set(name, path, raw)
        if vs.url != meta.get("url"):
            raise TerminologyError(f"value set {name!r}: url {vs.url} does not match the index")
        sets[name] = vs
    return Terminology(sets)


@cache
def default_terminology() -> Terminology:
    """The shipped value sets, loaded once per process."""
    return load_terminology()
