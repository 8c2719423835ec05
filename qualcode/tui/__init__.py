"""The Textual coding workbench (``qualcode open``). Importing this package is cheap: the app
and its screens load only when started, and spaCy is never imported by it."""
