"""The coordinator's exports: the anonymised case export in the CTDC shape (``ctdc``) and the
coordinator's own tables of visits as CSV or XLSX (``table``)."""
