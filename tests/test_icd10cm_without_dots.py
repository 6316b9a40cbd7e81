"""ICD-10-CM codes sent without their dot, as claims feeds send them, are the codes they name.

A radiculopathy coded "M5417" (CMS Blue Button, claims-derived problem lists) was known to no value
set: the pathway's gate stayed closed and the chart drew no card at all. The terminology now reads a
dotless ICD-10-CM code as the dotted code the value sets list, for membership and for the relevance
screen alike; other systems and codes that are not ICD-10-CM shaped are untouched.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

from pathway_builders import radic, run, states

from hooks.terminology import ICD10CM, Coding, default_terminology

TERM = default_terminology()


def test_a_dotless_radiculopathy_code_is_a_radicular_diagnosis() -> None:
    assert TERM.match("lumbar_radiculopathy_conditions", [Coding(ICD10CM, "M5417")]) is not None
    assert TERM.is_known(ICD10CM, "M5417")
    assert TERM.is_known(ICD10CM, "S32010A")  # a fracture with its 7th character, dotless


def test_a_chart_coded_without_dots_opens_the_pathway() -> None:
    dotless = replace(radic(days=60), codings=(Coding(ICD10CM, "M5417"),), text="Lumbosacral radiculopathy")
    assert states(run(dotless)) == states(run(radic(days=60)))
    assert states(run(dotless)) != []


def test_guard_other_systems_and_shapes_are_not_rewritten() -> None:
    assert not TERM.is_known("http://snomed.info/sct", "M5417")
    assert TERM.match("lumbar_radiculopathy_conditions", [Coding(ICD10CM, "ZZZ")]) is None


def test_a_dotless_code_under_a_listed_category_is_read_as_its_dotted_code() -> None:
    """Z85828 (history of basal cell carcinoma of skin) is the Z85.828 the cancer-history value set
    excludes, not the Z85 category it lists; M8008XA is the osteoporotic vertebral fracture."""
    assert TERM.match("cancer_history", [Coding(ICD10CM, "Z85828")]) == TERM.match(
        "cancer_history", [Coding(ICD10CM, "Z85.828")]
    )
    assert TERM.match("red_flag_fracture", [Coding(ICD10CM, "M8008XA")]) is not None


def test_lower_case_or_padded_codes_are_the_codes_they_name() -> None:
    for sent in ("g83.4", " G83.4 ", "g834"):
        assert TERM.match("red_flag_cauda_equina", [Coding(ICD10CM, sent)]) is not None, sent
    assert TERM.is_known(ICD10CM, "m80.08xa")
