"""Analyses over collected evidence: IAM evaluation and resource-policy exposure."""
