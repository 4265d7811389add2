"""Server-rendered pages, one module per area, each defining ``router``."""
