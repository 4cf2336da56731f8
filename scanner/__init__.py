"""specdrift: the infrastructure guide, the IaC and the running systems, checked side by side."""

__version__ = "0.1.0"

# Before any of specdrift's dataclasses is defined: their generated methods come compiled (scanner/bytecode.py).
from scanner import bytecode as _bytecode

_bytecode.install()
