"""Finds and reads a tenant's document template, or the packaged default for its kind, and validates it."""

import json
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

from ml_connector_dagster.jaggaer.document_template import (
    DocumentTemplate,
    TemplateError,
    TemplateKind,
    compile_template,
)
from ml_connector_dagster.jaggaer.template_kinds import DEFAULT_TEMPLATE_SETTINGS, PURCHASE_ORDER


def template_source(kind: TemplateKind, path: str | None) -> str:
    where = "(packaged default)" if path is None else path
    return f"jaggaer {kind.noun} template {where}"


def load_template(
    kind: TemplateKind, path: str | None, settings: Mapping[str, str] = DEFAULT_TEMPLATE_SETTINGS
) -> DocumentTemplate:
    """The template at `path`, or the kind's packaged default for None; raises TemplateError naming the file.
    `settings` are the values its `$setting` directives may name."""
    source = template_source(kind, path)
    if path is None:
        text = (files("ml_connector_dagster.jaggaer") / "templates" / kind.file_name).read_text("utf-8")
        return _parse(kind, text, source, settings)
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise TemplateError(source, "$", f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    except UnicodeDecodeError:
        raise TemplateError(source, "$", "is not UTF-8 text") from None
    return _parse(kind, text, source, settings)


def load_purchase_order_template(
    path: str | None, settings: Mapping[str, str] = DEFAULT_TEMPLATE_SETTINGS
) -> DocumentTemplate:
    return load_template(PURCHASE_ORDER, path, settings)


def _parse(kind: TemplateKind, text: str, source: str, settings: Mapping[str, str]) -> DocumentTemplate:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(source, "$", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    return compile_template(kind, value, source, settings)
