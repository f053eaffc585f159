"""The mechanisms of MODEL.md, one module each."""
