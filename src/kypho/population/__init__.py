"""Population candidacy: decide a whole export of cases (JSON Lines or Parquet) at once.

``assess_export`` reads the exports in partitions, decides each case under every policy
without building explanations (``kypho.rules.fast``), and writes the decisions to one
Parquet file; on Dask with ``scheduler``. Layouts: ``kypho.population.partitions``;
columns: ``kypho.population.decisions.SCHEMA``; guide: ``docs/population.md``.
"""

from kypho.population.partitions import EXPORT_SUFFIXES, is_export
from kypho.population.run import ExportSummary, assess_export

__all__ = ["EXPORT_SUFFIXES", "ExportSummary", "assess_export", "is_export"]
