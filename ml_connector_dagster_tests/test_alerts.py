"""Failed runs and failed checks reach the webhook (and the log), naming job, run, entities and windows; the
webhook's secret path and credentials in URLs never do."""

from collections.abc import Iterator
from datetime import timedelta

import dagster as dg
import pytest
from pydantic import SecretStr

from ml_connector_dagster.alerts import AlertNotSent, WebhookClient, redact
from ml_connector_dagster.cli.runs import run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.defs.health.alerts import check_failure_alerts, run_failure_alerts
from ml_connector_dagster.flows import direction_named
from ml_connector_dagster.fusion.simulator.reference import CHARGE_ACCOUNTS
from ml_connector_dagster.http.retry import RetryPolicy
from ml_connector_dagster.store import Store
from ml_connector_dagster_tests.conftest import current_hour, hours_ago, run_purchase_orders
from ml_connector_dagster_tests.webhook_receiver import SECRET_PATH, Receiver, webhook


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    with webhook() as running:
        monkeypatch.setenv("ML_CONNECTOR_ALERT_WEBHOOK_URL", running.url)
        yield running


def _tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None) -> str | None:
    with dg.build_sensor_context(instance=instance, cursor=cursor) as context:
        return sensor.evaluate_tick(context).cursor


def test_a_failed_run_is_posted_with_its_job_window_and_reason(
    store: Store, instance: dg.DagsterInstance, receiver: Receiver
) -> None:
    cursor = _tick(run_failure_alerts, instance, None)
    current = current_hour()

    result = run_purchase_orders(instance, current, current + timedelta(hours=1))
    assert not result.success
    _tick(run_failure_alerts, instance, cursor)

    [text] = receiver.texts
    assert text.startswith("Run failed: job ")
    assert result.run_id in text
    assert "purchase_orders" in text
    assert current.strftime("%Y-%m-%d-%H:%M") in text, "the window the run covered"
    assert "can be read from" in text, "the error's first line"
    assert "\n" not in text and "Traceback" not in text
    assert SECRET_PATH not in text


def test_a_failed_blocking_check_is_posted_with_the_run_it_stopped(
    store: Store, sims: LocalSimulators, instance: dg.DagsterInstance, receiver: Receiver
) -> None:
    start, end = hours_ago(4), hours_ago(2)
    sims.fusion.seed_invoices(8, start, end)
    # Every account invoices charge, mapped to cost center 77, which JAGGAER does not hold: gl_mapping fails.
    rows = "".join(
        f"{account},,77,{account},moved to 77\n" for accounts in CHARGE_ACCOUNTS.values() for account, _ in accounts
    )
    store.gl_mappings.import_csv("combination,code_combination_id,cost_center,gl_account,note\n" + rows, "t", "t")
    cursors = {sensor.name: _tick(sensor, instance, None) for sensor in (run_failure_alerts, check_failure_alerts)}

    result = run_flows(instance, start, end, direction_named("fusion_to_jaggaer").flows)
    assert not result.success
    for sensor in (run_failure_alerts, check_failure_alerts):
        _tick(sensor, instance, cursors[sensor.name])

    run_text, check_text = receiver.texts
    assert run_text.startswith("Run failed: ") and result.run_id in run_text
    assert check_text.startswith("Check failed (ERROR): fusion/invoices gl_mapping")
    assert result.run_id in check_text and start.strftime("%Y-%m-%d-%H:%M") in check_text
    assert "mapping row" in check_text, "the check's description names what to fix"
    assert SECRET_PATH not in run_text + check_text


def test_a_successful_run_with_a_failed_check_is_posted_warnings_only_when_asked(
    store: Store,
    sims: LocalSimulators,
    instance: dg.DagsterInstance,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start, end = hours_ago(4), hours_ago(2)
    sims.fusion.seed_invoices(8, start, end, unmapped=3)
    cursor = _tick(check_failure_alerts, instance, None)

    result = run_flows(instance, start, end, direction_named("fusion_to_jaggaer").flows)
    assert result.success, result.failure
    _tick(check_failure_alerts, instance, cursor)
    assert receiver.texts == [], "records waiting on a mapping fail gl_mapping with WARN: routine, not posted"

    monkeypatch.setenv("ML_CONNECTOR_ALERT_ON_WARN", "true")
    _tick(check_failure_alerts, instance, cursor)
    [text] = receiver.texts
    assert text.startswith("Check failed (WARN): fusion/invoices gl_mapping") and result.run_id in text


def test_without_a_webhook_alerts_are_only_logged(
    store: Store, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ML_CONNECTOR_ALERT_WEBHOOK_URL", raising=False)
    cursor = _tick(run_failure_alerts, instance, None)
    current = current_hour()
    assert not run_purchase_orders(instance, current, current + timedelta(hours=1)).success
    assert _tick(run_failure_alerts, instance, cursor) != cursor


def test_an_unreachable_webhook_is_named_by_host_never_by_its_secret_path() -> None:
    with webhook() as receiver:
        receiver.answer = 503
        client = WebhookClient(SecretStr(receiver.url), 5.0, RetryPolicy(max_attempts=2, base_delay_seconds=0))
        with pytest.raises(AlertNotSent) as raised:
            client.post("hello")
        client.close()
    message = str(raised.value)
    assert "127.0.0.1" in message and "503" in message
    assert SECRET_PATH not in message and "s3cr3t" not in message


def test_credentials_in_urls_and_tokens_are_redacted() -> None:
    text = redact(
        "GET https://svc:hunter2@fusion.example.com/x?limit=5&access_token=abc.def failed; "
        "Authorization: Bearer eyJhbGciOi.xyz"
    )
    assert "hunter2" not in text and "abc.def" not in text and "eyJhbGciOi" not in text
    assert "https://***@fusion.example.com/x?limit=5&access_token=***" in text
