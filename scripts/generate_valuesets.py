"""Generate the FHIR R4 ValueSet resources shipped in hooks/valuesets/data/.

Sources:
  * ../shared/clinical/valuesets.json — the clinical team's value sets (system, code, display,
    verification);
  * hooks/valuesets/derived.json — project subsets/unions of those sets (codes drawn only from
    the parents);
  * hooks/valuesets/supplement.json — codes the project needs that the shared file lacks, each
    with its verification source (or an ``UNVERIFIED: ...`` note); an entry keyed by a shared
    value set may also ``exclude`` codes of that set (``{"system", "code", "reason"}``), which
    the expansion then drops (``apply_exclusions``), and replace its description with a
    ``shipped_description`` (descriptions cite public sources only: a description naming an
    internal source document stops the generator);
  * hooks/valuesets/icd10cm_release.json — every ICD-10-CM code of the two files above, looked up
    in the CMS ICD-10-CM release that the ``simple-icd-10-cm`` package ships. A code marked
    UNVERIFIED in its source that the release knows is shipped with a note naming the release
    instead; a code the release does not know keeps its UNVERIFIED note.

Every ValueSet is pre-expanded. Each expansion entry carries the verification note as an
extension; ICD-10-CM entries that also match their descendant codes carry a flag extension.
Run: ``python scripts/generate_valuesets.py [--shared PATH] [--check]``; after adding an ICD-10-CM
code (or installing a newer ``simple-icd-10-cm``), ``--icd10cm-release`` refreshes the release
record from the installed package first (it needs the test extras).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "hooks" / "valuesets" / "data"
DERIVED = ROOT / "hooks" / "valuesets" / "derived.json"
SUPPLEMENT = ROOT / "hooks" / "valuesets" / "supplement.json"
ICD10CM_RELEASE = ROOT / "hooks" / "valuesets" / "icd10cm_release.json"
DEFAULT_SHARED = ROOT.parent / "shared" / "clinical" / "valuesets.json"

CANONICAL_BASE = "http://radicular-cds.org/fhir"
VERSION = "2026.11.0"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
EXT_VERIFICATION = f"{CANONICAL_BASE}/StructureDefinition/code-verification"
EXT_DESCENDANTS = f"{CANONICAL_BASE}/StructureDefinition/match-descendants"


def slug(name: str) -> str:
    return name.replace("_", "-")


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def is_unverified(note: str) -> bool:
    return note.strip().upper().startswith("UNVERIFIED")


def _entry(code: dict[str, Any]) -> dict[str, Any]:
    ext = [{"url": EXT_VERIFICATION, "valueString": code["verification"]}]
    if code["system"] == ICD10CM:
        # ICD-10-CM is hierarchical by code prefix: a listed code also admits its descendants
        # (M48.06 admits M48.061/M48.062; Z85 admits every personal-history-of-cancer code).
        ext.append({"url": EXT_DESCENDANTS, "valueBoolean": True})
    return {"extension": ext, "system": code["system"], "code": code["code"], "display": code["display"]}


def _compose(codes: list[dict[str, Any]], parents: list[str]) -> dict[str, Any]:
    includes: list[dict[str, Any]] = []
    by_system: dict[str, list[dict[str, Any]]] = {}
    for c in codes:
        by_system.setdefault(c["system"], []).append(c)
    for system, members in by_system.items():
        inc: dict[str, Any] = {"system": system}
        if parents:
            inc["valueSet"] = [f"{CANONICAL_BASE}/ValueSet/{slug(p)}" for p in parents]
        inc["concept"] = [{"code": m["code"], "display": m["display"]} for m in members]
        includes.append(inc)
        if system == ICD10CM:
            includes.append(
                {
                    "system": system,
                    "filter": [{"property": "concept", "op": "is-a", "value": m["code"]} for m in members],
                }
            )
    return {"include": includes}


def value_set(name: str, description: str, codes: list[dict[str, Any]], parents: list[str]) -> dict[str, Any]:
    unverified = [c for c in codes if is_unverified(c["verification"])]
    return {
        "resourceType": "ValueSet",
        "id": slug(name),
        "url": f"{CANONICAL_BASE}/ValueSet/{slug(name)}",
        "version": VERSION,
        "name": pascal(name),
        "title": name.replace("_", " ").capitalize(),
        # 'draft' while any member still awaits terminology-server confirmation.
        "status": "draft" if unverified else "active",
        "experimental": False,
        "publisher": "Radicular pathway CDS",
        "description": description,
        "compose": _compose(codes, parents),
        "expansion": {
            "identifier": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{name}|{VERSION}')}",
            "timestamp": "2026-11-21T00:00:00Z",
            "total": len(codes),
            "contains": [_entry(c) for c in codes],
        },
    }


def source_codes(shared_path: Path) -> list[dict[str, Any]]:
    """Every code entry of the two source files (shared, then supplement), in file order."""
    out: list[dict[str, Any]] = []
    for path in (shared_path, SUPPLEMENT):
        if path.exists():
            for name, vs in json.loads(path.read_text()).items():
                if not name.startswith("_"):
                    out.extend(vs.get("codes", []))
    return out


def icd10cm_release_record(codes: list[str]) -> dict[str, Any]:
    """Look each ICD-10-CM code up in the CMS release shipped by ``simple-icd-10-cm``.

    A code the release lists as a category or subcategory with children (Z85, S32.0) is recorded
    as a header: the value sets use it as a prefix for its descendants.
    """
    import importlib.metadata
    import importlib.resources
    import re

    import simple_icd_10_cm as icd  # test extra: only this refresh needs it

    data = importlib.resources.files("simple_icd_10_cm.data")
    tabular = next(p for p in data.iterdir() if p.name.startswith("icd10c-tabular-"))
    fiscal_year = re.search(r"<version>(\d{4})</version>", tabular.read_text(encoding="utf-8")[:2000])
    month, day, year = tabular.name.removeprefix("icd10c-tabular-").removesuffix(".xml").split("-")
    fy = fiscal_year.group(1) if fiscal_year else "?"
    release = f"CMS ICD-10-CM FY{fy} ({month} {day}, {year} tabular list)"
    entries: dict[str, Any] = {}
    for code in sorted(set(codes)):
        if not icd.is_valid_item(code):
            entries[code] = {"known": False}
            continue
        if icd.is_leaf(code):
            kind = "code"
        else:
            kind = "category header" if icd.is_category(code) else "subcategory header"
        entries[code] = {"known": True, "kind": kind, "title": icd.get_description(code)}
    return {
        "_comment": "Generated by scripts/generate_valuesets.py --icd10cm-release: every ICD-10-CM code "
        "of the value-set sources looked up in the CMS release the simple-icd-10-cm package ships. "
        "tests/test_valuesets.py repeats the lookup and fails when this record or a shipped "
        "UNVERIFIED marking disagrees with the release.",
        "release": release,
        "package": f"simple-icd-10-cm {importlib.metadata.version('simple-icd-10-cm')}",
        "unknown": sorted(c for c, e in entries.items() if not e["known"]),
        "codes": entries,
    }


def release_note(record: dict[str, Any], code: str) -> str | None:
    """The verification note for a code the release confirms (None if it does not know it)."""
    entry = record.get("codes", {}).get(code)
    if not entry or not entry["known"]:
        return None
    note = f"verified: {record['release']} via {record['package']}: '{entry['title']}'"
    if entry["kind"] != "code":
        note += f" ({entry['kind']}: descendants match)"
    return note


def confirm_icd10cm(codes: list[dict[str, Any]], record: dict[str, Any]) -> list[dict[str, Any]]:
    """Codes with the UNVERIFIED note of each ICD-10-CM code the release confirms replaced."""
    out = []
    for c in codes:
        if c["system"] == ICD10CM and is_unverified(c["verification"]):
            note = release_note(record, c["code"])
            if note is not None:
                c = {**c, "verification": note}
        out.append(c)
    return out


def apply_exclusions(
    base: dict[str, tuple[str, list[dict[str, Any]]]], supplement: dict[str, Any]
) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """Drop the codes a supplement entry ``exclude``s from its value set (a code the clinical team's
    set holds but the product must not read as a member, e.g. generalised weakness as a motor-deficit
    red flag). Each exclusion names its reason; one that names an unknown set, a code the set does not
    hold, or no reason stops the run, so a typo cannot silently leave the code in."""
    out = dict(base)
    for name, vs in supplement.items():
        if name.startswith("_") or not vs.get("exclude"):
            continue
        if name not in out:
            raise SystemExit(f"exclusion for unknown value set {name!r}")
        desc, codes = out[name]
        drop: set[tuple[str, str]] = set()
        for ex in vs["exclude"]:
            key = (ex.get("system", ""), ex.get("code", ""))
            if not str(ex.get("reason", "")).strip():
                raise SystemExit(f"{name}: exclusion of {key[1]!r} gives no reason")
            if key not in {(c["system"], c["code"]) for c in codes}:
                raise SystemExit(f"{name}: excluded code {key[1]!r} ({key[0]}) is not in the value set")
            drop.add(key)
        out[name] = (desc, [c for c in codes if (c["system"], c["code"]) not in drop])
    return out


INTERNAL_SOURCE = re.compile(r"\bseeds? ?0\d", re.IGNORECASE)


def unnamed(sets: dict[str, tuple[str, list[dict[str, Any]]]]) -> None:
    """Descriptions ship to clinicians in the ValueSets: they cite public sources only. A shared
    description that names an internal source document needs a ``shipped_description`` in
    supplement.json."""
    named = sorted(name for name, (desc, _) in sets.items() if INTERNAL_SOURCE.search(desc))
    if named:
        raise SystemExit(f"descriptions name an internal source document: {', '.join(named)}")


def build(shared_path: Path) -> dict[str, dict[str, Any]]:
    shared = json.loads(shared_path.read_text())
    supplement = json.loads(SUPPLEMENT.read_text()) if SUPPLEMENT.exists() else {}
    record = json.loads(ICD10CM_RELEASE.read_text()) if ICD10CM_RELEASE.exists() else {}
    base: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for name, vs in shared.items():
        base[name] = (vs["description"], list(vs["codes"]))
    for name, vs in supplement.items():
        if name.startswith("_"):
            continue
        if name in base:
            desc, codes = base[name]
            known = {(c["system"], c["code"]) for c in codes}
            codes = codes + [c for c in vs.get("codes", []) if (c["system"], c["code"]) not in known]
            # the shared description as shipped, when the shared wording cannot ship as it is
            base[name] = (vs.get("shipped_description", desc), codes)
        else:
            base[name] = (vs["description"], list(vs["codes"]))
    base = apply_exclusions(base, supplement)
    base = {name: (desc, confirm_icd10cm(codes, record)) for name, (desc, codes) in base.items()}

    out = {name: value_set(name, desc, codes, []) for name, (desc, codes) in base.items()}
    unnamed(base)

    derived = json.loads(DERIVED.read_text())
    for name, spec in derived.items():
        if name.startswith("_"):
            continue
        if name in base:
            raise SystemExit(f"derived value set {name!r} shadows a base value set")
        codes: list[dict[str, Any]] = []
        parents: list[str] = []
        for parent in spec.get("union", []):
            parents.append(parent)
            codes.extend(base[parent][1])
        wanted_parents = spec.get("parents") or ([spec["parent"]] if "parent" in spec else [])
        for parent_name, wanted in [(p, spec.get("codes", [])) for p in wanted_parents] + list(
            spec.get("extra_from", {}).items()
        ):
            parents.append(parent_name)
            pool = {c["code"]: c for c in base[parent_name][1]}
            codes.extend(pool[w] for w in wanted if w in pool)
        listed = set(spec.get("codes", [])) | {c for v in spec.get("extra_from", {}).values() for c in v}
        found = {c["code"] for c in codes}
        missing = listed - found
        if missing:
            raise SystemExit(f"derived value set {name!r}: {sorted(missing)} not in its parents {parents}")
        seen: set[tuple[str, str]] = set()
        unique = []
        for c in codes:
            if (c["system"], c["code"]) not in seen:
                seen.add((c["system"], c["code"]))
                unique.append(c)
        out[name] = value_set(name, spec["description"], unique, sorted(set(parents)))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--check", action="store_true", help="fail if the committed files differ")
    ap.add_argument(
        "--icd10cm-release",
        action="store_true",
        help="first refresh hooks/valuesets/icd10cm_release.json from the installed simple-icd-10-cm",
    )
    args = ap.parse_args(argv)
    if args.icd10cm_release and not args.check:
        icd = [c["code"] for c in source_codes(args.shared) if c["system"] == ICD10CM]
        record = icd10cm_release_record(icd)
        ICD10CM_RELEASE.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
        print(f"{len(record['codes'])} ICD-10-CM codes looked up in {record['release']}")
        print(f"not in the release (stay UNVERIFIED): {record['unknown'] or 'none'}")
    sets = build(args.shared)
    rendered = {
        f"{slug(n)}.json": json.dumps(vs, indent=1, ensure_ascii=False) + "\n" for n, vs in sets.items()
    }
    index = {
        "_comment": "Generated by scripts/generate_valuesets.py: "
        "every value set the service loads at start-up.",
        "version": VERSION,
        "valueSets": {n: {"file": f"{slug(n)}.json", "url": vs["url"]} for n, vs in sorted(sets.items())},
    }
    rendered["index.json"] = json.dumps(index, indent=1) + "\n"
    if args.check:
        present = {p.name: p.read_text() for p in OUT_DIR.glob("*.json")}
        if present != rendered:
            diff = sorted(set(present) ^ set(rendered)) or sorted(
                k for k in rendered if present.get(k) != rendered[k]
            )
            print(
                f"value sets out of date: {diff[:5]}; run python scripts/generate_valuesets.py",
                file=sys.stderr,
            )
            return 1
        return 0
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for old in OUT_DIR.glob("*.json"):
        if old.name not in rendered:
            old.unlink()
    for fname, text in rendered.items():
        (OUT_DIR / fname).write_text(text)
    print(f"wrote {len(rendered)} value sets to {OUT_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
