"""Scenario files: the schema, the YAML loader with line numbers, overrides, built-ins."""
