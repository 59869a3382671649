"""The channel contract 通道契约: delivery results are reported, failures reported not raised.

``make_backend`` returns a working channel; ``make_failing_backend`` (optional) a channel set up
so that delivery fails (e.g. an unwritable file, an unreachable server). Without it, the
failure tests skip saying so.

A ``send`` that answers "delivered" proves nothing by itself: the ``delivered`` fixture lets the
contract see what actually arrived. Either hand the kit's :class:`DeliverySink` (the ``sink``
fixture) to your channel's transport and return ``sink.ids``, or read your own transport back
(the file you appended to, your fake server's log). Without it the delivery tests skip.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pytest

from fengqiao_core.model.personal import FreeText
from fengqiao_core.ports import Channel, DeliveryResult, OutboxMessage
from fengqiao_core.testing.contracts._base import Contract
from fengqiao_core.testing.contracts._data import AT
from fengqiao_core.testing.histories import HOSTILE_STRINGS

__all__ = ["ChannelContract", "DeliverySink"]

Observer = Callable[[], Sequence[str]]
"""Returns the ids of the messages that actually arrived so far, once per arrival, in order."""


class DeliverySink:
    """A recording sink 投递记录 a channel under test writes to: what actually arrived.

    Thread-safe. Give :meth:`record` to the channel's transport (a fake client, a callback);
    the contract reads :meth:`ids`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._arrived: list[OutboxMessage] = []

    def record(self, message: OutboxMessage) -> None:
        """Note that ``message`` arrived (call it once per arrival)."""
        with self._lock:
            self._arrived.append(message)

    def messages(self) -> list[OutboxMessage]:
        """The messages that arrived, in order of arrival."""
        with self._lock:
            return list(self._arrived)

    def ids(self) -> list[str]:
        """The ids of the messages that arrived, in order of arrival."""
        return [message.id for message in self.messages()]


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

    @pytest.fixture
    def sink(self) -> DeliverySink:
        """A new, empty :class:`DeliverySink` for the test (pass it to your channel)."""
        return DeliverySink()

    @pytest.fixture
    def delivered(self) -> Observer | None:
        """Override this: a callable giving the ids of the messages that actually arrived.

        E.g. ``return sink.ids`` when ``make_backend`` wired the ``sink`` fixture in, or a
        function reading your file back. ``None`` (the default) skips the delivery tests.
        """
        return None

    def test_every_delivered_message_arrives_exactly_once(
        self, make_backend: Channel, delivered: Observer | None
    ) -> None:
        """What ``send`` reports delivered arrived once, none dropped or doubled, in send order.

        Forty messages one after another, then forty more from four threads at once.
        """
        if delivered is None:
            pytest.skip("the contract cannot see deliveries: override the delivered fixture")
        before = list(delivered())
        sent = [make_backend.send(_message(f"seq-{n:02d}")) for n in range(40)]
        said = [f"seq-{n:02d}" for n, result in enumerate(sent) if result.delivered]
        assert said, "the channel delivered none of forty messages"
        arrived = list(delivered())[len(before) :]
        assert arrived == said, _arrival_problems(arrived, said)
        results = _send_from_threads(make_backend, threads=4, each=10)
        said_too = sorted(i for i, r in results.items() if r.delivered)
        arrived_too = sorted(list(delivered())[len(before) + len(arrived) :])
        assert arrived_too == said_too, _arrival_problems(arrived_too, said_too)

    def test_a_message_sent_again_arrives_once(
        self, make_backend: Channel, delivered: Observer | None
    ) -> None:
        """``message.id`` is the idempotency key: a resend (a retry) does not arrive twice."""
        if delivered is None:
            pytest.skip("the contract cannot see deliveries: override the delivered fixture")
        before = len(delivered())
        first = make_backend.send(_message("again-1"))
        second = make_backend.send(_message("again-1"))
        assert first.delivered, "the channel did not deliver the message the first time"
        assert second.delivered, "a resent message that already arrived is delivered, not failed"
        arrived = list(delivered())[before:]
        assert arrived == ["again-1"], f"one message sent twice arrived {len(arrived)} times"

    def test_delivery_is_reported(self, make_backend: Channel) -> None:
        """``send`` returns a :class:`DeliveryResult` saying the message was delivered."""
        result = make_backend.send(_message("m1"))
        assert isinstance(result, DeliveryResult)
        assert result.delivered is True

    def test_hostile_and_long_texts_are_sent_not_raised(
        self, make_backend: Channel, delivered: Observer | None
    ) -> None:
        """SQL, control characters, RTL marks and 1 MB texts give a result, never an exception."""
        results = [
            make_backend.send(_message(f"h{i}", text))
            for i, text in enumerate(HOSTILE_STRINGS.values())
        ]
        assert all(isinstance(r, DeliveryResult) for r in results)
        if delivered is not None:  # what it says it delivered arrived, long texts included
            said = [f"h{i}" for i, result in enumerate(results) if result.delivered]
            arrived = [i for i in delivered() if i.startswith("h")]
            assert arrived == said, _arrival_problems(arrived, said)

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

        _run_threads(work, threads)
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


def _send_from_threads(channel: Channel, threads: int, each: int) -> dict[str, DeliveryResult]:
    barrier = threading.Barrier(threads)
    results: dict[str, DeliveryResult] = {}
    lock = threading.Lock()

    def work(worker: int) -> None:
        barrier.wait()
        for i in range(each):
            message_id = f"t{worker}-{i:02d}"
            result = channel.send(_message(message_id))
            with lock:
                results[message_id] = result

    _run_threads(work, threads)
    return results


def _run_threads(work: Callable[[int], None], threads: int) -> None:
    """Run ``work(n)`` in ``threads`` threads; re-raise the first exception one of them raised.

    A channel that raises (a skeleton's ``NotImplementedError`` included) fails the test with
    its own message, not with a count of missing results.
    """
    errors: list[BaseException] = []

    def guarded(worker: int) -> None:
        try:
            work(worker)
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=guarded, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]


def _arrival_problems(arrived: Sequence[str], said: Sequence[str]) -> str:
    dropped = sorted(set(said) - set(arrived))
    doubled = sorted({i for i in arrived if arrived.count(i) > 1})
    unknown = sorted(set(arrived) - set(said))
    order = "" if dropped or doubled or unknown else " (all arrived once, but out of order)"
    return (
        f"reported delivered but never arrived: {dropped[:5]}; arrived more than once: "
        f"{doubled[:5]}; arrived without being reported delivered: {unknown[:5]}{order}"
    )
