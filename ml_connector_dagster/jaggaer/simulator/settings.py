"""How the simulated JAGGAER tenant behaves where the public evidence leaves a choice open."""

from typing import Literal

from pydantic import BaseModel, Field


class JaggaerSimSettings(BaseModel):
    """Defaults mirror what public J1P clients have seen; every [unverified] behaviour is a knob so the
    connector can be tested against each plausible answer, the least forgiving one by default."""

    client_id: str = "jaggaer-sim-client"
    client_secret: str = "jaggaer-sim-secret"
    realm: str = "J1p-integrations"
    # Keycloak's default is 5 minutes; JAGGAER does not publish the real lifetime.
    token_expires_in: int = Field(default=300, ge=1)
    # JAGGAER provisions PO paths per tenant, so this default is only a placeholder a client must not assume.
    purchase_order_path: str = Field(default="/j1p/api/public/po/v1/purchaseorders", pattern=r"^(/[A-Za-z0-9._~-]+)+$")
    # [unverified] CREATEUPDATE is seen on company profiles only; off forces the look-up-then-create path.
    po_upsert_supported: bool = False
    # [unverified] what CREATE of an existing poNumber does; "store" keeps a duplicate, the worst case.
    duplicate_po_number: Literal["store", "reject"] = "store"
    # [unverified] J1P publishes no page sizes; a client must advance by `returnedRecords`, not by `limit`.
    default_page_size: int = Field(default=50, ge=1)
    max_page_size: int = Field(default=200, ge=1)
    # J1P PO schemas are provisioned per tenant. "flat": header fields at the top of the document, as the
    # connector's default template writes them. "header": header fields (poNumber, poId, lastModTime too) under
    # `header`, lines in `lineList: {line: [...]}`, nothing else accepted at the top; write answers carry
    # `header.poId`.
    document_shape: Literal["flat", "header"] = "flat"
    # [unverified] the returnCode for an unknown poId; public clients have seen 40.
    not_found_code: int = 40
    # [unverified] FIQL `=in=` is seen on J1P lists, not on every tenant's PO path; off answers it as an
    # invalid query, as a tenant without it would.
    fiql_in_supported: bool = True
    # Where list answers put their documents, as dotted members.
    list_wrapper: str = Field(default="purchaseOrderList.purchaseOrder", pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
