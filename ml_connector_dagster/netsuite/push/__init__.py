"""NetSuite push: the receiver a customer's SuiteScript (`suitescript/`) sends change notifications to, which
queues them in the store for the `netsuite_pushes` sensor. An accelerator only: polling stays the source of truth."""

from ml_connector_dagster.netsuite.push.app import AUDIT_ENTITY, AUDIT_SYSTEM, NO_ID, NetSuitePushReceiver
from ml_connector_dagster.netsuite.push.notification import (
    DOCUMENT_TYPE_PREFIX,
    ChangeNotification,
    PushRefused,
    inbound_document,
    parse_notification,
)
from ml_connector_dagster.netsuite.push.settings import (
    CREDENTIALS_COMMAND,
    MIN_SECRET_LENGTH,
    SYSTEM,
    PushCredentials,
    PushSettings,
)
from ml_connector_dagster.netsuite.push.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    generate_secret,
    signature,
    signature_matches,
    signed_headers,
)

__all__ = [
    "AUDIT_ENTITY",
    "AUDIT_SYSTEM",
    "CREDENTIALS_COMMAND",
    "DOCUMENT_TYPE_PREFIX",
    "MIN_SECRET_LENGTH",
    "NO_ID",
    "SIGNATURE_HEADER",
    "SYSTEM",
    "TIMESTAMP_HEADER",
    "ChangeNotification",
    "NetSuitePushReceiver",
    "PushCredentials",
    "PushRefused",
    "PushSettings",
    "generate_secret",
    "inbound_document",
    "parse_notification",
    "signature",
    "signature_matches",
    "signed_headers",
]
