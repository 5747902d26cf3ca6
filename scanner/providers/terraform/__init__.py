"""Terraform adapter: `terraform show -json` of plans and states, mapped onto live types."""
