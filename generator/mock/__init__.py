"""The mock runtime of generated servers: request pipeline, vendor-shaped errors, mock handlers.

`runtime.py` is copied into every generated package as `_mock.py`, so it imports only its runtime deps.
"""
