"""specdrift: the infrastructure guide, the IaC and the running systems, checked side by side."""

__version__ = "0.1.0"
