"""Committed FHIR and CDS Hooks fixtures, their generators and the shared FHIR builder."""
