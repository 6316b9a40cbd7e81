"""Value sets as data: the shipped FHIR ValueSets, their loading, matching and the §0 coding traps."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import simple_icd_10_cm as icd10cm

from fhir_fixtures.fhir_builder import CPT
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from fhir_fixtures.fhir_builder import SNOMED as SCT
from hooks.terminology import (
    DATA_DIR,
    EXT_DESCENDANTS,
    EXT_VERIFICATION,
    Coding,
    Member,
    Terminology,
    TerminologyError,
    default_terminology,
    dotted_icd10cm,
    load_terminology,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "clinical" / "valuesets.json"
SUPPLEMENT = ROOT / "hooks" / "valuesets" / "supplement.json"
ICD10CM_RELEASE = ROOT / "hooks" / "valuesets" / "icd10cm_release.json"


@pytest.fixture(scope="module")
def term() -> Terminology:
    return default_terminology()


# ---------------------------------------------------------------------------------------------
# generated files in sync with their sources
# ---------------------------------------------------------------------------------------------


def test_generated_value_sets_are_in_sync_with_the_shared_file() -> None:
    """`generate_valuesets.py --check` passes: hooks/valuesets/data matches its three sources."""
    if not SHARED.exists():
        pytest.skip(f"shared clinical value sets not found at {SHARED}")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_valuesets.py"), "--check", "--shared", str(SHARED)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_shared_code_is_shipped_in_its_value_set(term: Terminology) -> None:
    """Each code of the clinical team's file is a member of the same-named shipped ValueSet, unless the
    supplement excludes it from that set."""
    if not SHARED.exists():
        pytest.skip(f"shared clinical value sets not found at {SHARED}")
    shared = json.loads(SHARED.read_text())
    supplement = json.loads(SUPPLEMENT.read_text())
    for name, vs in shared.items():
        members = {(m.system, m.code) for m in term[name].members}
        excluded = {(x["system"], x["code"]) for x in supplement.get(name, {}).get("exclude", [])}
        missing = [
            c["code"]
            for c in vs["codes"]
            if (c["system"], c["code"]) not in members and (c["system"], c["code"]) not in excluded
        ]
        assert not missing, f"{name}: {missing}"
        kept = excluded & members
        assert not kept, f"{name}: excluded codes still shipped: {kept}"


def _generator() -> Any:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import generate_valuesets
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return generate_valuesets


def test_an_exclusion_drops_the_code_from_its_value_set() -> None:
    gen = _generator()
    base = {"s": ("d", [{"system": "x", "code": "1"}, {"system": "x", "code": "2"}])}
    exclusion = {"s": {"exclude": [{"system": "x", "code": "2", "reason": "not a member"}]}}
    out = gen.apply_exclusions(base, exclusion)
    assert [c["code"] for c in out["s"][1]] == ["1"]
    assert [c["code"] for c in base["s"][1]] == ["1", "2"]  # the sources are not changed


@pytest.mark.parametrize(
    "exclusion",
    [
        {"s": {"exclude": [{"system": "x", "code": "3", "reason": "typo"}]}},  # not in the set
        {"s": {"exclude": [{"system": "y", "code": "1", "reason": "wrong system"}]}},
        {"s": {"exclude": [{"system": "x", "code": "1", "reason": " "}]}},  # no reason
        {"t": {"exclude": [{"system": "x", "code": "1", "reason": "unknown set"}]}},
    ],
)
def test_an_exclusion_that_names_nothing_stops_the_run(exclusion: dict[str, Any]) -> None:
    gen = _generator()
    with pytest.raises(SystemExit):
        gen.apply_exclusions({"s": ("d", [{"system": "x", "code": "1"}])}, exclusion)


INTERNAL_SOURCE = re.compile(r"\bseeds?\b", re.IGNORECASE)


def test_no_shipped_description_names_an_internal_source() -> None:
    """Value-set descriptions ship in the FHIR ValueSets: public sources only, never the internal
    source documents ("seed 003")."""
    named = []
    for path in sorted(DATA_DIR.glob("*.json")):
        resource = json.loads(path.read_text())
        if isinstance(resource, dict) and INTERNAL_SOURCE.search(str(resource.get("description", ""))):
            named.append(path.name)
    assert named == []


def test_a_description_naming_an_internal_source_stops_the_run() -> None:
    gen = _generator()
    gen.unnamed({"s": ("Public guideline NICE NG59", [])})
    with pytest.raises(SystemExit, match="s"):
        gen.unnamed({"s": ("first-line per seed 003", [])})


def test_a_shipped_description_replaces_the_shared_wording(tmp_path: Path) -> None:
    gen = _generator()
    shared = tmp_path / "shared.json"
    shared.write_text(json.dumps(json.loads(SHARED.read_text())))
    built = gen.build(shared)
    supplement = json.loads(SUPPLEMENT.read_text())
    replaced = {k: v["shipped_description"] for k, v in supplement.items() if "shipped_description" in v}
    assert replaced
    for name, text in replaced.items():
        assert built[name]["description"] == text


@pytest.mark.parametrize(
    ("value_set", "system", "code"),
    [
        ("red_flag_motor_deficit", ICD, "M62.81"),
        ("red_flag_motor_deficit", SCT, "247390002"),
        ("red_flag_malignancy", SCT, "71286001"),
        ("device_or_surgical_status", ICD, "M43.26"),
        ("device_or_surgical_status", ICD, "M43.27"),
        ("device_or_surgical_status", ICD, "Z98.890"),
    ],
)
def test_decision_model_exclusions_are_not_members(
    term: Terminology, value_set: str, system: str, code: str
) -> None:
    """§7.6: generalised weakness and sciatic nerve palsy are not motor red flags, spinal cord
    compression is not malignancy, non-surgical fusion and Z98.890 are not surgical status."""
    assert term.match(value_set, [Coding(system, code)]) is None


def test_shipped_files_are_fhir_valuesets_with_canonical_url_version_and_expansion() -> None:
    """Every file is a pre-expanded R4 ValueSet with a canonical URL, a version and per-code notes;
    ICD-10-CM entries carry the match-descendants flag."""
    index = json.loads((DATA_DIR / "index.json").read_text())
    assert index["valueSets"]
    for name, meta in index["valueSets"].items():
        vs = json.loads((DATA_DIR / meta["file"]).read_text())
        assert vs["resourceType"] == "ValueSet"
        assert vs["url"] == meta["url"] and vs["url"].startswith("http://radicular-cds.org/fhir/ValueSet/")
        assert vs["version"] and vs["status"] in ("active", "draft")
        contains = vs["expansion"]["contains"]
        assert contains and vs["expansion"]["total"] == len(contains), name
        for entry in contains:
            urls = {e["url"] for e in entry["extension"]}
            assert EXT_VERIFICATION in urls, (name, entry["code"])
            # ICD-10-CM is hierarchical by prefix: its entries are flagged to admit descendants
            assert (EXT_DESCENDANTS in urls) is (entry["system"] == "http://hl7.org/fhir/sid/icd-10-cm")


# ---------------------------------------------------------------------------------------------
# UNVERIFIED codes stay marked
# ---------------------------------------------------------------------------------------------


def _unverified_in_sources() -> set[tuple[str, str]]:
    """Codes marked UNVERIFIED in the sources, less the ICD-10-CM codes the CMS release confirms."""
    record = json.loads(ICD10CM_RELEASE.read_text())
    confirmed = {(ICD, code) for code, entry in record["codes"].items() if entry["known"]}
    out: set[tuple[str, str]] = set()
    sources = [json.loads(SUPPLEMENT.read_text())]
    if SHARED.exists():
        sources.append(json.loads(SHARED.read_text()))
    for src in sources:
        for name, vs in src.items():
            if name.startswith("_"):
                continue
            for c in vs.get("codes", []):
                if c["verification"].strip().upper().startswith("UNVERIFIED"):
                    out.add((c["system"], c["code"]))
    return out - confirmed


def test_unverified_codes_are_listed_and_stay_marked(term: Terminology) -> None:
    """Every UNVERIFIED code from the sources is flagged in the shipped ValueSets (this test prints them).

    Their ValueSets are 'draft' and each entry carries its UNVERIFIED note; go-live needs a
    terminology server to confirm them.
    """
    unverified = term.unverified()
    listing = sorted({(m.system.rsplit("/", 1)[-1], m.code, m.display, m.verification) for m in unverified})
    print(f"\n{len(listing)} UNVERIFIED codes:")
    for system, code, display, note in listing:
        print(f"  {system:24} {code:12} {display[:50]:50} {note[:70]}")
    shipped = {(m.system, m.code) for m in unverified}
    assert shipped == _unverified_in_sources()
    for m in unverified:
        assert term[m.value_set].status == "draft", m.value_set
        assert m.verification.upper().startswith("UNVERIFIED")


def test_a_verified_code_is_not_listed(term: Terminology) -> None:
    """Verified codes (e.g. 64483 from the AMA descriptor) are not flagged."""
    m = term["esi_transforaminal_lumbar"].member("64483")
    assert m.verified and m not in term.unverified()


# ---------------------------------------------------------------------------------------------
# every ICD-10-CM code checked against the CMS release (simple-icd-10-cm ships it)
# ---------------------------------------------------------------------------------------------


def _release_disagreements(members: list[Member], known: Callable[[str], bool]) -> list[str]:
    """Members whose marking disagrees with the release: confirmed yet UNVERIFIED, or unknown yet
    verified."""
    out = []
    for m in members:
        if known(m.code) and not m.verified:
            out.append(f"{m.value_set}: {m.code} is in the CMS release but still marked UNVERIFIED")
        elif not known(m.code) and m.verified:
            out.append(f"{m.value_set}: {m.code} is not in the CMS release but marked verified")
    return out


def _icd_members(term: Terminology) -> list[Member]:
    return [m for name in term.names for m in term[name].members if m.system == ICD]


def test_every_icd10cm_marking_agrees_with_the_cms_release(term: Terminology) -> None:
    """Each ICD-10-CM member is looked up in the CMS release: a code the release knows is not
    UNVERIFIED; a code it does not know stays UNVERIFIED (this test prints those)."""
    members = _icd_members(term)
    assert len({m.code for m in members}) >= 100
    unknown = sorted({m.code for m in members if not icd10cm.is_valid_item(m.code)})
    print(f"\n{len(unknown)} ICD-10-CM codes not in the CMS release (stay UNVERIFIED): {unknown}")
    problems = _release_disagreements(members, icd10cm.is_valid_item)
    assert not problems, "\n".join(problems) + (
        "\nrun: python scripts/generate_valuesets.py --icd10cm-release"
    )


def test_the_release_check_fails_on_a_marking_that_disagrees() -> None:
    """The comparison above reports both kinds of disagreement (so it can fail)."""
    stale = Member("v", ICD, "Z96.82", "Presence of neurostimulator", "UNVERIFIED: recalled", True)
    invented = Member("v", ICD, "M54.99", "not a code", "verified: somewhere", True)
    fine = Member("v", ICD, "M54.16", "Radiculopathy, lumbar region", "verified: list", True)
    assert icd10cm.is_valid_item("Z96.82") and not icd10cm.is_valid_item("M54.99")
    problems = _release_disagreements([stale, invented, fine], icd10cm.is_valid_item)
    assert len(problems) == 2
    assert "Z96.82" in problems[0] and "M54.99" in problems[1]


def test_the_release_record_matches_the_installed_release() -> None:
    """hooks/valuesets/icd10cm_release.json (which the generator reads) is what the installed
    release says about every ICD-10-CM code of the sources, and names that release."""
    record = json.loads(ICD10CM_RELEASE.read_text())
    assert record["package"] == f"simple-icd-10-cm {importlib.metadata.version('simple-icd-10-cm')}"
    sources = [json.loads(SUPPLEMENT.read_text())]
    if SHARED.exists():
        sources.append(json.loads(SHARED.read_text()))
    source_codes = {
        c["code"]
        for src in sources
        for n, vs in src.items()
        if not n.startswith("_")
        for c in vs.get("codes", [])
        if c["system"] == ICD
    }
    if SHARED.exists():
        assert set(record["codes"]) == source_codes
    for code, entry in record["codes"].items():
        assert entry["known"] is icd10cm.is_valid_item(code), code
        if entry["known"]:
            assert entry["title"] == icd10cm.get_description(code), code
            assert (entry["kind"] == "code") is icd10cm.is_leaf(code), code
    assert record["unknown"] == sorted(c for c, e in record["codes"].items() if not e["known"])


@pytest.mark.parametrize(
    ("value_set", "code"),
    [
        ("device_or_surgical_status", "Z96.82"),
        ("lumbar_radiculopathy_conditions", "M51.15"),
        ("lumbar_disc_displacement_without_radiculopathy", "M51.371"),
        ("lumbar_disc_displacement_without_radiculopathy", "M51.379"),
        ("red_flag_malignancy", "Z85"),
        ("red_flag_fracture", "S32.0"),
    ],
)
def test_codes_the_release_confirms_are_no_longer_unverified(
    term: Terminology, value_set: str, code: str
) -> None:
    """The six codes that were marked UNVERIFIED and are valid in the release: cleared, with a note
    naming the release and the package."""
    m = term[value_set].member(code)
    assert icd10cm.is_valid_item(code)
    assert m.verified and m not in term.unverified()
    assert m.verification.startswith("verified: CMS ICD-10-CM FY"), m.verification
    assert "via simple-icd-10-cm " in m.verification


def test_prefix_members_are_release_headers_and_admit_every_descendant(term: Terminology) -> None:
    """Members used as prefixes (Z85, S32.0, M48.06 …) are checked as categories: the release lists
    them as headers, and every descendant the release holds matches the member's value set."""
    headers = [m for m in _icd_members(term) if icd10cm.is_valid_item(m.code) and not icd10cm.is_leaf(m.code)]
    codes = {m.code for m in headers}
    assert {"Z85", "S32.0", "M48.06"} <= codes
    for m in headers:
        assert icd10cm.is_category_or_subcategory(m.code), m.code
        if m.verification.startswith("verified: CMS"):
            assert "header: descendants match" in m.verification, m.code
        descendants = icd10cm.get_descendants(m.code)
        assert descendants, m.code
        missed = [d for d in descendants if term.match(m.value_set, [Coding(ICD, d)]) is None]
        assert not missed, f"{m.value_set}: {m.code} does not admit {missed[:5]}"


def test_memberships_answer_as_each_value_set_does(term: Terminology) -> None:
    """The value sets remembered for a code are exactly those whose own lookup admits it (an
    ICD-10-CM code sent without its dot as the dotted code, ``dotted_icd10cm``): every member, a
    descendant of each prefix member, codes one character short of a member, a code in no value set
    and a system none uses; asked twice, the answer is the same."""
    codes = {(m.system, m.code) for name in term.names for m in term[name].members}
    codes |= {(m.system, m.code + "9") for name in term.names for m in term[name].members if m.descendants}
    codes |= {(system, code[:-1]) for system, code in codes if len(code) > 1}
    codes |= {(ICD, "Z99.999"), ("http://example.org/not-a-system", "M54.16"), (ICD, ""), ("", "M54.16")}
    for system, code in sorted(codes):
        as_listed = dotted_icd10cm(system, code) or code
        expected = {n: term[n].lookup(system, as_listed) for n in term.names}
        expected = {n: m for n, m in expected.items() if m is not None}
        assert dict(term.memberships(system, code)) == expected, (system, code)
        assert dict(term.memberships(system, code)) == expected
        coding = [Coding(system, code)]
        for name in term.names:
            assert term.match(name, coding) == expected.get(name)
            assert term.in_any((name,), coding) is (name in expected)
        assert term.in_any(term.names, coding) is bool(expected)
    shared = term.memberships(ICD, "M54.16")
    assert shared  # the answer every caller shares cannot be changed by one of them
    with pytest.raises(TypeError):
        shared["rx_opioids"] = shared[next(iter(shared))]  # type: ignore[index]


def test_prime_works_out_every_listed_code_once_and_answers_the_same() -> None:
    """``prime`` (a worker's warm-up) works out the value sets of each listed code once: afterwards
    a listed code is answered from what it remembered, with the same answer as a lookup in each
    value set."""
    term = load_terminology()  # its own memory of answers, not the process-wide one
    listed = {(m.system, m.code) for name in term.names for m in term[name].members}
    assert term.prime() == len(listed)
    remembered = term._memberships.cache_info()  # type: ignore[attr-defined]
    assert remembered.currsize == len(listed)
    for system, code in sorted(listed):
        expected = {n: m for n in term.names if (m := term[n].lookup(system, code)) is not None}
        assert expected and dict(term.memberships(system, code)) == expected, (system, code)
    after = term._memberships.cache_info()  # type: ignore[attr-defined]
    assert (after.hits - remembered.hits, after.misses - remembered.misses) == (len(listed), 0)


def test_an_unknown_value_set_name_is_an_error_however_it_is_asked(term: Terminology) -> None:
    """A rule naming a value set that does not exist fails loudly, even for codings in no set."""
    for ask in (
        lambda: term.match("no_such_set", [Coding(ICD, "M54.16")]),
        lambda: term.match("no_such_set", []),
        lambda: term.in_any(("lumbar_radiculopathy_conditions", "no_such_set"), [Coding(ICD, "M54.16")]),
        lambda: term.in_any(("no_such_set",), []),
        lambda: term.matches_any(("no_such_set",), [Coding(ICD, "M54.16")]),
    ):
        with pytest.raises(KeyError, match="no_such_set"):
            ask()


# ---------------------------------------------------------------------------------------------
# decision model §7: the classes the safety rules will ask about
# ---------------------------------------------------------------------------------------------

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@pytest.mark.parametrize(
    ("value_set", "system", "code", "member"),
    [
        # §7.1 anticoagulants and antiplatelets (aspirin is a minor factor, kept apart)
        ("rx_antithrombotics_before_procedures", RXNORM, "1364430", True),  # apixaban
        ("rx_antithrombotics_before_procedures", RXNORM, "32968", True),  # clopidogrel
        ("rx_antithrombotics_before_procedures", RXNORM, "11289", True),  # warfarin
        ("rx_antithrombotics_before_procedures", RXNORM, "67108", True),  # enoxaparin
        ("rx_antithrombotics_before_procedures", RXNORM, "21107", True),  # cilostazol
        ("rx_antithrombotics_before_procedures", RXNORM, "1191", False),  # aspirin
        ("rx_aspirin", RXNORM, "1191", True),
        ("rx_doacs", RXNORM, "1599538", True),  # edoxaban
        ("rx_doacs", RXNORM, "11289", False),  # warfarin is not a DOAC
        ("rx_heparins", RXNORM, "67109", True),  # dalteparin
        # §7.2 MOUD and opioid use disorder
        ("rx_moud", RXNORM, "1819", True),  # buprenorphine
        ("rx_moud", RXNORM, "6813", True),  # methadone
        ("rx_moud", RXNORM, "7243", True),  # naltrexone
        ("rx_moud", RXNORM, "7804", False),  # oxycodone
        ("opioid_use_disorder_diagnoses", ICD, "F11.20", True),
        ("opioid_use_disorder_diagnoses", ICD, "F11.10", True),
        ("opioid_use_disorder_diagnoses", ICD, "F11.90", True),
        ("opioid_use_disorder_diagnoses", ICD, "F12.20", False),  # cannabis
        # §7.6 benzodiazepines and carisoprodol
        ("rx_benzodiazepine_class", RXNORM, "10355", True),  # temazepam
        ("rx_benzodiazepine_class", RXNORM, "2356", True),  # chlordiazepoxide
        ("rx_benzodiazepine_class", RXNORM, "3322", True),  # diazepam
        ("rx_benzodiazepine_class", RXNORM, "2101", False),  # carisoprodol is not a benzodiazepine
        ("rx_muscle_relaxant_class", RXNORM, "2101", True),
        # §7.6 psychosocial diagnoses; chronic pain codes are not
        ("psychosocial_diagnoses", ICD, "F32.A", True),
        ("psychosocial_diagnoses", ICD, "F32.1", True),
        ("psychosocial_diagnoses", ICD, "F33.1", True),
        ("psychosocial_diagnoses", ICD, "F41.1", True),
        ("psychosocial_diagnoses", ICD, "F43.10", True),
        ("psychosocial_diagnoses", ICD, "F43.12", True),
        ("psychosocial_diagnoses", ICD, "F43.2", False),  # adjustment disorder is not PTSD
        ("psychosocial_diagnoses", ICD, "G89.4", False),
        ("psychosocial_diagnoses", ICD, "G89.29", False),
        # §7.6 injectable corticosteroids are told apart by dose form
        ("parenteral_dose_forms", RXNORM, "1649574", True),  # Injection
        ("parenteral_dose_forms", RXNORM, "316949", True),  # Injectable Solution
        ("parenteral_dose_forms", RXNORM, "317541", False),  # Oral Tablet
    ],
)
def test_safety_rule_classes(term: Terminology, value_set: str, system: str, code: str, member: bool) -> None:
    """The §7 classes hold what the decision model puts in them, and not their look-alikes."""
    assert (term.match(value_set, [Coding(system, code)]) is not None) is member


def test_the_benzodiazepine_checks_see_the_whole_class(term: Terminology) -> None:
    """The set the opioid + benzodiazepine checks read holds temazepam and chlordiazepoxide, and is the
    benzodiazepine class; carisoprodol is a muscle relaxant in neither."""
    for code in ("10355", "2356", "3322"):
        assert term.match("rx_benzodiazepines", [Coding(RXNORM, code)]) is not None, code
        assert term.match("rx_benzodiazepine_class", [Coding(RXNORM, code)]) is not None, code
    assert term.match("rx_benzodiazepines", [Coding(RXNORM, "2101")]) is None
    assert term.match("rx_benzodiazepine_class", [Coding(RXNORM, "2101")]) is None
    assert term.match("rx_muscle_relaxant_class", [Coding(RXNORM, "2101")]) is not None


def test_new_rxnorm_codes_name_their_source_or_stay_unverified(term: Terminology) -> None:
    """Every RxNorm member of the §7 sets names where it was checked, or says UNVERIFIED and what
    was tried; none rests on an unnamed source."""
    names = (
        "rx_anticoagulants",
        "rx_p2y12_inhibitors",
        "rx_antiplatelets_other",
        "rx_opioid_antagonists_moud",
        "rx_benzodiazepines_more",
        "parenteral_dose_forms",
    )
    for name in names:
        for m in term[name].members:
            note = m.verification
            if m.verified:
                assert any(s in note for s in ("cpicpgx/cpic-data", "RxNav", "opioid-mme-r4")), note
            else:
                assert "not found in" in note and "confirm with RxNav" in note, note
                assert term[name].status == "draft"


# ---------------------------------------------------------------------------------------------
# missing or malformed value sets stop start-up
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _edit(path: Path, fn: Callable[[dict[str, Any]], object]) -> None:
    raw = json.loads(path.read_text())
    fn(raw)
    path.write_text(json.dumps(raw))


def test_a_copy_of_the_shipped_data_loads(data_copy: Path) -> None:
    """The fixture copy itself is fine (so the failures below are caused by the edits)."""
    assert "esi_lumbar_all" in load_terminology(data_copy)


def test_missing_index_is_a_clear_error(data_copy: Path) -> None:
    """No index.json → TerminologyError naming the file."""
    (data_copy / "index.json").unlink()
    with pytest.raises(TerminologyError, match=r"index .*index\.json is missing"):
        load_terminology(data_copy)


def test_missing_value_set_file_is_a_clear_error(data_copy: Path) -> None:
    """A listed ValueSet file that is gone → TerminologyError naming the value set."""
    (data_copy / "esi-transforaminal-lumbar.json").unlink()
    with pytest.raises(TerminologyError, match="'esi_transforaminal_lumbar' is missing"):
        load_terminology(data_copy)


def test_invalid_json_is_a_clear_error(data_copy: Path) -> None:
    """A ValueSet that is not JSON → TerminologyError."""
    (data_copy / "rx-opioids.json").write_text("{ not json")
    with pytest.raises(TerminologyError, match=r"'rx_opioids'.*not valid JSON"):
        load_terminology(data_copy)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda vs: vs.update(resourceType="CodeSystem"), "not a FHIR ValueSet"),
        (lambda vs: vs.pop("version"), "missing version"),
        (lambda vs: vs.pop("expansion"), "no pre-expanded expansion.contains"),
        (lambda vs: vs["expansion"]["contains"][0].pop("system"), "lacks system or code"),
        (lambda vs: vs["expansion"]["contains"][0].update(extension=[]), "no verification note"),
        (lambda vs: vs.update(url="http://elsewhere.org/ValueSet/x"), "does not match the index"),
    ],
)
def test_malformed_value_set_is_a_clear_error(
    data_copy: Path, edit: Callable[[dict[str, Any]], object], message: str
) -> None:
    """Each kind of malformation stops loading with a message that says what is wrong."""
    _edit(data_copy / "red-flag-cauda-equina.json", edit)
    with pytest.raises(TerminologyError, match=message):
        load_terminology(data_copy)


# ---------------------------------------------------------------------------------------------
# matching
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value_set", "code", "matches"),
    [
        ("lumbar_spinal_stenosis", "M48.062", True),  # listed
        ("lumbar_spinal_stenosis", "M48.06", True),  # header listed
        ("lumbar_disc_displacement_without_radiculopathy", "M51.369", True),
        ("red_flag_malignancy", "Z85.038", True),  # Z85 category (supplement) admits its descendants
        ("red_flag_fracture", "S32.001A", True),  # S32.0 prefix
        ("lumbar_spinal_stenosis", "M48.0", False),  # a prefix of a member is not a member
        ("lumbar_radiculopathy_conditions", "M54.1", False),
        ("lumbar_radiculopathy_conditions", "M54.161", True),  # a descendant of M54.16
    ],
)
def test_icd10cm_prefix_matching(term: Terminology, value_set: str, code: str, matches: bool) -> None:
    """ICD-10-CM members admit their descendants (prefix match), never their ancestors."""
    assert (term.match(value_set, [Coding(ICD, code)]) is not None) is matches


def test_other_systems_match_exactly(term: Terminology) -> None:
    """SNOMED and CPT never prefix-match: 1281960051 is not 128196005, 644831 is not 64483."""
    assert term.match("lumbar_radiculopathy_conditions", [Coding(SCT, "128196005")]) is not None
    assert term.match("lumbar_radiculopathy_conditions", [Coding(SCT, "1281960051")]) is None
    assert term.match("esi_transforaminal_lumbar", [Coding(CPT, "644831")]) is None
    assert not term.is_known(CPT, "644831")


def test_system_must_match_too(term: Terminology) -> None:
    """The same code string in another system is not a member."""
    assert term.match("esi_transforaminal_lumbar", [Coding(SCT, "64483")]) is None


def test_every_coding_of_a_codeable_concept_is_checked(term: Terminology) -> None:
    """US Core Conditions carry several codings: a match on the second one still counts."""
    codings = [Coding(SCT, "999999999", "local concept"), Coding(ICD, "M54.16")]
    hit = term.match("lumbar_radiculopathy_conditions", codings)
    assert hit is not None and hit.code == "M54.16"
    assert term.matches_any(("red_flag_cauda_equina", "lumbar_radiculopathy_conditions"), codings) is not None


# ---------------------------------------------------------------------------------------------
# §0 coding traps
# ---------------------------------------------------------------------------------------------


def test_trap_62321_is_cervical_thoracic_not_lumbar(term: Terminology) -> None:
    """62321 is the cervical/thoracic interlaminar code: excluded from every lumbar ESI set."""
    c = [Coding(CPT, "62321")]
    assert term.match("esi_cervical_thoracic_exclude", c) is not None
    for name in (
        "esi_lumbar_all",
        "esi_interlaminar_caudal_lumbar",
        "esi_image_guided",
        "esi_without_image_guidance",
    ):
        assert term.match(name, c) is None, name


def test_trap_385670002_never_matches(term: Terminology) -> None:
    """385670002 is a common mistake for 'partially successful': it is in no value set."""
    assert not term.is_known(SCT, "385670002")
    assert term.match("procedure_outcome", [Coding(SCT, "385670002")]) is None


def test_trap_385670004_is_partial(term: Terminology) -> None:
    """385670004 is the FHIR 'partially successful' outcome, and only partial."""
    c = [Coding(SCT, "385670004")]
    assert term.match("procedure_outcome_partial", c) is not None
    assert term.match("procedure_outcome_successful", c) is None
    assert term.match("procedure_outcome_unsuccessful", c) is None


def test_trap_63650_alone_is_not_a_permanent_system(term: Terminology) -> None:
    """63650 bills trial and permanent leads: it is a percutaneous lead, not a permanent system."""
    c = [Coding(CPT, "63650")]
    assert term.match("scs_percutaneous_lead", c) is not None
    assert term.match("scs_permanent_system", c) is None
    assert term.match("scs_permanent_system", [Coding(CPT, "63685")]) is not None


def test_trap_64483_is_an_image_guided_lumbar_esi_code(term: Terminology) -> None:
    """64483 is lumbar TFESI (and SNRB: told apart from the procedure's details, not the code)."""
    c = [Coding(CPT, "64483")]
    assert term.match("esi_transforaminal_lumbar", c) is not None
    assert term.match("esi_image_guided", c) is not None


def test_trap_62322_is_blind(term: Terminology) -> None:
    """62322 and legacy 62311 are the injections without imaging (F2)."""
    for code in ("62322", "62311"):
        assert term.match("esi_without_image_guidance", [Coding(CPT, code)]) is not None
        assert term.match("esi_image_guided", [Coding(CPT, code)]) is None


# ---------------------------------------------------------------------------------------------
# no raw codes in the rules
# ---------------------------------------------------------------------------------------------


def test_no_module_under_hooks_holds_a_raw_code_literal(term: Terminology) -> None:
    """Codes live only in value sets: no quoted literal of any member code appears in hooks/ source."""
    codes = {m.code for name in term.names for m in term[name].members}
    pattern = re.compile(r"""(["'])([^"'\n]{1,24})\1""")
    offenders: list[str] = []
    sources = [
        p for p in (ROOT / "hooks").rglob("*.py") if "valuesets" not in p.relative_to(ROOT / "hooks").parts
    ]
    assert sources
    for path in sources:
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            for m in pattern.finditer(line):
                if m.group(2) in codes:
                    offenders.append(f"{path.relative_to(ROOT)}:{lineno}: {m.group(0)}")
    assert not offenders, "raw codes in rules (name a value set instead):\n" + "\n".join(offenders)


def test_the_raw_code_scan_would_catch_one(tmp_path: Path, term: Terminology) -> None:
    """The scanner's pattern finds a quoted member code (so the test above can fail)."""
    pattern = re.compile(r"""(["'])([^"'\n]{1,24})\1""")
    codes = {m.code for name in term.names for m in term[name].members}
    line = 'if coding.code == "64483":'
    assert any(m.group(2) in codes for m in pattern.finditer(line))
