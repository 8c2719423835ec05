"""spaCy-backed language work. spaCy is imported lazily: importing it costs about a second,
and the TUI must start without paying for it."""
