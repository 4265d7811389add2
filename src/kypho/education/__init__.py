"""Patient education: the planned procedure shown on the patient's own vertebra.

``mesh`` (marching cubes in the patient's geometry), ``anatomy`` (body frame, pedicles),
``standard`` (a standard vertebra when there is no mask), ``steps`` (needles, balloon and
lift, cement, before beside after), ``captions`` (plain words and sources), ``page``
(offline HTML with plotly), ``animation`` (GIF and key frames). The workflow that puts
them together is ``kypho.workflows.educate``; see ``docs/education.md``.
"""
