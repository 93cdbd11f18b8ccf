"""The papers of the SC-05 service: one model of what a document shows, one Typst template each.

The renderer (`render.py`) knows nothing of the log; reporting gathers the facts and fills the
models (`reporting/app/documents.py`).
"""
