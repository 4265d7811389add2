"""Answer one hook call: gather the chart, assess it, and build cards and system actions.

- order-select / order-sign: only drafts coded CPT 22510-22515 are acted on
  (``orders``); any other order (or none) gets ``{"cards": []}`` before any data is read.
- patient-view: a card only for a patient with a vertebral fracture recorded (a
  fracture kypho's FHIR mapping recognises, docs/fhir.md); else no card.

The card is built from the first candidacy policy among ``policies`` (the clinic's); the
CRD coverage information from each coverage policy (Medicare LCD L34106).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kypho.errors import InvalidInput
from kypho.interop.cds_hooks.cards import card
from kypho.interop.cds_hooks.crd import coverage_information, system_action
from kypho.interop.cds_hooks.errors import BadHookRequest
from kypho.interop.cds_hooks.fetch import gather
from kypho.interop.cds_hooks.orders import augmentation_orders
from kypho.interop.cds_hooks.request import ORDER_HOOKS, HookRequest
from kypho.interop.fhir.to_case import bundle_to_case
from kypho.rules import CompiledPolicy, Policy, PolicyKind
from kypho.workflows.assess import assess_case

EMPTY: dict[str, Any] = {"cards": []}


def answer(
    request: HookRequest,
    policies: Sequence[Policy | CompiledPolicy],
    *,
    on: date,
    case_url: str,
) -> dict[str, Any]:
    """The hook response (``HookError`` subclasses for 400 and 412)."""
    orders: tuple[dict[str, Any], ...] = ()
    if request.hook in ORDER_HOOKS:
        orders = augmentation_orders(request.draft_orders, request.selections)
        if not orders:
            return {"cards": []}
    chart = gather(request)
    try:
        case, _report = bundle_to_case(chart.bundle, case_id="cds-hooks", source="prefetch")
    except InvalidInput as err:
        where = "the FHIR server's answer" if chart.fetched else "prefetch"
        raise BadHookRequest(where, str(err)) from None
    if request.hook == "patient-view" and not case.fractures:
        return {"cards": []}
    result = assess_case(case, policies, on=on, source="cds-hooks")
    kinds = [a.policy_kind for a in result.assessments]
    main = next((a for a, k in zip(result.assessments, kinds, strict=True)
                 if k is PolicyKind.CANDIDACY), result.assessments[0])  # fmt: skip
    response: dict[str, Any] = {
        "cards": [
            card(
                result, main, patient_id=request.patient_id, case_url=case_url, unread=chart.unread
            )
        ]  # fmt: skip
    }
    coverage = [a for a, k in zip(result.assessments, kinds, strict=True)
                if k is PolicyKind.COVERAGE]  # fmt: skip
    actions = [
        system_action(order, extension)
        for order in orders if coverage
        for extension in [coverage_information(
            coverage[0], order=order, coverage=chart.coverage, on=on)]
        if extension is not None
    ]  # fmt: skip
    if actions:  # no Coverage resource: CRD allows no coverage information (crd.py)
        response["systemActions"] = actions
    return response
