"""The one-page brief: figures, vector charts, the A4 PDF and the pages."""
