"""DICOM at the border: CT series in, SEG and SR out, DICOMweb to and from a PACS.

``series`` reads a CT series folder into a volume with its geometry; ``labels`` puts a
NIfTI segmentation onto the CT's grid; ``seg_read`` reads a DICOM SEG of that CT;
``seg_write`` and ``sr_write`` write the vertebral bodies measured and the TID 1500
measurement report (codes in ``codes``); ``dicomweb`` pulls a study and pushes results.
"""
