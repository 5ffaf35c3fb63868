"""Reference data kept alike in both systems: each entity's Fusion and JAGGAER halves (sync/two_way.py)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ml_connector_dagster.flows.netsuite_jaggaer import NETSUITE_ACCOUNTS, NETSUITE_DEPARTMENTS, NETSUITE_VENDORS
from ml_connector_dagster.fusion.reference_sides import FusionCostCenterSide, FusionGLValueSide, FusionSupplierSide
from ml_connector_dagster.jaggaer.reference_sides import JaggaerSupplierSide, cost_centers, gl_values
from ml_connector_dagster.sync.ports import ReferenceSide


@dataclass(frozen=True)
class TwoWayEntity:
    entity: str
    title: str
    fusion: Callable[[Any], ReferenceSide]
    jaggaer: Callable[[Any], ReferenceSide]
    description: str
    # The one-way flows of other ERPs that write this entity's records to JAGGAER: theirs, not Fusion's.
    others: tuple[str, ...] = ()


TWO_WAY: tuple[TwoWayEntity, ...] = (
    TwoWayEntity(
        "suppliers",
        "Suppliers",
        FusionSupplierSide,
        JaggaerSupplierSide,
        "Supplier name, status and addresses, aligned between Fusion suppliers and JAGGAER company profiles.",
        others=(NETSUITE_VENDORS.entity,),
    ),
    TwoWayEntity(
        "cost_centers",
        "Cost centers",
        FusionCostCenterSide,
        cost_centers,
        "Cost-center values (description, enabled), aligned between Fusion's cost-center value set and "
        "JAGGAER's cost-center custom field.",
        others=(NETSUITE_DEPARTMENTS.entity,),
    ),
    TwoWayEntity(
        "gl_values",
        "GL values",
        FusionGLValueSide,
        gl_values,
        "GL account combinations (enabled), aligned between Fusion's accountCombinationsLOV and JAGGAER's GL "
        "custom field. Fusion's combinations cannot be written through REST: Fusion's version always stands.",
        others=(NETSUITE_ACCOUNTS.entity,),
    ),
)
