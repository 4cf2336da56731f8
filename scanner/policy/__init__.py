"""Policies: the catalogue (YAML + schema), the check language, the engine, registered functions."""
