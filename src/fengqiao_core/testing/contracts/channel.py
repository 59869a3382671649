"""The channel contract 通道契约: delivery results are reported, failures reported not raised.

``make_backend`` returns a working channel; ``make_failing_backend`` (optional) a channel set up
so that delivery fails (e.g. an unwritable file, an unreachable server). Without it, the
failure tests skip saying so.
"""

from __future__ import annotations

import threading

import pytest

from fengqiao_core.model.personal import FreeText
from fengqiao_core.ports import Channel, DeliveryResult, OutboxMessage
from fengqiao_core.testing.contracts._base import Contract
from fengqiao_core.testing.contracts._data import AT
from fengqiao_core.testing.histories import HOSTILE_STRINGS

__all__ = ["ChannelContract"]


def _message(message_id: str, text: str = "今晚8点停水, 请提前储水") -> OutboxMessage:
    return OutboxMessage(id=message_id, target="group-1", text=FreeText(text), created_at=AT)


class ChannelContract(Contract):
    """What a :class:`~fengqiao_core.ports.Channel` must do; override ``make_backend``."""

    @pytest.fixture
    def make_backend(self) -> Channel:
        """Override this: return a channel that can deliver."""
        raise NotImplementedError("override the make_backend fixture in your Test… subclass")

    @pytest.fixture
    def make_failing_backend(self) -> Channel:
        """Override this with a channel whose deliveries fail; the failure tests skip otherwise."""
        pytest.skip("no failing configuration given (override make_failing_backend)")

    def test_delivery_is_reported(self, make_backend: Channel) -> None:
        """``send`` returns a :class:`DeliveryResult` saying the message was delivered."""
        result = make_backend.send(_message("m1"))
        assert isinstance(result, DeliveryResult)
        assert result.delivered is True

    def test_hostile_and_long_texts_are_sent_not_raised(self, make_backend: Channel) -> None:
        """SQL, control characters, RTL marks and 1 MB texts give a result, never an exception."""
        results = [
            make_backend.send(_message(f"h{i}", text))
            for i, text in enumerate(HOSTILE_STRINGS.values())
        ]
        assert all(isinstance(r, DeliveryResult) for r in results)

    def test_concurrent_sends_are_each_reported(self, make_backend: Channel) -> None:
        """Messages sent from several threads at once each get a delivered result."""
        threads, each = 4, 10
        barrier = threading.Barrier(threads)
        results: list[DeliveryResult] = []
        lock = threading.Lock()

        def work(worker: int) -> None:
            barrier.wait()
            for i in range(each):
                result = make_backend.send(_message(f"t{worker}-{i}"))
                with lock:
                    results.append(result)

        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(results) == threads * each
        assert all(r.delivered for r in results)

    def test_failures_are_reported_not_raised(self, make_failing_backend: Channel) -> None:
        """A failed delivery returns ``delivered=False`` with a reason instead of raising."""
        result = make_failing_backend.send(_message("f1"))
        assert isinstance(result, DeliveryResult)
        assert result.delivered is False
        assert result.detail

    def test_failure_details_hold_no_message_text(self, make_failing_backend: Channel) -> None:
        """The reason for a failure never repeats the (personal) message text."""
        secret = "张三 13800001111 住在光谷大道8号"
        result = make_failing_backend.send(_message("f2", secret))
        assert "13800001111" not in result.detail
        assert secret not in result.detail
