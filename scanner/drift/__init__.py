"""Drift: declared (IaC) vs actual (live) vs required (policies), per requirement and resource.

``match`` pairs declared and live resources (CloudFormation stack resources and logical-ID tags,
Terraform state IDs, names written in the IaC, Name tags); ``compare`` diffs their facts;
``report`` adds each side's policy verdict and the fixes for both directions; ``render`` prints it.
"""
