"""The one place for record SQL: :class:`Store` returns domain objects, never rows.

Rows are read by name, one way everywhere (``rows.py``): a SELECT of fixed columns through a
row type, a ``typing.NamedTuple`` whose fields are its column names, defined beside the small
function that maps it to a domain object (``select_list`` writes a table's column list from
those fields); a SELECT whose columns are built at run time (a sync bundle's, one per form)
against that same list; one column as a value. Every fetch checks the names SQLite reports
against what the reader expects, so a column list and the code that reads it cannot drift
apart silently. The connection keeps plain tuples: the vault, its migrations and the audit
chain read their own few rows.
"""
