"""The CLI's runtime: signed API calls, profile and credential loading, and the raw-mode terminal session.

Nothing here imports `tether.server`; the client talks to the server only over the documented wire and API.
"""
