"""GL mapping rows to and from CSV, with every problem reported by line and column before anything is kept."""

import csv
import io
from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ml_connector_dagster.store.gl_mapping_models import MappingRow

COLUMNS = ("combination", "code_combination_id", "cost_center", "gl_account", "note")
_REQUIRED = ("cost_center", "gl_account")
_KEYS = ("combination", "code_combination_id")


class MappingImportError(Exception):
    """A mapping file that cannot be imported; `errors` holds one "line N: <field>: <problem>" per problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the mapping file, nothing imported:\n" + "\n".join(errors))
        self.errors = errors


def export_csv(rows: Sequence[MappingRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if (value := getattr(row, name)) is None else value for name in COLUMNS])
    return out.getvalue()


def parse_csv(text: str) -> list[MappingRow]:
    """The file's rows; raises MappingImportError listing every bad line. The header is line 1."""
    # Spreadsheet programs like to start their CSV with a byte-order mark.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [name.strip() for name in next(reader, [])]
    errors = _header_errors(header)
    if errors:
        raise MappingImportError(errors)
    rows: list[MappingRow] = []
    first_line: dict[tuple[str | None, int | None], int] = {}
    line_end = reader.line_num
    for fields in reader:
        # A quoted field may span lines: a row starts on the line after the previous row ended.
        line, line_end = line_end + 1, reader.line_num
        if not any(field.strip() for field in fields):
            continue
        row, problems = _row(header, fields)
        errors += [f"line {line}: {problem}" for problem in problems]
        if row is None:
            continue
        key = (row.combination, row.code_combination_id)
        if key in first_line:
            field = "combination" if row.combination is not None else "code_combination_id"
            errors.append(f"line {line}: {field}: {row.subject} is already mapped on line {first_line[key]}")
            continue
        first_line[key] = line
        rows.append(row)
    if errors:
        raise MappingImportError(errors)
    return rows


def _header_errors(header: list[str]) -> list[str]:
    if not any(header):
        return [f"line 1: header: missing; expected the columns {', '.join(COLUMNS)}"]
    errors = [
        f"line 1: {name or '(blank)'}: unknown column; expected some of {', '.join(COLUMNS)}"
        for name in header
        if name not in COLUMNS
    ]
    errors += [f"line 1: {name}: column appears more than once" for name in COLUMNS if header.count(name) > 1]
    errors += [f"line 1: {name}: missing column" for name in _REQUIRED if name not in header]
    if not any(name in header for name in _KEYS):
        errors.append("line 1: combination: missing column; give combination or code_combination_id or both")
    return errors


def _row(header: list[str], fields: list[str]) -> tuple[MappingRow | None, list[str]]:
    if len(fields) != len(header):
        return None, [f"row: has {len(fields)} fields, the header has {len(header)}"]
    values: dict[str, str | int | None] = {
        name: field.strip() or None for name, field in zip(header, fields, strict=True)
    }
    problems = [f"{name}: missing" for name in _REQUIRED if values[name] is None]
    code = values.get("code_combination_id")
    if isinstance(code, str):
        try:
            values["code_combination_id"] = int(code)
        except ValueError:
            problems.append(f"code_combination_id: {code!r} is not a whole number")
    if problems:
        return None, problems
    try:
        return MappingRow.model_validate(values), []
    except ValidationError as exc:
        return None, [_problem(error) for error in exc.errors()]


def _problem(error: ErrorDetails) -> str:
    # The one model-level rule is about the key columns.
    field = str(error["loc"][0]) if error["loc"] else "combination"
    return f"{field}: {error['msg'].removeprefix('Value error, ')}"
