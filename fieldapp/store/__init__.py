"""The one place for record SQL: :class:`Store` returns domain objects, never rows."""
