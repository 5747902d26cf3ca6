"""AWS: collectors per service module, links, Terraform mappings, policies' extra operators,
the demo estate; `ADAPTER` is what the provider registry loads."""

from __future__ import annotations

from scanner.providers.aws.adapter import AwsAdapter
from scanner.providers.base import Adapter

ADAPTER: Adapter = AwsAdapter()
