"""A CDS Hooks 2.0 service: kypho's decision as cards, Medicare's as CRD coverage information.

``discovery`` lists the services; ``request`` checks a hook call; ``orders`` finds the
vertebral augmentation orders; ``fetch`` gathers the patient's resources (prefetch, else
the client's FHIR server); ``service`` assesses and answers with ``cards`` and, on the
order hooks, ``crd`` system actions; ``jwt`` verifies the client; ``feedback`` checks
what the clinician did with a card. Plain JSON data in and out; the web layer
(``kypho.web.pages.cds_hooks``) serves it. docs/cds-hooks.md describes it.
"""
