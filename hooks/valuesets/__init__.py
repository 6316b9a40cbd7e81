"""Generated FHIR R4 ValueSet resources (see scripts/generate_valuesets.py)."""
