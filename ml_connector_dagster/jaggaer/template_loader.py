"""Finds and reads a tenant's purchase order template, or the packaged default, and validates it."""

import json
from importlib.resources import files
from pathlib import Path

from ml_connector_dagster.jaggaer.document_template import DocumentTemplate, TemplateError, compile_template

DEFAULT_TEMPLATE_SOURCE = "jaggaer purchase order template (packaged default)"


def template_source(path: str) -> str:
    return f"jaggaer purchase order template {path}"


def load_purchase_order_template(path: str | None) -> DocumentTemplate:
    """The template at `path`, or the packaged default for None; raises TemplateError naming the file."""
    if path is None:
        text = (files("ml_connector_dagster.jaggaer") / "templates" / "purchase_order.json").read_text("utf-8")
        return _parse(text, DEFAULT_TEMPLATE_SOURCE)
    source = template_source(path)
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise TemplateError(source, "$", f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    except UnicodeDecodeError:
        raise TemplateError(source, "$", "is not UTF-8 text") from None
    return _parse(text, source)


def _parse(text: str, source: str) -> DocumentTemplate:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(source, "$", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    return compile_template(value, source)
