"""The clinic web app: FastAPI pages and a JSON API over ``kypho.workflows`` and ``kypho.store``.

``create_app`` (kypho.web.app) builds it; ``kypho serve`` runs it under Uvicorn.
"""
