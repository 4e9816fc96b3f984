"""`python -m rfd_back_report`: read the published marts through dbt and write the report.

python -m rfd_back_report --out target/report/rfd_back_report.html [--target T] [--vars V]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rfd_back_report.published import ReportDataError, dbt_arguments, load_published_marts
from rfd_back_report.render import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rfd_back_report", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("target/report/rfd_back_report.html"))
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument(
        "--profiles-dir",
        type=Path,
        default=None,
        help="where profiles.yml is (default: DBT_PROFILES_DIR, else the project directory)",
    )
    parser.add_argument("--target", default=None, help="the dbt target (default: the profile's)")
    parser.add_argument("--vars", default=None, help="dbt vars, as the build was given them")
    args = parser.parse_args(argv)
    # Where profiles.yml is: as given, else DBT_PROFILES_DIR (dbt reads it), else the
    # project's own profiles.yml, whatever the directory this runs in.
    profiles_dir = args.profiles_dir or (
        None if os.environ.get("DBT_PROFILES_DIR") else args.project_dir
    )
    arguments = dbt_arguments(args.project_dir, profiles_dir, args.target, args.vars)
    try:
        marts = load_published_marts(arguments)
    except ReportDataError as error:
        print(error, file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(marts), encoding="utf-8")
    print(f"Report written to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
