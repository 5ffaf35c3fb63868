"""`ml-connector mappings` as a user runs it: import (all or nothing), export, the rule, the history, and the
check that finds charge accounts no mapping covers, each for one ERP. The installed command on a real SQLite store."""

import re
from datetime import datetime
from pathlib import Path

import dagster as dg

from ml_connector_dagster.cli.runs import run_flows
from ml_connector_dagster.cli.simulators import LocalSimulators
from ml_connector_dagster.flows import flow_named
from ml_connector_dagster.store import Store
from ml_connector_dagster_tests.cli_fixtures import ConnectorCli

from .conftest import ConnectorEnv, hours_ago

HEADER = "combination,code_combination_id,cost_center,gl_account,note"
GOOD = f"""{HEADER}
101.10.5000,,10,101.10.5000,
101.20.6100,,20,101.20.6100,"travel, domestic"
,300100,30,101.30.7000,by id
"""
BAD = f"""{HEADER}
101.10.5000,,10,101.10.5000,fine
,,10,5000,no key
101.20.5000,,,101.20.5000,
,abc,10,5000,
101.10.5000,,20,101.20.5000,twice
101.30.5000,,30
"""
# Every bad line of BAD, with the field at fault.
BAD_LINES = [
    "bad.csv: line 3: combination: give exactly one of combination and code_combination_id (neither is set)",
    "bad.csv: line 4: cost_center: missing",
    "bad.csv: line 5: code_combination_id: 'abc' is not a whole number",
    "bad.csv: line 6: combination: 101.10.5000 is already mapped on line 2",
    "bad.csv: line 7: row: has 3 fields, the header has 5",
]
# One history line: when, who, what (padded to 12), which row or the rule, before → after, (where from).
HISTORY_LINE = re.compile(
    r"(?P<when>\S+)  (?P<who>\S+)  (?P<action>.{12})  (?P<subject>.+?)  (?P<before>-|\{.*?\}) → "
    r"(?P<after>-|\{.*?\})  \((?P<source>.+)\)"
)


def write(cli: ConnectorCli, name: str, text: str) -> Path:
    path = cli.root / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_with_bad_lines_reports_each_by_line_and_field_and_imports_nothing(cli: ConnectorCli) -> None:
    result = cli.run("mappings", "import", str(write(cli, "bad.csv", BAD)))

    assert result.code == 1, result.describe()
    assert result.stdout == "" and "Traceback" not in result.stderr, result.describe()
    assert result.stderr.splitlines() == [*BAD_LINES, "Error: bad.csv: 5 problem(s), nothing imported"]
    # Not even the good line 2.
    assert cli.ok("mappings", "export", in_process=True).stdout == HEADER + "\n"
    assert cli.ok("mappings", "history", in_process=True).stdout.strip() == "no fusion mapping changes recorded"


def test_import_export_round_trip_and_the_history_says_who_what_when(cli: ConnectorCli) -> None:
    before = datetime.now().astimezone().replace(microsecond=0)
    imported = cli.ok("mappings", "import", str(write(cli, "good.csv", GOOD)), "--changed-by", "alice").stdout
    assert imported.strip() == "imported good.csv (fusion): added=3 changed=0 removed=0 unchanged=0"

    exported = cli.ok("mappings", "export", str(cli.root / "out.csv"), in_process=True).stdout
    assert exported.strip() == f"wrote {cli.root / 'out.csv'}"
    text = (cli.root / "out.csv").read_text(encoding="utf-8")
    assert text == cli.ok("mappings", "export", in_process=True).stdout, "the file and stdout agree"
    assert text.splitlines()[0] == HEADER and '"travel, domestic"' in text
    again = cli.ok("mappings", "import", str(cli.root / "out.csv"), in_process=True).stdout
    assert again.strip() == "imported out.csv (fusion): added=0 changed=0 removed=0 unchanged=3"

    changed = GOOD.replace("101.20.6100,,20,", "101.20.6100,,25,")
    args = ("mappings", "import", str(write(cli, "changed.csv", changed)), "--changed-by", "bob")
    assert (
        cli.ok(*args, in_process=True).stdout.strip()
        == "imported changed.csv (fusion): added=0 changed=1 removed=0 unchanged=2"
    )

    set_rule = cli.ok("mappings", "rule", "--cost-center-segment", "2", "--changed-by", "alice", in_process=True)
    assert set_rule.stdout.strip() == "rule: cost center = segment 2, GL value = combination, delimiter '.' (fusion)"
    cleared = cli.ok("mappings", "rule", "--clear", "--changed-by", "carol", in_process=True)
    assert cleared.stdout.strip() == "rule cleared (fusion)"

    history = cli.ok("mappings", "history").stdout.splitlines()
    # Newest first: the rule cleared, the rule set, the one change, the three additions.
    assert len(history) == 6, history
    parsed = [HISTORY_LINE.fullmatch(line) for line in history]
    assert all(parsed), history
    rows = [match.groupdict() for match in parsed if match]
    assert all(before <= datetime.fromisoformat(row["when"]) <= datetime.now().astimezone() for row in rows)
    assert [[row["who"], row["action"].strip()] for row in rows] == [
        ["carol", "rule cleared"],
        ["alice", "rule set"],
        ["bob", "changed"],
        ["alice", "added"],
        ["alice", "added"],
        ["alice", "added"],
    ], history
    cleared_row, set_row, changed_row = rows[:3]
    assert (cleared_row["subject"], cleared_row["after"], cleared_row["source"]) == (
        "rule",
        "-",
        "mappings rule --clear",
    )
    assert '"cost_center_segment":2' in cleared_row["before"] and set_row["before"] == "-"
    assert (changed_row["subject"], changed_row["source"]) == ("101.20.6100", "import of changed.csv")
    assert '"cost_center":"20"' in changed_row["before"] and '"cost_center":"25"' in changed_row["after"]
    added = {row["subject"] for row in rows[3:]}
    assert added == {"101.10.5000", "101.20.6100", "code combination 300100"}
    assert all(row["before"] == "-" and row["source"] == "import of good.csv" for row in rows[3:])


# NetSuite's charge accounts: subsidiary.department.class.location.account (a segment may be empty).
NETSUITE = f"""{HEADER}
1.20..4.6100,,20,6100,no class
101.10.5000,,40,6200,same combination as a Fusion row
"""


def test_netsuite_rows_rule_and_history_round_trip_apart_from_fusions(cli: ConnectorCli) -> None:
    cli.ok("mappings", "import", str(write(cli, "fusion.csv", GOOD)), "--changed-by", "alice", in_process=True)
    fusion_export = cli.ok("mappings", "export", in_process=True).stdout

    netsuite = ("--erp", "netsuite")
    imported = cli.ok("mappings", "import", str(write(cli, "ns.csv", NETSUITE)), *netsuite, "--changed-by", "nina")
    assert imported.stdout.strip() == "imported ns.csv (netsuite): added=2 changed=0 removed=0 unchanged=0"
    exported = cli.ok("mappings", "export", str(cli.root / "ns-out.csv"), *netsuite, in_process=True)
    assert exported.stdout.strip() == f"wrote {cli.root / 'ns-out.csv'}"
    text = (cli.root / "ns-out.csv").read_text(encoding="utf-8")
    assert text.splitlines() == [
        HEADER,
        "1.20..4.6100,,20,6100,no class",
        "101.10.5000,,40,6200,same combination as a Fusion row",
    ]
    args = ("mappings", "import", str(cli.root / "ns-out.csv"), *netsuite, "--replace")
    again = cli.ok(*args, in_process=True).stdout
    assert again.strip() == "imported ns-out.csv (netsuite): added=0 changed=0 removed=0 unchanged=2"
    rule = cli.ok(
        "mappings", "rule", *netsuite, "--cost-center-segment", "2", "--gl-account", "segment:5", "--changed-by", "nina"
    )
    assert rule.stdout.strip() == "rule: cost center = segment 2, GL value = segment:5, delimiter '.' (netsuite)"

    assert cli.ok("mappings", "export", in_process=True).stdout == fusion_export, "Fusion's rows are untouched"
    history = cli.ok("mappings", "history", *netsuite, in_process=True).stdout.splitlines()
    parsed = [HISTORY_LINE.fullmatch(line) for line in history]
    assert [(m["who"], m["action"].strip(), m["subject"]) for m in parsed if m] == [
        ("nina", "rule set", "rule"),
        ("nina", "added", "101.10.5000"),
        ("nina", "added", "1.20..4.6100"),
    ], history
    fusion_history = cli.ok("mappings", "history", in_process=True).stdout.splitlines()
    assert len(fusion_history) == 3 and all("  alice  added  " in line for line in fusion_history), fusion_history

    # Only NetSuite's flows are checked: none of Fusion's entities is reported.
    checked = cli.ok("mappings", "check", *netsuite, in_process=True).stdout
    assert not any(line.startswith(("invoices:", "purchase_orders:")) for line in checked.splitlines()), checked

    refused = cli.run("mappings", "export", "--erp", "sap")
    assert refused.code == 2 and "Traceback" not in refused.output, refused.describe()
    assert "'sap' is not one of 'fusion', 'netsuite'" in refused.stderr, refused.describe()


def test_check_exits_3_listing_unmapped_accounts_and_0_once_they_map(
    store: Store,
    sims: LocalSimulators,
    instance: dg.DagsterInstance,
    connector_env: ConnectorEnv,
    tmp_path: Path,
) -> None:
    sims.fusion.seed_invoices(6, hours_ago(3), hours_ago(2), unmapped=2)
    synced = run_flows(instance, hours_ago(3), hours_ago(2), (flow_named("invoices"),))
    assert synced.success and synced.counts.pending == 2, synced
    cli = ConnectorCli(tmp_path, master_key=connector_env.master_key)

    found = cli.run("mappings", "check", "--days", "2")

    assert found.code == 3 and "Traceback" not in found.output, found.describe()
    lines = found.stdout.splitlines()
    invoices = next(line for line in lines if line.startswith("invoices: "))
    assert re.fullmatch(
        r"invoices: 6 record\(s\), \d+ distribution\(s\), [12] unmapped account\(s\), 0 broken.*", invoices
    )
    unmapped = [line.split()[1] for line in lines if line.startswith("  unmapped  ")]
    assert unmapped and all(account.split(".")[1] == "95" for account in unmapped), found.stdout

    rows = [f"{account},,10,{account.replace('.95.', '.10.')},cost center 95 closed" for account in unmapped]
    mapping = write(cli, "fix.csv", "\n".join([HEADER, *rows]) + "\n")
    assert "pending record(s) are due again" in cli.ok("mappings", "import", str(mapping), in_process=True).stdout

    clean = cli.ok("mappings", "check", "--days", "2", in_process=True).stdout
    assert "  unmapped  " not in clean and "invoices: 6 record(s)" in clean and ", 0 unmapped account(s)" in clean
