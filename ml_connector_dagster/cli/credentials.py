"""`ml-connector credentials`: store, list, delete connection profiles; generate and rotate master keys."""

import json
from typing import Any, TextIO

import click
from pydantic import BaseModel, SecretStr

from ml_connector_dagster.cli.context import open_store
from ml_connector_dagster.fusion.connection import FusionConnection
from ml_connector_dagster.jaggaer.connection import JaggaerConnection
from ml_connector_dagster.jaggaer.export import SYSTEM as JAGGAER_EXPORT
from ml_connector_dagster.jaggaer.export import ExportCredentials
from ml_connector_dagster.netsuite.connection import SYSTEM as NETSUITE
from ml_connector_dagster.netsuite.connection import NetSuiteConnection
from ml_connector_dagster.netsuite.push import MIN_SECRET_LENGTH, PushCredentials, generate_secret
from ml_connector_dagster.netsuite.push import SYSTEM as NETSUITE_PUSH
from ml_connector_dagster.store import generate_key


@click.group()
def credentials() -> None:
    """Connection profiles, encrypted with ML_CONNECTOR_MASTER_KEY."""


@credentials.group("set")
def set_credentials() -> None:
    """Store (or replace) a connection profile."""


def _store_profile(system: str, profile: str, model: type[BaseModel], values: dict[str, Any]) -> None:
    given = {name: value for name, value in values.items() if value is not None}
    connection = model.model_validate(given)  # refuse an incomplete profile before anything is stored
    settings: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for name in given:
        value = getattr(connection, name)
        if isinstance(value, SecretStr):
            secrets[name] = value.get_secret_value()
        else:
            settings[name] = _as_text(value)
    with open_store() as store:
        store.vault.put(system, profile, settings=settings, secrets=secrets)
    click.echo(f"stored {system} profile '{profile}' ({len(secrets)} secret value(s) encrypted)")


def _as_text(value: Any) -> str:
    """Settings are kept as text the connection model reads back: JSON for lists and mappings."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _attribute_names(ctx: click.Context, param: click.Parameter, pairs: tuple[str, ...]) -> str | None:
    """`--attribute lines.Price=UnitPrice`, repeated, as the JSON object the profile keeps."""
    if not pairs:
        return None
    names: dict[str, str] = {}
    for pair in pairs:
        documented, equals, source = pair.partition("=")
        if not equals or not documented.strip() or not source.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=SOURCE, e.g. lines.Price=UnitPrice", ctx, param)
        names[documented.strip()] = source.strip()
    return json.dumps(names)


@set_credentials.command("fusion")
@click.option("--profile", default="default", show_default=True)
@click.option("--base-url", required=True, help="https://<pod>.fa.<region>.oraclecloud.com")
@click.option("--auth", type=click.Choice(["oauth", "basic"]), default="oauth", show_default=True)
@click.option("--token-url", help="https://idcs-<id>.identity.oraclecloud.com/oauth2/v1/token")
@click.option("--client-id")
@click.option("--client-secret", envvar="ML_CONNECTOR_FUSION_CLIENT_SECRET", help="or set that variable")
@click.option("--scope", help="urn:opc:resource:fa:instanceid=<id>urn:opc:resource:consumer::all")
@click.option("--username")
@click.option("--password", envvar="ML_CONNECTOR_FUSION_PASSWORD", help="or set that variable")
@click.option("--framework-version", type=int, help="REST-Framework-Version to pin (default 6, minimum 4)")
@click.option("--datetime-literal", type=click.Choice(["offset", "z"]), help="literal form used in q filters")
@click.option("--page-size", type=int, help="rows per page, at most 499")
@click.option("--max-concurrent-requests", type=int, help="requests in flight at once (default 4)")
@click.option("--keyset-form", type=click.Choice(["nested", "flat"]), help="how a window is paged (default nested)")
@click.option("--children", type=click.Choice(["expand", "links"]), help="children in the header page, or by link")
@click.option("--expanded-page-size", type=int, help="headers per page when children are expanded (default 250)")
@click.option("--cost-center-value-set", help="ValueSetCode of the cost-center segment (default CORP_COST_CENTER)")
@click.option("--segment-delimiter", help="what joins account segments in a combination (default .)")
@click.option(
    "--gl-segment-attributes", help="accountCombinationsLOV segment attributes, in order (default _SEGMENT1,…)"
)
@click.option(
    "--attribute",
    "attribute_names",
    multiple=True,
    callback=_attribute_names,
    metavar="NAME=SOURCE",
    help="the pod's name for a documented attribute, e.g. lines.Price=UnitPrice (repeatable)",
)
def set_fusion(profile: str, **values: Any) -> None:
    """Oracle Fusion: OAuth client credentials through the OCI IAM identity domain, or HTTP Basic."""
    if values["auth"] == "oauth" and values["client_secret"] is None:
        values["client_secret"] = click.prompt("Fusion client secret", hide_input=True)
    if values["auth"] == "basic" and values["password"] is None:
        values["password"] = click.prompt("Fusion password", hide_input=True)
    _store_profile("fusion", profile, FusionConnection, values)


@set_credentials.command("jaggaer")
@click.option("--profile", default="default", show_default=True)
@click.option("--instance-url", required=True, help="the customer instance URL serving the Keycloak token endpoint")
@click.option("--api-base-url", required=True, help="https://<env>-<region>.api.jaggaer.com")
@click.option("--client-id", required=True)
@click.option("--client-secret", envvar="ML_CONNECTOR_JAGGAER_CLIENT_SECRET", help="or set that variable")
@click.option("--realm", help="Keycloak realm (default J1p-integrations)")
@click.option("--purchase-order-path", help="the J1P purchase order path provisioned for the tenant")
@click.option("--po-upsert-supported/--no-po-upsert-supported", default=None, help="tenant accepts CREATEUPDATE")
@click.option(
    "--purchase-order-template",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    help="the tenant's purchase order document template (JSON); default: the packaged one",
)
@click.option(
    "--purchase-order-list-path", help="where list answers hold documents (default purchaseOrderList.purchaseOrder)"
)
@click.option("--max-concurrent-requests", type=int, help="requests in flight at once (default 4)")
@click.option("--write-rate-per-second", type=float, help="cap on purchase order writes per second")
@click.option("--not-found-codes", help='returnCodes that mean "no such document", e.g. "40,44" (default 40)')
@click.option("--lookup-batch-size", type=int, help="PO numbers per lookup request (default 50; 1 = no =in= filter)")
@click.option("--supplier-path", help="the J1P company profile path (default …/ja/v1/companyprofiles)")
@click.option(
    "--supplier-list-path", help="where company profile lists hold their documents (default returnCompanyData)"
)
@click.option("--supplier-template", type=click.Path(exists=True, dir_okay=False), help="company profile template")
@click.option("--invoice-path", help="the J1P invoice path (default …/ji/v1/invoices)")
@click.option("--invoice-list-path", help="where invoice lists hold their documents (default jiinvoiceList.jiinvoice)")
@click.option("--invoice-import-path", help="the invoice import path (default …/ji/v1/invoices/ocr)")
@click.option("--invoice-cancel-path", help="the invoice cancel path, {invoiceId} in it")
@click.option("--invoice-template", type=click.Path(exists=True, dir_okay=False), help="invoice document template")
@click.option("--custom-field-value-path", help="the tenant's custom-field value path")
@click.option("--custom-field-value-list-path", help="where custom-field value lists hold their documents")
@click.option("--cost-center-field", help='the custom field holding cost centers (default "Cost Center")')
@click.option("--gl-account-field", help='the custom field holding GL values (default "Account")')
def set_jaggaer(profile: str, **values: Any) -> None:
    """JAGGAER J1P: OAuth client credentials at the instance's Keycloak realm."""
    if values["client_secret"] is None:
        values["client_secret"] = click.prompt("JAGGAER client secret", hide_input=True)
    _store_profile("jaggaer", profile, JaggaerConnection, values)


@set_credentials.command("netsuite")
@click.option("--profile", default="default", show_default=True)
@click.option("--account-id", required=True, help="the NetSuite account id, e.g. 1234567 or 1234567_SB1")
@click.option("--auth", type=click.Choice(["m2m", "tba"]), default="m2m", show_default=True)
@click.option("--client-id", help="m2m: the integration record's client id")
@click.option("--certificate-id", help="m2m: the certificate id of the M2M mapping (the JWT kid)")
@click.option(
    "--private-key-file",
    type=click.File("r"),
    help="m2m: the PEM private key of the certificate; read from the file and stored encrypted",
)
@click.option("--algorithm", help="m2m: PS256 (default), PS384, PS512, ES256, ES384 or ES512")
@click.option("--consumer-key", help="tba: the integration record's consumer key")
@click.option("--consumer-secret", envvar="ML_CONNECTOR_NETSUITE_CONSUMER_SECRET", help="tba; or set that variable")
@click.option("--token-id", help="tba: the access token id")
@click.option("--token-secret", envvar="ML_CONNECTOR_NETSUITE_TOKEN_SECRET", help="tba; or set that variable")
@click.option("--account-timezone", help="the account's time zone, IANA (default America/Los_Angeles)")
@click.option("--max-concurrent-requests", type=int, help="requests in flight at once (default 2)")
@click.option("--base-url", help="only to point at a simulator: derived from the account id otherwise")
def set_netsuite(profile: str, private_key_file: TextIO | None, **values: Any) -> None:
    """Oracle NetSuite: OAuth 2.0 client credentials with a certificate-signed JWT (m2m), or Token-Based
    Authentication (tba)."""
    if values["auth"] == "m2m":
        if private_key_file is None:
            raise click.UsageError("--private-key-file is required with --auth m2m")
        values["private_key"] = private_key_file.read()
    if values["auth"] == "tba":
        for name, label in (("consumer_secret", "consumer secret"), ("token_secret", "token secret")):
            if values[name] is None:
                values[name] = click.prompt(f"NetSuite {label}", hide_input=True)
    _store_profile(NETSUITE, profile, NetSuiteConnection, values)


@set_credentials.command("jaggaer-export")
@click.option("--profile", default="default", show_default=True)
@click.option("--identity", required=True, help="the Identity JAGGAER sends in Document Export headers")
@click.option("--shared-secret", envvar="ML_CONNECTOR_JAGGAER_EXPORT_SHARED_SECRET", help="or set that variable")
def set_jaggaer_export(profile: str, **values: Any) -> None:
    """JAGGAER Document Export: what `ml-connector receiver` checks each pushed document's header against."""
    if values["shared_secret"] is None:
        values["shared_secret"] = click.prompt("JAGGAER Document Export shared secret", hide_input=True)
    _store_profile(JAGGAER_EXPORT, profile, ExportCredentials, values)


@set_credentials.command("netsuite-push")
@click.option("--profile", default="default", show_default=True)
@click.option(
    "--secret-file",
    type=click.File("r"),
    help="a file holding the shared secret (surrounding whitespace ignored); stored encrypted",
)
@click.option("--generate", is_flag=True, help="generate a new secret and print it once, to paste into NetSuite")
def set_netsuite_push(profile: str, secret_file: TextIO | None, generate: bool) -> None:
    """NetSuite push: the secret the SuiteScript signs change notifications with, which `ml-connector receiver
    --netsuite` checks them against. Without --secret-file or --generate it is asked for."""
    if secret_file is not None and generate:
        raise click.UsageError("--secret-file and --generate are exclusive: give one")
    if generate:
        secret = generate_secret().get_secret_value()
    elif secret_file is not None:
        secret = secret_file.read().strip()
    else:
        secret = click.prompt(
            f"NetSuite push shared secret (at least {MIN_SECRET_LENGTH} characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
    _store_profile(NETSUITE_PUSH, profile, PushCredentials, {"shared_secret": secret})
    if generate:
        click.echo("the secret, shown this once: store it in NetSuite as an API secret (docs/netsuite-push.md)")
        click.echo(secret)


@credentials.command("list")
def list_credentials() -> None:
    """Stored profiles with their non-secret settings."""
    with open_store() as store:
        profiles = store.vault.list()
        if not profiles:
            click.echo("no credentials stored")
        for system, profile in profiles:
            stored = store.vault.get(system, profile)
            assert stored is not None
            shown = ", ".join(f"{k}={v}" for k, v in sorted(stored.settings.items()))
            hidden = ", ".join(f"{k}=(encrypted)" for k in sorted(stored.secrets))
            click.echo(f"{system}/{profile}: {shown}; {hidden}")


@credentials.command("delete")
@click.argument("system", type=click.Choice(["fusion", "jaggaer", NETSUITE, JAGGAER_EXPORT, NETSUITE_PUSH]))
@click.option("--profile", default="default", show_default=True)
def delete_credentials(system: str, profile: str) -> None:
    with open_store() as store:
        deleted = store.vault.delete(system, profile)
    click.echo(f"deleted {system}/{profile}" if deleted else f"no {system}/{profile} profile stored")


@credentials.command("generate-key")
def generate_key_command() -> None:
    """Print a new Fernet key for ML_CONNECTOR_MASTER_KEY."""
    click.echo(generate_key())


@credentials.command("rotate-key")
def rotate_key() -> None:
    """Re-encrypt everything under the first key of ML_CONNECTOR_MASTER_KEY ("new,old")."""
    with open_store() as store:
        count = store.vault.rotate()
    click.echo(f"re-encrypted {count} stored value(s) under the first key; the old key can now be dropped")
