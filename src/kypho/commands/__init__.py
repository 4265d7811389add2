"""One module per CLI command group; each exposes ``register(app)``.

A command parses its arguments, calls one library function and prints. User errors
are raised as ``kypho.errors.InvalidInput`` and turned into one message and exit
status 2 by ``kypho.cli.main``.
"""
