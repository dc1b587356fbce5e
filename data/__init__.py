"""Demo data: the generator of the fictional borough. The DuckDB file is also created in this folder (ignored by git)."""
