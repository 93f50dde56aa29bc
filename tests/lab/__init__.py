"""The offline lab: a Docker engine, a local registry and the images the roles and tests use.

Entry point: ``python3 -m tests.lab up|status|down|images|env``.  Standard library only,
so it runs before any virtual environment exists.
"""
