"""The clinic's database: SQLAlchemy 2 models, repositories, Alembic migrations, the audit trail.

Clinical data lives in the case file JSON of each case version (the same format the CLI
reads); this package stores it with history and adds the clinic's own records: people,
appointments, issued documents, uploads and the append-only audit trail. It adds no
clinical logic: it calls ``kypho.workflows``.
"""
