"""The web interface: server-rendered pages beside the JSON API (see service/web/pages.py)."""
