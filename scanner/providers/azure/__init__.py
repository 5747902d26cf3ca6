"""Azure: collectors per service module, the local fake ARM server and its golden tenant;
`ADAPTER` is what the provider registry loads."""

from __future__ import annotations

from scanner.providers.azure.adapter import AzureAdapter
from scanner.providers.base import Adapter

ADAPTER: Adapter = AzureAdapter()
