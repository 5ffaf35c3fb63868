"""Opens what a flow's step needs from its resources: the store and the two systems' clients, as adapters."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import dagster as dg

from ml_connector_dagster.flows import FLOWS, Flow
from ml_connector_dagster.settings import ConnectorSettings
from ml_connector_dagster.store import Store
from ml_connector_dagster.sync.dependencies import DependencyCheck
from ml_connector_dagster.sync.echoes import Echoes, Writer
from ml_connector_dagster.sync.ports import EchoingFeed, SourceFeed, TargetSink
from ml_connector_dagster.sync.post import Post
from ml_connector_dagster.sync.pull import Pull
from ml_connector_dagster.sync.reconcile import Reconciliation


@contextmanager
def opened_store(context: dg.OpExecutionContext | dg.AssetExecutionContext) -> Iterator[Store]:
    with context.resources.store.open() as store:
        yield store


@contextmanager
def source_feed(context: dg.AssetExecutionContext, flow: Flow, store: Store) -> Iterator[SourceFeed]:
    with getattr(context.resources, flow.source_resource).client(store) as client:
        feed = flow.feed(client)
        # A named connection's flow keeps its records in the store under its own entity name.
        feed.entity = flow.entity
        yield feed


@contextmanager
def target_sink(context: dg.AssetExecutionContext, flow: Flow, store: Store) -> Iterator[TargetSink]:
    with getattr(context.resources, flow.target_resource).client(store) as client:
        yield flow.sink(client)


def has_profiles(context: dg.OpExecutionContext, flow: Flow) -> bool:
    """Whether both systems of the flow have the credential profile their resources name stored."""
    with context.resources.store.open() as store:
        return all(
            store.vault.get(system, getattr(context.resources, flow.resource(system)).profile) is not None
            for system in (flow.source, flow.target)
        )


def dependency_check(flow: Flow, store: Store) -> DependencyCheck | None:
    if flow.needs is None:
        return None
    return DependencyCheck(flow.needs, flow.record_type, store, flow.source, flow.target)


def echoes_of(flow: Flow, store: Store, feed: SourceFeed) -> Echoes | None:
    """What the flow's feed must not read back: the records the flows it names in `echoes` wrote."""
    writers = [Writer(other.source, other.entity) for other in FLOWS if other.entity in flow.echoes]
    return Echoes(store, cast(EchoingFeed, feed), writers) if writers else None


def new_pull(flow: Flow, store: Store, feed: SourceFeed, run_id: str) -> Pull:
    return Pull(store, feed, target_system=flow.target, run_id=run_id, echoes=echoes_of(flow, store, feed))


def new_post(flow: Flow, store: Store, sink: TargetSink, run_id: str, settings: ConnectorSettings) -> Post:
    return Post(store, sink, flow.source, flow.entity, run_id, dependency_check(flow, store), settings.backoff)


def new_reconciliation(flow: Flow, store: Store, feed: SourceFeed, sink: TargetSink) -> Reconciliation:
    return Reconciliation(store, feed, sink, flow.entity, echoes_of(flow, store, feed))
