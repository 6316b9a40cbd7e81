"""Value sets as data: the shipped FHIR ValueSets, their loading, matching and the §0 coding traps."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fhir_fixtures.fhir_builder import CPT
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from fhir_fixtures.fhir_builder import SNOMED as SCT
from hooks.terminology import (
    DATA_DIR,
    EXT_DESCENDANTS,
    EXT_VERIFICATION,
    Coding,
    Terminology,
    TerminologyError,
    default_terminology,
    load_terminology,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "clinical" / "valuesets.json"
SUPPLEMENT = ROOT / "hooks" / "valuesets" / "supplement.json"


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
    """Each code of the clinical team's file is a member of the same-named shipped ValueSet."""
    if not SHARED.exists():
        pytest.skip(f"shared clinical value sets not found at {SHARED}")
    shared = json.loads(SHARED.read_text())
    for name, vs in shared.items():
        members = {(m.system, m.code) for m in term[name].members}
        missing = [c["code"] for c in vs["codes"] if (c["system"], c["code"]) not in members]
        assert not missing, f"{name}: {missing}"


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
    out: set[tuple[str, str]] = set()
    sources = [json.loads(SUPPLEMENT.read_text())]
    if SHARED.exists():
        sources.append(json.loads(SHARED.read_text()))
    for src in sources:
        for name, vs in src.items():
            if name.startswith("_"):
                continue
            for c in vs["codes"]:
                if c["verification"].strip().upper().startswith("UNVERIFIED"):
                    out.add((c["system"], c["code"]))
    return out


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
