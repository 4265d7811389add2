"""The voxel-to-RAS+ mm affine of a checked NIfTI header, as the standard defines it.

Method 3 (sform_code > 0) wins, then method 2 (qform_code > 0: quaternion, qfac and
qoffset), then method 1 (neither: pixdim alone). Method 1 follows nibabel's base affine
(x flipped, the volume centred) so a file measures the same as before this module.

References
----------
.. [1] NIfTI-1 standard, ``nifti1.h``, "3D IMAGE (VOLUME) ORIENTATION AND LOCATION IN
   SPACE": methods 1-3 and the quaternion-to-matrix formula.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from kypho.imaging.nifti_header import NiftiHeader


def _qform(header: NiftiHeader) -> NDArray[np.float64]:
    b, c, d, x, y, z = header.quatern
    a = math.sqrt(max(0.0, 1.0 - (b * b + c * c + d * d)))
    rotation = np.array(
        [
            [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
        ]
    )
    qfac = -1.0 if header.pixdim[0] == -1.0 else 1.0  # 0 means 1 [1]
    px, py, pz = header.pixdim[1:4]
    affine = np.eye(4)
    affine[:3, :3] = rotation @ np.diag([px, py, qfac * pz])
    affine[:3, 3] = (x, y, z)
    return affine


def header_affine(header: NiftiHeader) -> NDArray[np.float64]:
    """The 4 x 4 affine of ``header`` (not yet checked for spacing or singularity)."""
    if header.sform_code > 0:
        affine = np.eye(4)
        affine[:3, :] = np.asarray(header.srow, dtype=np.float64).reshape(3, 4)
        return affine
    if header.qform_code > 0:
        return _qform(header)
    zooms = np.array([-header.pixdim[1], header.pixdim[2], header.pixdim[3]])
    affine = np.diag([*zooms, 1.0])
    affine[:3, 3] = -(np.asarray(header.shape, dtype=np.float64) - 1) / 2 * zooms
    return affine
