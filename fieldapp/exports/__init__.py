"""The coordinator's exports: the case export in the CTDC shape (``ctdc``: a public k-anonymous
file, or the full file for a data-sharing partner, age-encrypted) and the coordinator's own
tables of visits as CSV or XLSX (``table``)."""
