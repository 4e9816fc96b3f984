"""Documentation helpers for the dbt project: the code-list catalogue of the docs site, and the
default view of its lineage graph."""
