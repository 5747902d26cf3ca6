"""`python -m tests.terraform.azure_golden` rewrites the golden plan JSON from the table."""

from tests.terraform.azure_golden import OUT, render

OUT.write_text(render(), encoding="utf-8")
