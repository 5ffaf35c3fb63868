from ml_connector_dagster_tests.test_flows_sync import _first_sync, _custom_field_values, END, START, run_flows, timedelta
from ml_connector_dagster_tests.conftest import *  # noqa

def test_later_window(plain_store, sims, instance):
    _first_sync(plain_store, sims, instance)
    sims.fusion.set_cost_center_enabled("30", False)
    later = run_flows(instance, END, END + timedelta(hours=1))
    print({k: v.line() for k, v in later.by_entity.items()})
    print(_custom_field_values(sims, "Cost Center")["30"])
    same = run_flows(instance, START, END)
    print({k: v.line() for k, v in same.by_entity.items()})
