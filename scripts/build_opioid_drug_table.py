"""Build hooks/data/opioid_clinical_drugs.json from the CDC opioid MME toolkit data.

Source: ``input/cql/OMTKData.cql`` (library OMTKData 3.0.0) of the HL7/CDC opioid MME calculator,
https://github.com/cqframework/opioid-mme-r4 — one tuple per (RxNorm clinical drug, opioid
ingredient) with the dose form and the ingredient's strength, generated on 2020-10-20 from the NLM
RxNav API. Only opioid ingredients are listed (a combination's acetaminophen or naloxone is not).

Run: ``python scripts/build_opioid_drug_table.py PATH/TO/OMTKData.cql``; the file's SHA-256 must
match the one recorded below (so a different file is not taken for the recorded source).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "hooks" / "data" / "opioid_clinical_drugs.json"
SOURCE_URL = "https://github.com/cqframework/opioid-mme-r4/blob/1357f45424c40c49911cd73ecf377b740013f21e/input/cql/OMTKData.cql"
SOURCE_SHA256 = "009d0521f23ca4f78ef55d02335df3cdf6110b6b737dfa0261a0842ed457606c"
RETRIEVED = "2026-12-03"

_ROW = re.compile(
    r"\{ drugCode: (?P<code>\d+), drugName: '(?P<name>(?:[^']|'')*)', "
    r"doseFormCode: (?P<form_code>\d+), doseFormName: '(?P<form>[^']*)', "
    r"ingredientCode: (?P<ing_code>\d+), ingredientName: '(?P<ing>[^']*)', "
    r"strength: '[^']*', strengthValue: (?P<value>[\d.]+), strengthUnit: '(?P<unit>[^']*)' \}"
)


def build(text: str) -> dict[str, Any]:
    drugs: dict[str, dict[str, Any]] = {}
    for m in _ROW.finditer(text):
        drug = drugs.setdefault(
            m["code"],
            {
                "name": m["name"].replace("''", "'"),
                "dose_form": m["form"],
                "dose_form_code": m["form_code"],
                "ingredients": [],
            },
        )
        drug["ingredients"].append(
            {
                "code": m["ing_code"],
                "name": m["ing"].lower(),
                "strength": float(m["value"]),
                "unit": m["unit"],
            }
        )
    rows = sum(len(d["ingredients"]) for d in drugs.values())
    if rows != text.count("{ drugCode:"):
        raise SystemExit(f"read {rows} rows but the file has {text.count('{ drugCode:')}")
    return {
        "_source": "CDC Opioid MME toolkit data: OMTKData.cql (library OMTKData 3.0.0, generated "
        "2020-10-20 from the NLM RxNav API) of the HL7/CDC opioid MME calculator, " + SOURCE_URL,
        "_source_sha256": SOURCE_SHA256,
        "_retrieved": RETRIEVED,
        "_generated_by": "scripts/build_opioid_drug_table.py",
        "_use": "RxNorm clinical drug (SCD/SBD) code -> its opioid ingredients with the strength per "
        "unit of the dose form (MG per tablet/capsule, MG/ML, MG/HR for patches, MG/ACTUAT). "
        "Non-opioid ingredients of combinations are not listed. MME factors live in "
        "mme_conversion.json; hooks/clinical_drugs.py reads both.",
        "drugs": dict(sorted(drugs.items(), key=lambda kv: int(kv[0]))),
    }


def render(table: dict[str, Any]) -> str:
    """JSON with one line per clinical drug (a readable diff when the source is refreshed)."""
    head = {k: v for k, v in table.items() if k != "drugs"}
    opening = json.dumps(head, indent=1, ensure_ascii=False)[:-2] + ',\n "drugs": {\n'
    items = [f" {json.dumps(c)}: {json.dumps(d, ensure_ascii=False)}" for c, d in table["drugs"].items()]
    return opening + ",\n".join(items) + "\n }\n}\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("omtk", type=Path, help="OMTKData.cql from cqframework/opioid-mme-r4")
    args = ap.parse_args(argv)
    raw = args.omtk.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"{args.omtk}: SHA-256 {digest} is not the recorded source's {SOURCE_SHA256}")
    table = build(raw.decode("utf-8"))
    OUT.write_text(render(table))
    print(f"wrote {len(table['drugs'])} clinical drugs to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
