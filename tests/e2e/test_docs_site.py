"""The docs site: complete, with the code lists in the lineage, and working in a browser.

The site is generated through dbtRunner (`dbt docs generate --static`) on a small extract the
project was built on, and its lineage graph set to show models, seeds, sources and exposures
by default, as `make docs` does (`python -m rfd_back_docs.lineage_default`). The browser test
serves it on localhost and drives Debian's Chromium headless through Playwright (no browser
download); its screenshots are saved under target/test-output.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbt.task.docs import DOCS_INDEX_FILE_PATH

from rfd_back_docs import lineage_default
from rfd_back_docs.code_list_catalogue import catalogue
from rfd_back_docs.lineage_default import (
    DEFAULT_RESOURCE_TYPES,
    LineageDefaultError,
    draws_the_selected_types,
    initial_resource_types,
    set_default_resource_types,
)
from support.browser import SCREENSHOT_DIR, headless_chromium_page
from support.extracts import read_extract, write_test_extract
from support.project import PROJECT_DIR, DbtProject

PACKAGE = "rfd_back"
FACT = f"model.{PACKAGE}.fct_rfd_back_spells"
CRITERIA = [
    "has_rfd_dominant_procedure",
    "has_lumbar_site_code",
    "has_back_pain_primary_diagnosis",
    "is_age_in_range",
    "is_non_emergency_admission",
    "has_no_cancer_diagnosis",
    "is_not_private_patient",
]
DOCS_BLOCKS = [
    "__overview__",
    "rfd_back_rule",
    *(f"criterion_{criterion}" for criterion in CRITERIA),
    "code_list_provenance",
    "code_list_catalogue",
    "decision_register",
]
CODE_COLUMNS = {
    "rfd_back_code_list": ["code"],
    "rfd_back_diagnosis_exclusion_ranges": ["range_start", "range_end"],
}


# The extract is read from under a directory of this name, as an analyst's extract sits under
# a home directory naming them: the docs site, made to be shared, must not hold it.
PRIVATE_DIRECTORY = "jbloggs_private_extracts"
SITE_PAGES = ["index.html", "static_index.html"]
DOCS_ARTEFACTS = ["manifest.json", "catalog.json", *SITE_PAGES]


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory) -> DbtProject:
    """The project built (without its tests) on a small extract, and its docs generated."""
    work_dir = tmp_path_factory.mktemp("docs_site")
    project = DbtProject(work_dir=work_dir, data_dir=work_dir / PRIVATE_DIRECTORY / "extract")
    write_test_extract(project.data_dir, "csv", noisy=False, spells=5_000)
    with pytest.MonkeyPatch.context() as monkeypatch:
        built = project.invoke(
            "build", "--exclude-resource-type", "test", "unit_test", monkeypatch=monkeypatch
        )
        assert built.success, f"dbt build failed: {built.exception}"
        generated = project.invoke("docs", "generate", "--static", monkeypatch=monkeypatch)
        assert generated.success, f"dbt docs generate failed: {generated.exception}"
    site = [str(project.work_dir / "target" / name) for name in SITE_PAGES]
    assert lineage_default.main(site) == 0, "the lineage graph's default could not be set"
    return project


@pytest.fixture(scope="module")
def manifest(docs_site: DbtProject) -> dict:
    return json.loads((docs_site.work_dir / "target" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def catalog(docs_site: DbtProject) -> dict:
    return json.loads((docs_site.work_dir / "target" / "catalog.json").read_text())


def project_nodes(manifest: dict, *resource_types: str) -> list[dict]:
    every = [
        *manifest["nodes"].values(),
        *manifest["sources"].values(),
        *manifest["exposures"].values(),
    ]
    return [
        node
        for node in every
        if node["package_name"] == PACKAGE and node["resource_type"] in resource_types
    ]


def test_every_resource_and_column_is_documented(manifest: dict, catalog: dict):
    undocumented = []
    for node in project_nodes(manifest, "model", "seed", "source", "exposure", "analysis"):
        if not node["description"].strip():
            undocumented.append(node["unique_id"])
        for column, properties in node.get("columns", {}).items():
            if not properties["description"].strip():
                undocumented.append(f"{node['unique_id']}.{column}")
    for macro in manifest["macros"].values():
        if macro["package_name"] == PACKAGE and not macro["description"].strip():
            undocumented.append(macro["unique_id"])
    # Every column the built tables really have, not only those the YAML names.
    for unique_id, table in {**catalog["nodes"], **catalog["sources"]}.items():
        node = manifest["nodes"].get(unique_id) or manifest["sources"][unique_id]
        documented = {
            name.lower() for name, column in node["columns"].items() if column["description"]
        }
        undocumented += [
            f"{unique_id}.{name}" for name in table["columns"] if name.lower() not in documented
        ]
    assert not undocumented, f"undocumented: {undocumented}"
    missing_blocks = [
        name for name in DOCS_BLOCKS if f"doc.{PACKAGE}.{name}" not in manifest["docs"]
    ]
    assert not missing_blocks, f"docs blocks missing: {missing_blocks}"


def ancestors(manifest: dict, unique_id: str) -> set[str]:
    seen, stack = set(), [unique_id]
    while stack:
        for parent in manifest["parent_map"].get(stack.pop(), []):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def code_list_seeds(manifest: dict) -> list[dict]:
    seeds = [
        node for node in project_nodes(manifest, "seed") if node["config"]["meta"].get("code_list")
    ]
    assert {seed["name"] for seed in seeds} == set(CODE_COLUMNS), "the code-list seeds changed"
    return seeds


def test_every_code_list_feeds_the_fact_and_the_published_marts(manifest: dict):
    """Every output of the rule: the fact and the published `rpt_rfd_back_` marts (not
    `rpt_apcs_data_quality`, which counts the extract's issues, before any rule)."""
    outputs = [FACT] + [
        node["unique_id"]
        for node in project_nodes(manifest, "model")
        if node["name"].startswith("rpt_rfd_back_")
    ]
    assert len(outputs) >= 5, outputs
    missing = [
        (seed["name"], output)
        for seed in code_list_seeds(manifest)
        for output in outputs
        if seed["unique_id"] not in ancestors(manifest, output)
    ]
    assert not missing, f"code lists not in the lineage of: {missing}"


def test_code_lists_and_their_code_columns_link_to_the_coding_system(manifest: dict):
    for seed in code_list_seeds(manifest):
        links = seed["config"]["meta"]["coding_systems"]
        assert links and all(url.startswith("https://") for url in links.values()), seed["name"]
        for column in CODE_COLUMNS[seed["name"]]:
            column_links = seed["columns"][column]["config"]["meta"]["coding_systems"]
            assert column_links and set(column_links) <= set(links), (seed["name"], column)


def test_code_list_catalogue_is_current(manifest: dict):
    written = (PROJECT_DIR / "docs" / "code_list_catalogue.md").read_text()
    assert written == catalogue(manifest), (
        "docs/code_list_catalogue.md is out of date: run make docs"
    )
    for code in ("V485", "Z993", "M545", "Y114", "A573", "D37-D48"):
        assert f"| {code} |" in written


def test_docs_site_holds_no_row_level_data(docs_site: DbtProject):
    site = (docs_site.work_dir / "target" / "static_index.html").read_text()
    spells, _ = read_extract(docs_site.data_dir)
    values = [
        (field, spell[field])
        for spell in spells[:200]
        for field in ("Der_Pseudo_NHS_Number", "APCS_Ident")
        if spell[field] is not None  # a patient unknown has no number to leak
    ]
    assert len(values) > 300
    for field, value in values:
        assert str(value) not in site, f"{field} {value} is in the docs site"


def test_docs_site_holds_no_path_of_the_extract(docs_site: DbtProject):
    """The hooks that register the extract read its files while they are rendered; the SQL
    the manifest keeps of them, and of every model, names no file or directory above the
    extract's own (the build information says only the extract directory's name)."""
    for artefact in DOCS_ARTEFACTS:
        text = (docs_site.work_dir / "target" / artefact).read_text()
        for private in (PRIVATE_DIRECTORY, str(docs_site.data_dir)):
            assert private not in text, f"{artefact} holds {private!r}"


def test_both_pages_draw_the_lineage_graph_without_tests_by_default(docs_site: DbtProject):
    for page in SITE_PAGES:
        html = (docs_site.work_dir / "target" / page).read_text()
        assert initial_resource_types(html) == list(DEFAULT_RESOURCE_TYPES), page
        assert draws_the_selected_types(html), page


def dbt_docs_page() -> str:
    """The docs page dbt-core ships (dbt-docs), as dbt docs generate copies it."""
    return Path(DOCS_INDEX_FILE_PATH).read_text(encoding="utf-8")


def test_the_lineage_default_is_set_in_the_page_dbt_ships():
    """The page as dbt ships it draws every resource type, tests included; once set, the
    initial selection is models, seeds, sources and exposures, the sidebar and full-screen
    graphs draw the selection's types, the menu still offers every type, and setting it again
    changes nothing."""
    shipped = dbt_docs_page()
    assert {"test", "unit_test"} <= set(initial_resource_types(shipped))
    assert not draws_the_selected_types(shipped)
    edited = set_default_resource_types(shipped)
    assert initial_resource_types(edited) == ["model", "seed", "source", "exposure"]
    assert draws_the_selected_types(edited)
    menu = lineage_default.MENU_OPTIONS.search(edited).group("types")
    assert {"test", "unit_test", "model", "seed"} <= set(json.loads(menu))
    assert set_default_resource_types(edited) == edited


@pytest.mark.parametrize(
    ("changed", "replacement"),
    [
        ('factory("selectorService"', 'factory("nodeSelector"'),
        ("showVerticalGraph=function", "drawSidebarGraph=function"),
        ("showFullGraph=function", "drawFullGraph=function"),
        (
            '"exposure","metric","semantic_model","unit_test"',
            '"metric","semantic_model","unit_test"',
        ),
    ],
    ids=[
        "selection renamed",
        "sidebar graph renamed",
        "full-screen graph renamed",
        "menu without exposures",
    ],  # fmt: skip
)
def test_the_lineage_default_fails_loudly_when_dbt_docs_changes(
    changed: str, replacement: str, tmp_path: Path
):
    """A dbt upgrade that moves what is set stops `make docs`, naming it, and leaves the page
    as dbt wrote it, rather than silently drawing the tests again."""
    shipped = dbt_docs_page()
    assert shipped.count(changed) == 1, f"the test's own pattern {changed!r} is stale"
    page = tmp_path / "index.html"
    page.write_text(shipped.replace(changed, replacement), encoding="utf-8")
    with pytest.raises(LineageDefaultError, match="dbt-docs has changed"):
        set_default_resource_types(page.read_text(encoding="utf-8"))
    before = page.read_text(encoding="utf-8")
    assert lineage_default.main([str(page)]) == 1
    assert page.read_text(encoding="utf-8") == before


@pytest.fixture
def served_site(docs_site: DbtProject) -> Iterator[str]:
    """The generated site served on localhost, as `make docs-serve` does."""
    handler = functools.partial(_QuietHandler, directory=str(docs_site.work_dir / "target"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/static_index.html"
    finally:
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


# Each node cytoscape draws (the docs site keeps its graph as window.graph): its id, resource
# type and label, the label's rendered font size (style font size times zoom, in CSS pixels)
# and its box on screen with the label, and the canvas's size.
DRAWN_GRAPH = """() => {
    const cy = window.graph;
    return {
        width: cy.width(),
        height: cy.height(),
        nodes: cy.nodes().filter(node => node.visible()).map(node => ({
            id: node.id(),
            resource_type: node.data('resource_type'),
            label: node.style('label'),
            font_px: parseFloat(node.style('font-size')) * cy.zoom(),
            box: node.renderedBoundingBox({includeLabels: true}),
        })),
    };
}"""
# The smallest label font, in CSS pixels, taken as readable; dbt's default sidebar graph of
# the fact, with its tests, draws its labels at about 5.
READABLE_FONT_PX = 8
# Every resource type the graph's menu offers: what a reader gets by ticking them all.
SELECT_EVERY_TYPE = """() => {
    const injector = angular.element(document.body).injector();
    const selector = injector.get('selectorService');
    selector.selection.dirty.resource_types = selector.options.resource_types.slice();
    injector.get('graph').updateGraph(selector.updateSelection());
    injector.get('$rootScope').$apply();
}"""


def overlaps(first: dict, second: dict) -> bool:
    return not (
        first["x2"] <= second["x1"]
        or second["x2"] <= first["x1"]
        or first["y2"] <= second["y1"]
        or second["y2"] <= first["y1"]
    )


def check_readable(drawn: dict, names: set[str], view: str, font_px: float = 0) -> None:
    """The nodes named are drawn, labelled with their names, on the canvas, their labels
    clear of every other node's and at least `font_px` high."""
    by_id = {node["id"]: node for node in drawn["nodes"]}
    for unique_id in names:
        node = by_id[unique_id]
        box = node["box"]
        assert node["label"] == unique_id.split(".")[-1], (view, node)
        assert box["x1"] >= 0 and box["x2"] <= drawn["width"], (view, "off the canvas", node)
        assert box["y1"] >= 0 and box["y2"] <= drawn["height"], (view, "off the canvas", node)
        assert node["font_px"] >= font_px, (view, "label too small to read", node)
        crowded = [
            other["id"]
            for other in drawn["nodes"]
            if other["id"] != unique_id and overlaps(box, other["box"])
        ]
        assert not crowded, (view, unique_id, "label overlaps", crowded)


@pytest.mark.browser
def test_lineage_graph_shows_the_code_lists_in_a_browser(served_site: str, manifest: dict):
    """The fact's lineage graph, as a reader opens it (sidebar, then full screen), draws
    models, seeds, sources and exposures only, never a data test or a unit test, with the
    code-list seeds in it, labelled and readable; the resource-type menu still brings the
    tests back (so there were tests to leave out)."""
    sidebar_shot = SCREENSHOT_DIR / "docs_fct_rfd_back_spells_lineage_sidebar.png"
    screenshot = SCREENSHOT_DIR / "docs_fct_rfd_back_spells_lineage.png"
    with headless_chromium_page(1600, 1000) as (page, errors):
        page.goto(f"{served_site}#!/model/{FACT}")
        page.wait_for_selector("h1:has-text('fct_rfd_back_spells')", timeout=60_000)
        page.click("a[title='View Lineage Graph']")
        page.wait_for_function(
            "() => angular.element(document.body).injector().get('graph')"
            ".graph.elements.length > 0 && window.graph && window.graph.nodes().length > 0",
            timeout=60_000,
        )
        page.wait_for_timeout(1_000)
        sidebar = page.evaluate(DRAWN_GRAPH)
        page.screenshot(path=str(sidebar_shot))
        page.click("a[title='View Fullscreen']")
        page.wait_for_timeout(1_500)
        nodes = page.evaluate(
            "() => angular.element(document.body).injector().get('graph').graph.elements"
            ".filter(element => element.group === 'nodes').map(element => element.data.id)"
        )
        full_screen = page.evaluate(DRAWN_GRAPH)
        menu = page.locator("[data-form-type='resource_types'] select").inner_text()
        page.screenshot(path=str(screenshot))
        page.evaluate(SELECT_EVERY_TYPE)
        page.wait_for_timeout(1_500)
        every_type = page.evaluate(DRAWN_GRAPH)
    assert not errors, f"the docs page raised: {errors}"
    seeds = {seed["unique_id"] for seed in code_list_seeds(manifest)}
    assert FACT in nodes
    assert seeds <= set(nodes), (
        f"code-list seeds missing from the lineage graph: {seeds - set(nodes)}"
    )
    for view, drawn in (("sidebar", sidebar), ("full screen", full_screen)):
        types = {node["resource_type"] for node in drawn["nodes"]}
        assert types <= set(DEFAULT_RESOURCE_TYPES), f"the {view} graph draws {types}"
        assert {node["id"] for node in drawn["nodes"]} >= seeds | {FACT}, view
    assert {node["id"] for node in full_screen["nodes"]} == set(nodes)
    check_readable(sidebar, seeds | {FACT}, "sidebar", READABLE_FONT_PX)
    check_readable(full_screen, seeds | {FACT}, "full screen")
    assert "4 selected" in menu, f"the resource-type menu says {menu!r}"
    # Ticking every type in the menu draws the fact's unit tests and data tests again.
    shown = {node["resource_type"] for node in every_type["nodes"]}
    assert {"unit_test", "test"} <= shown, f"every type ticked draws only {shown}"
    assert screenshot.stat().st_size > 10_000 and sidebar_shot.stat().st_size > 10_000
