"""Sign-in, sessions, CSRF, API tokens and the role matrix, enforced in one place (guard.py)."""
