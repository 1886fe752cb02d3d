"""Great-power relations corpus: an annotated, searchable corpus pipeline."""

__version__ = "0.1.0"
