"""Cases: the joint cell's procedure for one child in one school year, driven by workflows/.

Importing the package registers the late-information hook with ingest, so every process that can
ingest a list (API, CLI, demo, tests) also re-links open cases against it.
"""

from service.cases import late_info  # noqa: F401  (registers the ingest hook)
