"""Environment baselines, ``baselines/<env>.yaml``: one file, one top-level key per concern.

- ``accepted:`` findings a team has accepted, each with owner, reason and expiry (``accepted.py``).
- ``components:`` the expected inventory (``components.py``).
"""


class BaselineError(ValueError):
    """A baseline file that is missing, unreadable or malformed (a usage error: exit 2)."""
