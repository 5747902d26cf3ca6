"""Resource Manager v3 `projects.search` / `folders.search` with a `query`: the fake answers
from the same index the unscoped search serves (the plain fixture's pages), kept to the
items whose `parent` the query names, and pages that answer itself.

Only the `parent` field is understood, as the v3 reference writes it: `parent:folders/1`
(projects: several fields are OR-ed, "it will return results that match any of the
fields") or `parent=folders/1 OR parent=folders/2` (folders: `=`/`:` and `OR`). Any other
query is answered 400 INVALID_ARGUMENT, so a scanner sending one fails loudly here.
https://cloud.google.com/resource-manager/reference/rest/v3/projects/search
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

SEARCHES = {"/v3/projects:search": "projects", "/v3/folders:search": "folders"}
# Small pages, so scoped answers are paged like the unscoped fixtures.
PAGE_SIZE = 3
_TERM = re.compile(r"^parent[:=]((?:organizations|folders)/\d+)$", re.IGNORECASE)


def _parents(query: str) -> list[str] | None:
    terms = [t for t in query.split() if t.upper() != "OR"]
    found = [_TERM.match(t) for t in terms]
    if not terms or not all(found):
        return None
    return [m.group(1) for m in found if m]


def _index(root: Path, path: str) -> list[dict[str, Any]]:
    """Every item of the plain fixture's pages (following nextPageToken)."""
    key = SEARCHES[path]
    base = root / path.strip("/").replace(":", "@")
    items: list[dict[str, Any]] = []
    file = base.with_name(base.name + ".json")
    while file.is_file():
        page = json.loads(file.read_text(encoding="utf-8"))
        items += page.get(key, [])
        token = page.get("nextPageToken")
        file = base.with_name(f"{base.name}.{token}.json") if token else Path("/nonexistent")
    return items


def answer(root: Path, path: str, query: dict[str, str]) -> tuple[int, Any] | None:
    """The scoped search's page, or None when `path` is no search or the query is empty."""
    if path not in SEARCHES or not query.get("query"):
        return None
    parents = _parents(query["query"])
    if parents is None:
        message = f"The fake understands only parent terms in a search query: {query['query']}"
        return 400, {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}
    wanted = {p.lower() for p in parents}
    hits = [i for i in _index(root, path) if str(i.get("parent", "")).lower() in wanted]
    start = int(query.get("pageToken") or 0)
    body: dict[str, Any] = {}
    if hits[start : start + PAGE_SIZE]:
        body[SEARCHES[path]] = hits[start : start + PAGE_SIZE]
    if start + PAGE_SIZE < len(hits):
        body["nextPageToken"] = str(start + PAGE_SIZE)
    return 200, body
