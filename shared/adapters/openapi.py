"""Pieces of the services' OpenAPI 3.1 documents (ingest's and broadcast's openapi.py)."""

from typing import Any


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def literals(kind: Any) -> list[str]:
    """The values of a `typing.Literal`, for an enum."""
    return list(kind.__args__)


def problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """An answer that is an RFC 9457 problem document (the `Problem` schema)."""
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }
    if headers:
        answer["headers"] = headers
    return answer
