"""Public entry point of the OneRoster CSV import (the implementation is in ``services/csv``)."""

from roster.services.csv.archive import ArchiveLimits
from roster.services.csv.importer import ImportProblem, ImportReport, oneroster_csv_import

__all__ = ["ArchiveLimits", "ImportProblem", "ImportReport", "oneroster_csv_import"]
