"""The docs site's lineage graph shows models, seeds, sources and exposures by default.

dbt's docs site (dbt-docs, bundled with dbt-core as one `index.html`) draws a node's lineage
graph, in the sidebar and full screen, with every resource type its menu offers, unit tests
and singular data tests included (and analyses): around the fact that is dozens of nodes, and
the graph is unreadable. dbt offers no setting for it (`dbt docs generate --select` limits
only catalog.json), so `make docs` edits the generated `index.html` and `static_index.html`
after dbt writes them, in dbt-docs' minified JavaScript:

1. the initial graph selection (the `selectorService`'s, from dbt-docs'
   src/app/services/node_selection_service.js), which every "View Lineage Graph" resets the
   selection to, gets the resource types `DEFAULT_RESOURCE_TYPES`;
2. the sidebar graph (`showVerticalGraph`) and 3. the full-screen graph (`showFullGraph`),
   which dbt-docs draws with every type the menu offers (`selectorService.options`), are drawn
   with the types of the current selection instead.

The resource-type menu under the full-screen graph still offers every type: a reader ticks
"Test" or "Unit Test" and presses "Update Graph" to draw them (docs/docs_site.md).

Each edit is checked, not hoped for: its pattern must be found exactly once in each file (and
the menu must offer every default type), or this stops with an error naming what to look for,
so that a dbt upgrade that changes dbt-docs cannot silently bring the tests back. Running it
again on a file it has already edited changes nothing.

    python -m rfd_back_docs.lineage_default target/docs/index.html target/docs/static_index.html
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

DEFAULT_RESOURCE_TYPES = ("model", "seed", "source", "exposure")

# As dbt-docs 1.x minifies them (variable names vary between releases, so any name matches):
#   factory("selectorService",["$state",function(e){var t={include:"",exclude:"",
#     packages:[],tags:[null],resource_types:[...],depth:1}, ... options:{packages:[],
#     tags:[null],resource_types:[...]}
#   showVerticalGraph=function(e,t){...;var n=f(r.assign({},l.options,{include:...
#   showFullGraph=function(e){...;var t=r.assign({},l.options);
INITIAL_SELECTION = re.compile(
    r'factory\("selectorService",\["\$state",function\(\w+\)\{var \w+=\{include:"",'
    r'exclude:"",packages:\[\],tags:\[null\],resource_types:(?P<types>\[[^\[\]]*\]),depth:1\}'
)
MENU_OPTIONS = re.compile(
    r"options:\{packages:\[\],tags:\[null\],resource_types:(?P<types>\[[^\[\]]*\])\}"
)
# How far after the initial selection the menu's options may be (the same factory).
MENU_WITHIN = 2_000
SELECTED_TYPES = r"\{resource_types:\w+\.selection\.clean\.resource_types\}"
SIDEBAR_GRAPH = re.compile(
    r"showVerticalGraph=function\(\w+,\w+\)\{[^{}]*?\w+\.assign\(\{\},(?P<selector>\w+)\.options,"
    rf"(?P<done>{SELECTED_TYPES},)?(?P<at>)\{{include:"
)
FULL_SCREEN_GRAPH = re.compile(
    r"showFullGraph=function\(\w+\)\{[^{}]*?var \w+=\w+\.assign\(\{\},(?P<selector>\w+)\.options"
    rf"(?P<done>,{SELECTED_TYPES})?(?P<at>)\);"
)


class LineageDefaultError(Exception):
    """A part of the docs site's graph was not where it was expected."""


def resource_types(literal: str) -> list[str]:
    """A minified JavaScript list of strings (`["model","seed"]`) as a list."""
    return json.loads(literal)


def only_match(pattern: re.Pattern, html: str, what: str) -> re.Match:
    found = list(pattern.finditer(html))
    if len(found) != 1:
        raise LineageDefaultError(
            f"{what} was found {len(found)} times, not once: dbt-docs has changed. Look for it "
            "in dbt's docs index.html (dbt/task/docs/index.html in the installed dbt-core) and "
            "update src/rfd_back_docs/lineage_default.py"
        )
    return found[0]


def selected_types(match: re.Match, leading: str = "", trailing: str = "") -> str:
    """The current selection's resource types, as an object to assign over the options."""
    if match.group("done"):
        return ""  # edited already
    selector = match.group("selector")
    return f"{leading}{{resource_types:{selector}.selection.clean.resource_types}}{trailing}"


def set_default_resource_types(html: str, types: tuple[str, ...] = DEFAULT_RESOURCE_TYPES) -> str:
    """`html` (dbt's docs index.html or static_index.html) with the lineage graph drawn, by
    default, with the resource types `types` only."""
    selection = only_match(
        INITIAL_SELECTION, html, "the initial graph selection (selectorService resource_types)"
    )
    menu = MENU_OPTIONS.search(html, selection.end(), selection.end() + MENU_WITHIN)
    if menu is None:
        raise LineageDefaultError(
            "the resource-type menu of the docs site's graph (selectorService options) was not "
            "found after its initial selection: dbt-docs has changed; update "
            "src/rfd_back_docs/lineage_default.py"
        )
    offered = resource_types(menu.group("types"))
    missing = [name for name in types if name not in offered]
    if missing:
        raise LineageDefaultError(
            f"the docs site's graph offers no resource type {missing} (it offers {offered}): "
            "dbt-docs has changed; update src/rfd_back_docs/lineage_default.py"
        )
    sidebar = only_match(SIDEBAR_GRAPH, html, "the sidebar graph (showVerticalGraph)")
    full_screen = only_match(FULL_SCREEN_GRAPH, html, "the full-screen graph (showFullGraph)")
    edits = sorted(
        [
            (selection.span("types"), json.dumps(list(types), separators=(",", ":"))),
            (sidebar.span("at"), selected_types(sidebar, trailing=",")),
            (full_screen.span("at"), selected_types(full_screen, leading=",")),
        ],
        reverse=True,
    )
    for (start, end), text in edits:
        html = html[:start] + text + html[end:]
    return html


def initial_resource_types(html: str) -> list[str]:
    """The resource types the lineage graph of `html` starts from."""
    selection = only_match(INITIAL_SELECTION, html, "the initial graph selection")
    return resource_types(selection.group("types"))


def draws_the_selected_types(html: str) -> bool:
    """Whether the sidebar and full-screen graphs of `html` are drawn with the selection's
    resource types (edited), not every type the menu offers (as dbt ships them)."""
    return all(
        only_match(pattern, html, what).group("done") is not None
        for pattern, what in (
            (SIDEBAR_GRAPH, "the sidebar graph"),
            (FULL_SCREEN_GRAPH, "the full-screen graph"),
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Set the docs site's lineage graph to show "
        + ", ".join(DEFAULT_RESOURCE_TYPES)
        + " by default."
    )
    parser.add_argument("files", nargs="+", type=Path, help="index.html, static_index.html")
    args = parser.parse_args(argv)
    for path in args.files:
        try:
            path.write_text(set_default_resource_types(path.read_text(encoding="utf-8")), "utf-8")
        except (LineageDefaultError, OSError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
