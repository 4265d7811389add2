"""Workflows: one module per use case, each a pure function of its inputs.

The CLI, the clinic app, the FHIR/CDS adapters and the batch screener call these and add
no clinical logic of their own. Settings, dates and loaded inputs are arguments; nothing
here reads the clock, the environment or a global.
"""
