"""What transactions need in JAGGAER before they post, set up for tests without a Dagster run of its own."""

from contextlib import closing
from datetime import UTC, datetime, timedelta

from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.connections import fusion_client, jaggaer_client
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.store import MappingRule, Store
from ml_connector_dagster.sync.post import Post
from ml_connector_dagster.sync.pull import Pull

# The common case: cost center = segment 2, and JAGGAER's GL field holds the whole combination.
RULE = MappingRule(delimiter=".", cost_center_segment=2, gl_account="combination")
# Far enough back that no test window overlaps the one the base suppliers are stamped into.
_REFERENCE_WINDOW_AGO = timedelta(hours=40)


def post_reference_data(store: Store, sims: LocalSimulators) -> None:
    """Cost centers, GL values, the suppliers orders and invoices name, and the GL rule, put in JAGGAER through
    the same engine a run uses."""
    store.gl_mappings.set_rule(RULE, "tests", "ml_connector_dagster_tests")
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - _REFERENCE_WINDOW_AGO
    end = start + timedelta(hours=1)
    sims.fusion.seed_suppliers(0, start, end)
    with closing(fusion_client(store)) as source, closing(jaggaer_client(store)) as target:
        for entity in ("cost_centers", "gl_accounts", "suppliers"):
            flow = flow_named(entity)
            Pull(store, flow.feed(source), flow.target, "test-setup").run(start, end)
            Post(store, flow.sink(target), flow.source, flow.entity, "test-setup").run(start, end)
