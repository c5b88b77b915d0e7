"""Roster writes. Import from the submodules (rest, csv_import, csv_export, demo, scope)."""
