"""Demo data: ``borough`` generates the fictional borough, ``demo`` writes it into a store (``python -m data.demo``).
The DuckDB file is also created in this folder (ignored by git)."""
