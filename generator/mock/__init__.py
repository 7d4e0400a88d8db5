"""The mock runtime of generated servers: request pipeline, state store, CRUD and vendor behaviours.

This package is copied into every generated package as `_mock/`, so it imports only runtime deps.

Its names load with the module that defines them, on first use: a reader of one light module (`patterns`, which
lint reads examples with) does not pay for the request pipeline's imports.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULES = ("runtime", "handlers", "state")  # where the names of __all__ are defined

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


def __getattr__(name: str) -> Any:
    if name in __all__:
        for module in _MODULES:
            found = import_module(f".{module}", __name__)
            if hasattr(found, name):
                value = getattr(found, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
