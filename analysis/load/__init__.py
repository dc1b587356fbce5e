"""Loading: a file a user brought becomes a typed table in the store, in six steps, each a function of the one before.

1. open, ``files``: what the file really is (magic bytes; zip, gzip; PNG, PDF, web pages and JSON refused), its text
   as UTF-8 (``encodings``: UTF-16, Windows-1252, files mixing two encodings line by line; ``workbook`` for Excel)
   -> ``OpenedFile``;
2. sniff, ``sources``: the table inside (delimiter, header under title rows, a totals row: ``sniff``; a sheet's header
   row; Parquet's columns) -> ``Source``; ``wide`` reads a table with one column per period as Period and Value rows;
3. plan, ``planning``: a sample decides each column's type (``detect``, ``period_text``), the date order and the roles
   (``suggest``, with its words in ``role_words``) -> ``Planned``;
4. read and convert, ``reading``: every row converted once inside DuckDB (the SQL: ``convert``), counted, settled the
   careful way where the quick way failed -> ``Converted``;
5. check, ``checks``: rejected rows set aside (``rejects``), case variants, spans, repeated ids and total rows
   (``totals``) found, the fixes asked for made -> ``Checked``;
6. swap in, ``commit``: the staging table becomes the dataset's table with its catalogue entry -> ``Swapped``.

``ingest.load_file`` is that chain (the options checked first: ``request``); the Data page's preview
(``preview.inspect_file``) takes steps 1 to 4 on the first rows. Then ``prepare`` builds what the Explore pages read;
``uploads`` keeps uploads and rewritten copies private while they are read.
"""
