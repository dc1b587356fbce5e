"""Loading: a file, looked at, planned, read and converted, checked and swapped in as a typed table."""
