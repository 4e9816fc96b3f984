"""What the end-to-end tests share, imported by module (`from support.project import
DbtProject`): pytest puts tests/ on the path (pyproject.toml, `pythonpath`).

- project: the project's directory and one isolated dbt run of it (DbtProject);
- extracts: the generated test extracts, and their raw rows read without the project's code;
- sql_server_rule: the published statement as SQL Server evaluates it, in plain Python;
- browser: a headless Chromium page (Debian's, through Playwright);
- report: the HTML report rendered from a built project, and the figures it embeds;
- postgres_server: a throwaway PostgreSQL server;
- offline_compile: a script compiling the project for a warehouse this machine cannot reach
  (run in its own process, never imported: it patches the adapters).

Fixtures stay in tests/e2e/conftest.py.
"""

from pathlib import Path

OFFLINE_COMPILE = Path(__file__).with_name("offline_compile.py")
