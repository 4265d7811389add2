"""Translation at the border: FHIR R4, CDS Hooks and DICOM."""
