"""FHIR R4: a Bundle in as a case (``bundle_to_case``), a case and its results out.

Plain JSON data in and out, checked by kypho itself (docs/fhir.md has the mapping).
"""

from kypho.interop.fhir.export import Document, export_bundle
from kypho.interop.fhir.report import ImportReport
from kypho.interop.fhir.to_case import bundle_to_case, bundle_to_case_dict

__all__ = ["Document", "ImportReport", "bundle_to_case", "bundle_to_case_dict", "export_bundle"]
