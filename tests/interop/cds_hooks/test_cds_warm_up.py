"""The start-up warm-up (``kypho.interop.cds_hooks.warm``): a synthetic order-sign call
decided as a real one is, before the app takes its first connection. What it costs is
the benchmark's business (first call 1.95 s on a fresh server before it, docs/cds-hooks.md);
here: that the synthetic call is a real decision, that the app is warm once started, and
that a failing warm-up never keeps the clinic app from starting."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from kypho_cds_support import cds_client
from kypho_crd_check import problems

from kypho.interop.cds_hooks.crd import EXT_COVERAGE_INFORMATION
from kypho.interop.cds_hooks.warm import PATIENT, synthetic_order_sign, warm_up
from kypho.rules import load_policy
from kypho.web.pages import cds_hooks

ON = date(2026, 12, 3)


def test_the_synthetic_call_is_decided_into_a_card_and_coverage_information() -> None:
    policies = [load_policy("practice"), load_policy("medicare-l34106")]
    result = warm_up(policies, on=ON)
    (card,) = result["cards"]
    assert card["summary"].startswith("Kyphoplasty L1")  # the fracture and its level read
    assert card["summary"].count("information missing") == 2  # a sparse chart: never a go
    assert card["indicator"] == "warning"
    (action,) = result["systemActions"]  # the Coverage read, CRD built
    assert action["resource"]["id"] == "warm-order"
    (extension,) = [e for e in action["resource"]["extension"]
                    if e["url"] == EXT_COVERAGE_INFORMATION]  # fmt: skip
    assert problems(extension) == []
    body = synthetic_order_sign(ON)
    assert body["prefetch"]["patient"]["id"] == body["context"]["patientId"] == PATIENT


def test_a_started_app_has_its_policies_compiled_and_logged_no_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with (caplog.at_level(logging.WARNING, logger=cds_hooks.__name__),
          cds_client(tmp_path, ON) as client):  # fmt: skip
        compiled = client.app.state.cds_compiled  # type: ignore[attr-defined]
        assert compiled[0] is client.app.state.clinic_policies  # type: ignore[attr-defined]
        assert compiled[1]  # the clinic's policies, compiled before any call
    assert "warm-up failed" not in caplog.text


def test_a_failing_warm_up_is_logged_by_type_and_the_app_still_serves(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("Patient Zebulon Quartermaine")  # never logged: only the type

    monkeypatch.setattr(cds_hooks, "warm_up", broken)
    with (caplog.at_level(logging.WARNING, logger=cds_hooks.__name__),
          cds_client(tmp_path, ON) as client):  # fmt: skip
        assert client.get("/health").status_code == 200
        assert client.get("/cds-services").status_code == 200
    assert "CDS Hooks warm-up failed (RuntimeError)" in caplog.text
    assert "Zebulon" not in caplog.text
