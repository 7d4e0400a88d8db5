"""The mock's HTTP protocol sends an answer's head and body in one write, in order, and nothing is lost on close."""

from __future__ import annotations

import asyncio
from typing import Any

from generator.serve_guard import CoalescingTransport


class Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 4010) if name == "sockname" else default


def test_writes_of_one_turn_leave_as_one_write_in_order() -> None:
    async def main() -> list[bytes]:
        real = Recording()
        transport = CoalescingTransport(real, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        transport.write(b"{}")
        assert real.writes == [], "sent before the turn ended"
        await asyncio.sleep(0)
        transport.write(b"HTTP/1.1 204 No Content\r\n\r\n")  # the next pipelined answer, a later turn
        await asyncio.sleep(0)
        return real.writes

    head = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"
    assert asyncio.run(main()) == [head + b"{}", b"HTTP/1.1 204 No Content\r\n\r\n"]


def test_close_sends_what_was_written_first_and_other_calls_reach_the_transport() -> None:
    async def main() -> Recording:
        real = Recording()
        transport = CoalescingTransport(real, asyncio.get_running_loop())
        transport.write(b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n")
        transport.close()
        await asyncio.sleep(0)  # the scheduled flush finds nothing left and writes nothing after close
        assert transport.get_extra_info("sockname") == ("127.0.0.1", 4010)
        assert transport.is_closing()
        return real

    real = asyncio.run(main())
    assert real.writes == [b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\n\r\n"] and real.closed
