"""Errors a person can act on: one sentence naming what to set or start, never a traceback, and exit codes a
script can rely on (docs/operations.md). The installed command runs in a subprocess, as a user runs it; the
variations of one behaviour run in-process through click's runner (`in_process=True`) to save interpreter starts.
"""

from datetime import timedelta

import dagster as dg
import httpx
import pytest

from ml_connector_dagster.cli.exit_codes import ExitCode
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli
from ml_connector_dagster_tests.conftest import current_hour, hours_ago

DEAD_POSTGRES = "postgresql://nobody@127.0.0.1:1/x"
STORE_UNREACHABLE = (
    f'cannot reach the store database {DEAD_POSTGRES} (connection to server at "127.0.0.1", port 1 failed: '
    "Connection refused): start it, or set ML_CONNECTOR_DATABASE_URL"
)
NOT_A_URL = (
    "ML_CONNECTOR_DATABASE_URL is not a database URL: use sqlite:///path/to/file.db or "
    "postgresql://user@host:5432/database"
)
BEFORE_START = (
    "--start 2026-03-01 00:00 UTC is before the first sync window (ML_CONNECTOR_PARTITION_START=2026-06-01-00:00): "
    "start at 2026-06-01 00:00 UTC or later, or set ML_CONNECTOR_PARTITION_START (format YYYY-MM-DD-HH:MM) to an "
    "earlier window"
)
# March 2026, whole hours: a range that is before ML_CONNECTOR_PARTITION_START=2026-06-01-00:00.
MARCH = ("--start", "2026-03-01 00:00", "--end", "2026-03-02 00:00")


def refused_with(cli: ConnectorCli, env: dict[str, str], *args: str, in_process: bool = False) -> str:
    """The one `Error:` line of a command refused with exit code 1, run with `env` added."""
    result = cli.invoke(*args, extra_env=env) if in_process else cli.run(*args, extra_env=env)
    assert result.code == ExitCode.CONFIGURATION, result.describe()
    assert "Traceback" not in result.output, result.describe()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.describe()
    return lines[0].removeprefix("Error: ")


def sync_range(start: str, end: str) -> tuple[str, ...]:
    return ("sync", "purchase-orders", "--start", start, "--end", end)


# The store's database


def test_an_unreachable_store_database_is_one_sentence(cli: ConnectorCli) -> None:
    dead = {"ML_CONNECTOR_DATABASE_URL": DEAD_POSTGRES}
    assert refused_with(cli, dead, "credentials", "list") == STORE_UNREACHABLE
    assert refused_with(cli, dead, *sync_range("2026-01-01", "2026-01-02")) == STORE_UNREACHABLE
    for args in (("audit",), ("ping", "fusion")):
        assert refused_with(cli, dead, *args, in_process=True) == STORE_UNREACHABLE


def test_a_malformed_database_url_is_named_without_echoing_it(cli: ConnectorCli) -> None:
    secret = "pa55-in-a-broken-url"
    assert refused_with(cli, {"ML_CONNECTOR_DATABASE_URL": "not a url"}, "audit") == NOT_A_URL
    broken_port = {"ML_CONNECTOR_DATABASE_URL": f"postgresql://user:{secret}@db-host:port/connector"}
    assert refused_with(cli, broken_port, "credentials", "list", in_process=True) == NOT_A_URL
    unsupported = refused_with(cli, {"ML_CONNECTOR_DATABASE_URL": "mysql://user@db-host/x"}, "audit", in_process=True)
    assert unsupported.startswith("unsupported store URL mysql://user@db-host/x: use sqlite:///")
    assert secret not in cli.all_output()


# The Dagster instance


def test_sync_without_dagster_home_says_what_to_set(cli: ConnectorCli, simulators: LocalSimulators) -> None:
    cli.point_at(simulators)
    result = cli.run(*sync_range("2026-01-01 00:00", "2026-01-01 01:00"), unset=("DAGSTER_HOME",))
    assert result.code == ExitCode.CONFIGURATION, result.describe()
    assert result.stderr.strip() == (
        "Error: DAGSTER_HOME is not set: set it to the folder of the Dagster instance that records runs, holding "
        "the project's dagster.yaml (e.g. export DAGSTER_HOME=/srv/dagster)"
    ), result.describe()
    missing = refused_with(
        cli, {"DAGSTER_HOME": str(cli.root / "nowhere")}, *sync_range("2026-01-01", "2026-01-02"), in_process=True
    )
    assert missing == (
        f"DAGSTER_HOME={cli.root / 'nowhere'} is not a folder: create it and copy the project's dagster.yaml into it"
    )


def test_an_unreachable_dagster_instance_database_is_one_sentence(
    cli: ConnectorCli, simulators: LocalSimulators
) -> None:
    cli.point_at(simulators)
    (cli.dagster_home / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url: postgresql+psycopg2://nobody:pw-of-nobody@127.0.0.1:1/dagster\n"
    )
    message = refused_with(cli, {}, *sync_range("2026-01-01", "2026-01-02"))
    assert message == (
        f"cannot reach the Dagster instance database configured in {cli.dagster_home / 'dagster.yaml'} "
        '(connection to server at "127.0.0.1", port 1 failed: Connection refused): start it, or correct the '
        "storage block and the variables it reads"
    )
    assert "pw-of-nobody" not in cli.all_output()


def test_instance_variables_that_are_not_set_are_named(cli: ConnectorCli, simulators: LocalSimulators) -> None:
    cli.point_at(simulators)
    (cli.dagster_home / "dagster.yaml").write_text("storage:\n  postgres:\n    postgres_url: {env: DAGSTER_PG_URL}\n")
    message = refused_with(cli, {}, *sync_range("2026-01-01", "2026-01-02"), in_process=True)
    assert message == (
        f"{cli.dagster_home / 'dagster.yaml'} reads DAGSTER_PG_URL, not set here: set it for every Dagster process "
        "and `ml-connector sync`"
    )


# Ranges and the forms of --start and --end


def test_a_range_before_the_partitions_start_names_the_setting(cli: ConnectorCli) -> None:
    later_start = {"ML_CONNECTOR_PARTITION_START": "2026-06-01-00:00"}
    assert refused_with(cli, later_start, "sync", "purchase-orders", *MARCH) == BEFORE_START


@pytest.mark.parametrize(
    "written",
    ["2026-03-01 00:00", "2026-03-01 00:00:00", "2026-03-01", "2026-03-01T00:00", "2026-03-01T00:00Z"]
    + ["2026-03-01T00:00:00+00:00", "2026-03-01T02:00+02:00", "2026-02-28T19:00-05:00"],
)
def test_start_and_end_take_the_documented_forms_in_utc(cli: ConnectorCli, written: str) -> None:
    """Each form reaches the range check as 2026-03-01 00:00 UTC (refused there only because the end comes
    first, which keeps the test off any real sync)."""
    message = refused_with(cli, {}, *sync_range(written, "2026-02-28 23:00"), in_process=True)
    assert message == "--end 2026-02-28 23:00 UTC must be after --start 2026-03-01 00:00 UTC"


def test_a_time_that_is_not_a_window_boundary_is_refused_with_the_nearest_ones(cli: ConnectorCli) -> None:
    message = refused_with(cli, {}, *sync_range("2026-03-01 00:30", "2026-03-01 03:00"), in_process=True)
    assert message == (
        "--start 2026-03-01 00:30 UTC is not a sync window boundary (windows follow "
        "ML_CONNECTOR_PARTITION_CRON='0 * * * *'): use 2026-03-01 00:00 UTC or 2026-03-01 01:00 UTC"
    )
    backwards = refused_with(cli, {}, *sync_range("2026-03-02", "2026-03-01"), in_process=True)
    assert backwards == "--end 2026-03-01 00:00 UTC must be after --start 2026-03-02 00:00 UTC"


def test_an_unreadable_time_is_a_usage_error(cli: ConnectorCli) -> None:
    result = cli.run(*sync_range("2026-3-1", "2026-03-02"))
    assert result.code == ExitCode.USAGE, result.describe()
    assert "Traceback" not in result.output
    assert result.stderr.strip().endswith(
        "Error: Invalid value for '--start': '2026-3-1' is not a date and time: use YYYY-MM-DD, "
        "'YYYY-MM-DD HH:MM[:SS]' or ISO 8601 such as 2026-03-01T00:00Z"
    ), result.describe()
    missing = cli.invoke("sync", "purchase-orders", "--start", "2026-03-01")
    assert missing.code == ExitCode.USAGE and "Missing option '--end'" in missing.stderr, missing.describe()


# Exit codes of sync: 3 when records failed, 4 when the run failed


def test_sync_exits_3_when_the_run_completed_but_records_failed(cli: ConnectorCli, simulators: LocalSimulators) -> None:
    start, end = hours_ago(9), hours_ago(8)
    simulators.fusion.seed_purchase_orders(5, start, end)
    cli.point_at(simulators)
    cli.post_reference_data(simulators)
    # JAGGAER refuses two writes outright.
    refuse = {"mode": "respond", "status": 400, "method": "POST", "path_contains": "purchaseorders", "times": 2}
    httpx.put(f"{simulators.jaggaer_url}/__sim__/faults", json={"rules": [refuse]}).raise_for_status()

    result = cli.run(*sync_range(f"{start:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}"))

    assert result.code == ExitCode.RECORDS_FAILED, result.describe()
    assert "Traceback" not in result.output
    run_id = result.stdout.splitlines()[0].removeprefix("run ")
    assert (
        result.stdout.splitlines()[1] == "purchase_orders: pulled=5 posted=3 skipped=0 quarantined=0 failed=2 pending=0"
    )
    assert result.stderr.strip() == (
        f"Error: 2 record(s) failed: `ml-connector audit --run-id {run_id} --status failed` lists them with the reason"
    ), result.describe()


def test_sync_exits_4_when_the_run_failed_naming_the_step_and_why(
    cli: ConnectorCli, simulators: LocalSimulators
) -> None:
    cli.point_at(simulators)
    # The current hour's window has not closed, let alone settled.
    current = current_hour()
    result = cli.run(*sync_range(f"{current:%Y-%m-%d %H:%M}", f"{current + timedelta(hours=1):%Y-%m-%d %H:%M}"))

    assert result.code == ExitCode.RUN_FAILED, result.describe()
    assert "Traceback" not in result.output
    run_line, counts_line = result.stdout.strip().splitlines()
    assert counts_line == "purchase_orders: pulled=0 posted=0 skipped=0 quarantined=0 failed=0 pending=0"
    [error] = result.stderr.strip().splitlines()
    assert error.startswith(f"Error: {run_line} failed: fusion__purchase_orders: window "), result.describe()
    assert "can be read from" in error, result.describe()


def test_sync_without_stored_credentials_starts_no_run(cli: ConnectorCli) -> None:
    message = refused_with(cli, {}, *sync_range(f"{hours_ago(3):%Y-%m-%d %H:%M}", f"{hours_ago(2):%Y-%m-%d %H:%M}"))
    assert message == "no fusion credentials stored for profile 'default': run `ml-connector credentials set fusion`"
    with dg.DagsterInstance.from_config(str(cli.dagster_home)) as instance:
        assert instance.get_runs() == []
