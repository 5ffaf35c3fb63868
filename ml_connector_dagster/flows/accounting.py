"""How a transaction is filled in with what the target knows once its needs are met (`Needs.apply`): the
supplier number and the mapped cost center and GL value of every distribution, whichever ERP it came from."""

from collections.abc import Mapping

from ml_connector_dagster.records import ChargeAccount, Invoice, MappedAccount, PurchaseOrder


def order_ready(order: PurchaseOrder, mapped: Mapping[ChargeAccount, MappedAccount], number: str) -> PurchaseOrder:
    return order.with_accounting(mapped, number)


def invoice_ready(invoice: Invoice, mapped: Mapping[ChargeAccount, MappedAccount], _: str) -> Invoice:
    return invoice.with_accounting(mapped)
