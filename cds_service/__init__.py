"""The CDS Hooks web service: HTTP, FHIR I/O, auth and persistence around the ``hooks`` logic."""
