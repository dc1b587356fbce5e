"""Command line: ``python -m analysis load|datasets|demo|pack``. See ``analysis.cli``."""

from analysis.cli import main

raise SystemExit(main())
