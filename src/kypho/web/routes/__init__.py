"""The JSON API, one module per area, each defining ``router`` (mounted under ``/api``)."""
