"""SQL Server, Fabric, Databricks and Snowflake cannot run here, so the SQL the project would
send them is checked instead: every model, data test and analysis is compiled for each, once
as a first build and once as a monthly refresh, with the adapter dbt uses there and the
profile the README documents (profiles.yml's commented examples), and every compiled file
must parse in that engine's dialect (sqlglot).

A parser accepts more than an engine does, so T-SQL gets more checks for what naive ports
get wrong: no token T-SQL lacks (`||`, LIMIT, ILIKE, QUALIFY, `::`, TRUE/FALSE), no function
outside T-SQL's built-ins, no predicate used as a value and no value (a bit column) used as a
condition: T-SQL has no boolean, so flags are bits (macros/utils/flags.sql).

Synapse is compiled with dbt-synapse in its own environment (.venv-synapse, made by `make
test`): it needs an older dbt-fabric than the other adapters.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlglot
import yaml
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel
from sqlglot.parser import Parser

from support import OFFLINE_COMPILE
from support.project import PROJECT_DIR

DIALECTS = {
    "sqlserver": "tsql",
    "fabric": "tsql",
    "synapse": "tsql",
    "databricks": "databricks",
    "snowflake": "snowflake",
}
# The Python that runs dbt for each target: this one, but for Synapse's own environment.
SYNAPSE_PYTHON = PROJECT_DIR / ".venv-synapse" / "bin" / "python"

# Values for the variables the documented profiles read; nothing connects to them.
PROFILE_VARIABLES = {
    "MSSQL_SERVER": "sqlserver.offline.invalid",
    "MSSQL_DATABASE": "apcs",
    "MSSQL_USER": "analyst",
    "FABRIC_SERVER": "fabric.offline.invalid",
    "FABRIC_WAREHOUSE": "apcs",
    "SYNAPSE_SERVER": "synapse.offline.invalid",
    "SYNAPSE_DATABASE": "apcs",
    "SYNAPSE_USER": "analyst",
    "AZURE_TENANT_ID": "00000000-0000-0000-0000-000000000000",
    "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000000",
    "AZURE_CLIENT_SECRET": "not-a-secret",
    "DATABRICKS_HOST": "databricks.offline.invalid",
    "DATABRICKS_HTTP_PATH": "/sql/1.0/warehouses/offline",
    "DATABRICKS_TOKEN": "not-a-token",
    "SNOWFLAKE_ACCOUNT": "offline",
    "SNOWFLAKE_USER": "analyst",
    "SNOWFLAKE_ROLE": "analyst",
    "SNOWFLAKE_WAREHOUSE": "analysis",
    "SNOWFLAKE_DATABASE": "apcs",
}

# The analysis that is the published T-SQL statement itself is checked as T-SQL only.
TSQL_ONLY = {"published_statement_on_sql_server.sql"}

TSQL_MISSING_TOKENS = {"DPIPE", "LIMIT", "ILIKE", "QUALIFY", "DCOLON", "TRUE", "FALSE"}
# Every function the compiled T-SQL may call: T-SQL built-ins the project uses. A name not
# here (chr, length, regexp_like, string_split...) fails the test until checked and added.
TSQL_FUNCTIONS = {
    "avg", "cast", "ceiling", "char", "charindex", "coalesce", "concat", "count", "dateadd",
    "datediff", "dense_rank", "floor",
    "isnull", "lag", "lead", "left", "len",
    "lower",
    "max", "min", "nullif", "replace", "round", "row_number", "substring", "sum", "trim",
    "string_split", "try_convert", "upper", "convert",
}  # fmt: skip
OPENING_KEYWORDS = {
    "ALIAS", "ALL", "AND", "BETWEEN", "DISTINCT", "ELSE", "EXISTS", "FROM", "IN", "IS", "JOIN",
    "LIKE", "NOT", "ON", "OR", "OVER", "SELECT", "THEN", "UNION", "VALUES", "WHEN", "WHERE",
    "WITH",
}  # fmt: skip
PREDICATES = (exp.Predicate, exp.Connector, exp.Not, exp.Boolean, exp.Exists)


def documented_profiles() -> dict:
    """The commented example outputs of profiles.yml, as a profiles document."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in (PROJECT_DIR / "profiles.yml").read_text().splitlines():
        header = re.fullmatch(r"    # ([a-z]+):", line)
        if header:
            current = header.group(1)
            blocks[current] = []
        elif current and line.startswith("    #   "):
            blocks[current].append(line[len("    # ") :])
        else:
            current = None
    outputs = {name: yaml.safe_load("\n".join(lines)) for name, lines in blocks.items()}
    return {"rfd_back": {"target": "sqlserver", "outputs": outputs}}


@pytest.fixture(scope="module")
def profiles_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("warehouse_profiles")
    profiles = documented_profiles()
    assert set(profiles["rfd_back"]["outputs"]) == set(DIALECTS), "a documented profile is missing"
    (directory / "profiles.yml").write_text(yaml.safe_dump(profiles))
    return directory


def compile_offline(target: str, refresh: bool, profiles_dir: Path, out: Path) -> Path:
    env = {**os.environ, **PROFILE_VARIABLES, "DO_NOT_TRACK": "1"}
    python = SYNAPSE_PYTHON if target == "synapse" else Path(sys.executable)
    assert python.exists(), f"{python} is missing: `make test` installs it"
    command = [
        str(python), str(OFFLINE_COMPILE), *(["--existing"] if refresh else []),
        "compile", "--no-populate-cache", "--target", target,
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(profiles_dir),
        "--target-path", str(out / "target"), "--log-path", str(out / "logs"),
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=PROJECT_DIR)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out / "target" / "compiled"


def tsql_problems(sql: str, trees: list) -> list[str]:
    problems = [
        f"token {token.text!r}"
        for token in Dialect.get_or_raise("tsql").tokenize(sql)
        if token.token_type.name in TSQL_MISSING_TOKENS
    ]
    problems += [f"function {name}()" for name in sorted(called_functions(sql) - TSQL_FUNCTIONS)]
    for tree in trees:
        for value in value_positions(tree):
            if isinstance(value, PREDICATES):
                problems.append(f"predicate as a value: {value.sql('tsql')[:80]}")
        for condition in map(unwrapped, condition_positions(tree)):
            if not isinstance(condition, PREDICATES):
                problems.append(f"value as a condition: {condition.sql('tsql')[:80]}")
    return problems


def called_functions(sql: str) -> set[str]:
    """Every name written as `name(` in the SQL as sent, but for keywords that open a
    parenthesis (IN, EXISTS, VALUES...), column lists after an alias (`as tens (digit)`) and
    data types (`convert(varchar(8000), ...)`). Read from tokens, since sqlglot renames some
    functions as it parses (chr to CHAR)."""
    tokens = Dialect.get_or_raise("tsql").tokenize(sql)
    return {
        token.text.lower()
        for before, token, after in zip(tokens, tokens[1:], tokens[2:], strict=False)
        if after.token_type.name == "L_PAREN"
        and before.token_type.name != "ALIAS"
        and token.token_type not in Parser.TYPE_TOKENS
        and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token.text)
        and token.token_type.name not in OPENING_KEYWORDS
    }


def unwrapped(node):
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def value_positions(tree):
    """Every expression T-SQL evaluates as a value: select items, function arguments, the
    results of CASE and the operands of a comparison."""
    for select in tree.find_all(exp.Select):
        for item in select.expressions:
            yield unwrapped(item.unalias() if isinstance(item, exp.Alias) else item)
    for function in tree.find_all(exp.Func):
        if isinstance(function, exp.Case):  # its WHEN conditions are conditions
            yield unwrapped(function.args.get("default"))
        elif isinstance(function, exp.If):  # a WHEN branch, or IIF(condition, value, value)
            yield unwrapped(function.args.get("true"))
            yield unwrapped(function.args.get("false"))
        elif not isinstance(function, PREDICATES):
            yield from (unwrapped(argument) for argument in function.iter_expressions())
    for comparison in tree.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE):
        yield unwrapped(comparison.this)
        yield unwrapped(comparison.expression)


def condition_positions(tree):
    """Every expression T-SQL evaluates as a condition: WHERE, HAVING, ON, WHEN, and the
    operands of AND, OR and NOT. Each must be a predicate: a bit column there is an error."""
    for clause in tree.find_all(exp.Where, exp.Having):
        yield clause.this
    for join in tree.find_all(exp.Join):
        if join.args.get("on") is not None:
            yield join.args["on"]
    for branch in tree.find_all(exp.If):
        yield branch.this
    for connector in tree.find_all(exp.Connector):
        yield connector.this
        yield connector.expression
    for negation in tree.find_all(exp.Not):
        yield negation.this


@pytest.mark.warehouses
@pytest.mark.parametrize("target", sorted(DIALECTS))
@pytest.mark.parametrize("refresh", [False, True], ids=["first_build", "refresh"])
def test_compiled_sql_parses_in_the_warehouse_dialect(target, refresh, profiles_dir, tmp_path):
    compiled = compile_offline(target, refresh, profiles_dir, tmp_path)
    dialect = DIALECTS[target]
    files = sorted(compiled.rglob("*.sql"))
    fact = next(path for path in files if path.name == "fct_rfd_back_spells.sql")
    # The refresh compiles the window filter; the first build does not.
    assert ("activity_month >= '202403'" in fact.read_text()) is refresh
    problems = []
    for path in files:
        if dialect != "tsql" and path.name in TSQL_ONLY:
            continue
        sql = path.read_text()
        try:
            trees = [t for t in sqlglot.parse(sql, read=dialect, error_level=ErrorLevel.RAISE) if t]
        except sqlglot.errors.SqlglotError as error:
            problems.append(f"{path.relative_to(compiled)}: does not parse: {error}")
            continue
        if dialect == "tsql":
            problems += [f"{path.relative_to(compiled)}: {p}" for p in tsql_problems(sql, trees)]
    print(f"{target}: {len(files)} compiled files checked")
    assert len(files) >= 60
    assert not problems, "\n".join(problems)
