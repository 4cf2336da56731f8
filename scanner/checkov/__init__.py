"""checkov alongside specdrift, never inside it.

checkov pins its own versions of boto3 and friends, so it is never a dependency: ``--with-checkov``
runs a checkov executable (PATH, or ``checkov_path`` in the configuration) as a subprocess, reads its
JSON, maps its check IDs to the catalogue's requirement IDs (``requirements.yaml``) and merges its
findings into the report (``runner.py``). ``export.py`` writes specdrift policies as checkov custom
YAML policies where a policy's check can be said in checkov's terms.
"""
