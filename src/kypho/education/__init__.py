"""Patient education: the planned procedure shown on the patient's own vertebra.

``mesh`` (marching cubes in the patient's geometry), ``anatomy`` (body frame, pedicles),
``standard`` (a standard vertebra when there is no mask), ``steps`` (needles, balloon and
lift, cement, before beside after), ``captions`` (plain words and sources), ``page``
(offline HTML with plotly), ``animation`` (GIF and key frames). From six-point landmarks,
a 2-D side view: ``outline2d`` (the bodies in their sagittal plane), ``steps2d`` (the same
steps as polygons), ``sideview`` (which bodies, the lift, the notes), ``page2d`` (offline
SVG page) and ``animation2d`` (GIF). The workflow that puts them together is
``kypho.workflows.educate``; see ``docs/education.md``.
"""
