"""The mock runtime of generated servers: request pipeline, state store, CRUD and vendor behaviours.

This package is copied into every generated package as `_mock/`, so it imports only runtime deps.
"""

from .handlers import MockHandlers
from .runtime import (
    ApiRequest,
    ApiResponse,
    EmptyParameterPaths,
    LiteralRoutes,
    MockConfig,
    Pipeline,
    Problem,
    Spec,
    reads_as_json,
    render,
)
from .state import MemoryStore, SqliteStore, Store, open_store

__all__ = [
    "ApiRequest",
    "ApiResponse",
    "EmptyParameterPaths",
    "LiteralRoutes",
    "MemoryStore",
    "MockConfig",
    "MockHandlers",
    "Pipeline",
    "Problem",
    "Spec",
    "SqliteStore",
    "Store",
    "open_store",
    "reads_as_json",
    "render",
]
