"""Policies and events as small serialisable objects on a timeline (see library.py)."""
