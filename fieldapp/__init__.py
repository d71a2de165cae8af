"""FieldApp core: encrypted vault, store, assessment and sync. Never imports Qt."""

__version__ = "0.1.0"
