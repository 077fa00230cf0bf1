"""Tether: a self-hosted session manager.

Agents on private machines dial out to a relay; people with a permission reach shells and ports through it.
"""

__version__ = "0.1.0"
