"""Clinical decision logic for the radicular pathway CDS service.

This package is pure: it never imports Flask, requests, SQLAlchemy, fhir.resources or
``cds_service`` (an import-linter contract in pyproject.toml enforces it). It receives a typed
patient history and the hook context, and returns card drafts.
"""
