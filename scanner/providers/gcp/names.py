"""Resource names: Cloud Asset Inventory style full names, and what they name."""

from __future__ import annotations

RM = "cloudresourcemanager.googleapis.com"


def full_name(service_host: str, relative: str) -> str:
    """`//<service host>/<relative name>`: the id of a GCP resource."""
    return f"//{service_host}/{relative.lstrip('/')}"


def project_id_of(name: str) -> str | None:
    """The project a (relative or full) resource name lies in: `projects/<id>/...`."""
    parts = name.lstrip("/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part == "projects":
            return parts[i + 1]
    return None
