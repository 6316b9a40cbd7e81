"""Generate the FHIR R4 ValueSet resources shipped in hooks/valuesets/data/.

Sources:
  * ../shared/clinical/valuesets.json — the clinical team's value sets (system, code, display,
    verification);
  * hooks/valuesets/derived.json — project subsets/unions of those sets (codes drawn only from
    the parents);
  * hooks/valuesets/supplement.json — codes the project needs that the shared file lacks, each
    with its verification source (or an ``UNVERIFIED: ...`` note).

Every ValueSet is pre-expanded. Each expansion entry carries the verification note as an
extension; ICD-10-CM entries that also match their descendant codes carry a flag extension.
Run: ``python scripts/generate_valuesets.py [--shared PATH] [--check]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "hooks" / "valuesets" / "data"
DERIVED = ROOT / "hooks" / "valuesets" / "derived.json"
SUPPLEMENT = ROOT / "hooks" / "valuesets" / "supplement.json"
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


def build(shared_path: Path) -> dict[str, dict[str, Any]]:
    shared = json.loads(shared_path.read_text())
    supplement = json.loads(SUPPLEMENT.read_text()) if SUPPLEMENT.exists() else {}
    base: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for name, vs in shared.items():
        base[name] = (vs["description"], list(vs["codes"]))
    for name, vs in supplement.items():
        if name.startswith("_"):
            continue
        if name in base:
            desc, codes = base[name]
            known = {(c["system"], c["code"]) for c in codes}
            codes = codes + [c for c in vs["codes"] if (c["system"], c["code"]) not in known]
            base[name] = (desc, codes)
        else:
            base[name] = (vs["description"], list(vs["codes"]))

    out = {name: value_set(name, desc, codes, []) for name, (desc, codes) in base.items()}

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
    args = ap.parse_args(argv)
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
