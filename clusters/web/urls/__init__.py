"""The web layer's URLs: one module per part, each its own namespace (`app_name`), included by webui/urls.py.

Each module spells its paths in full, so that a path found in a bookmark, a script or a test is found here
as written.
"""
