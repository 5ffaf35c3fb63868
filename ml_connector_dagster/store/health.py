"""What `ml-connector status` shows of one flow: aggregates over the queues and the audit trail, never a whole
queue loaded, and token expiries read without decrypting a token (no master key needed)."""

from pydantic import AwareDatetime
from sqlalchemy import Engine, func, select

from ml_connector_dagster.store.models import AuditStatus, _Row
from ml_connector_dagster.store.tables import audit_trail, pending, quarantine, token_cache


class FlowHealth(_Row):
    entity: str
    pending: int
    oldest_waiting: AwareDatetime | None
    quarantined: int
    last_run_id: str | None
    failed_in_last_run: int


class TokenExpiry(_Row):
    system: str
    profile: str
    expires_at: AwareDatetime


class HealthQueries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def flow(self, source_system: str, target_system: str, entity: str) -> FlowHealth:
        waiting = select(func.count(), func.min(pending.c.since)).where(
            pending.c.source_system == source_system,
            pending.c.target_system == target_system,
            pending.c.entity == entity,
        )
        quarantined = select(func.count()).where(
            quarantine.c.source_system == source_system,
            quarantine.c.entity == entity,
            quarantine.c.resolved_at.is_(None),
        )
        # The last run that moved a record of the entity, either way: the pull audits at the source, the post at
        # the target.
        last_run = (
            select(audit_trail.c.run_id)
            .where(audit_trail.c.entity == entity, audit_trail.c.system.in_((source_system, target_system)))
            .order_by(audit_trail.c.recorded_at.desc(), audit_trail.c.id.desc())
            .limit(1)
        )
        with self._engine.connect() as connection:
            count, oldest = connection.execute(waiting).one()
            open_count = connection.execute(quarantined).scalar_one()
            run_id = connection.execute(last_run).scalar()
            failed = 0
            if run_id is not None:
                failed = connection.execute(
                    select(func.count()).where(
                        audit_trail.c.run_id == run_id,
                        audit_trail.c.entity == entity,
                        audit_trail.c.status == AuditStatus.FAILED.value,
                    )
                ).scalar_one()
        return FlowHealth(
            entity=entity,
            pending=count,
            oldest_waiting=oldest,
            quarantined=open_count,
            last_run_id=run_id,
            failed_in_last_run=failed,
        )

    def token_expiries(self) -> list[TokenExpiry]:
        statement = select(token_cache.c.system, token_cache.c.profile, token_cache.c.expires_at).order_by(
            token_cache.c.system, token_cache.c.profile
        )
        with self._engine.connect() as connection:
            return [
                TokenExpiry(system=system, profile=profile, expires_at=expires_at)
                for system, profile, expires_at in connection.execute(statement)
            ]
