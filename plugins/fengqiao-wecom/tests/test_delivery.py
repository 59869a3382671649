"""Rate limit, error classes, retries and once-only delivery against the fake robot API."""

import datetime as dt
import json
import socket

import pytest
from fengqiao_wecom.channel import MARGIN
from fengqiao_wecom.render import TEXT_LIMIT
from fengqiao_wecom.testing import KEY, OTHER_KEY

from fengqiao_core.model import DEFAULT_CATEGORIES, FreeText, MatterKind
from fengqiao_core.ports import OutboxMessage

AT = dt.datetime(2026, 11, 28, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def msg(message_id, text="今晚8点停水, 请提前储水", target="group-1"):
    return OutboxMessage(id=message_id, target=target, text=FreeText(text), created_at=AT)


def most_in_a_minute(stamps):
    return max((sum(1 for s in stamps if t - 60 < s <= t) for t in stamps), default=0)


def test_hundred_messages_take_the_time_the_limit_demands(make_channel, robot, fake_time):
    channel = make_channel()
    start = fake_time.now
    results = [channel.send(msg(f"m{i}", f"通知 {i}")) for i in range(100)]
    assert all(r.delivered for r in results)
    assert robot.texts() == [f"通知 {i}" for i in range(100)]
    # 20 go at once, then each further 20 wait for the first token of the window to return
    # (60 s and the 1 s margin for the time a request takes to arrive)
    assert fake_time.waits == pytest.approx([60.0 + MARGIN] * 4)
    assert fake_time.now - start >= (100 / 20 - 1) * 60
    assert most_in_a_minute([at for _, _, at in robot.accepted]) == 20
    assert robot.answers["45009"] == 0


def test_two_channels_on_one_state_file_share_the_bucket(make_channel, robot, fake_time):
    first, second = make_channel(), make_channel()
    for i in range(40):
        assert (first if i % 2 else second).send(msg(f"m{i}", f"通知 {i}")).delivered
    assert fake_time.waits == pytest.approx([60.0 + MARGIN])
    assert robot.answers["45009"] == 0
    assert len(robot.texts()) == 40


def test_robots_have_their_own_buckets(make_channel, robot, fake_time):
    channel = make_channel(groups={"group-1": KEY, "group-2": OTHER_KEY})
    for i in range(20):
        assert channel.send(msg(f"a{i}", target="group-1")).delivered
        assert channel.send(msg(f"b{i}", target="group-2")).delivered
    assert fake_time.waits == []


def test_thirty_percent_failures_still_deliver_each_message_exactly_once(
    make_channel, robot, fake_time
):
    robot.fail_rate = 0.3
    channel = make_channel()
    pending = {f"m{i}": f"通知 {i}" for i in range(100)}
    for _ in range(10):  # what the outbox does: retry what was not delivered
        results = {mid: channel.send(msg(mid, text)) for mid, text in pending.items()}
        assert all(r.retry for r in results.values() if not r.delivered)
        pending = {mid: pending[mid] for mid, r in results.items() if not r.delivered}
        if not pending:
            break
    assert not pending
    assert sorted(robot.texts()) == sorted(f"通知 {i}" for i in range(100))
    failures = sum(n for answer, n in robot.answers.items() if answer.startswith("fail-"))
    assert failures > 20
    assert most_in_a_minute([at for _, _, at in robot.accepted]) <= 20


def test_invalid_key_is_a_dead_letter_without_retries(make_channel, robot):
    channel = make_channel(groups={"group-1": "ffffffff-dead-4000-8000-00000000dead"})
    result = channel.send(msg("m1"))
    assert not result.delivered
    assert result.retry is False
    assert "93000" in result.detail
    assert "group group-1" in result.detail
    assert "key file" in result.detail
    assert len(result.detail) <= 200  # the outbox keeps 200 characters
    assert robot.answers["93000"] == 1


def test_network_errors_back_off_with_jitter_then_leave_it_to_the_outbox(
    make_channel, robot, fake_time
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    channel = make_channel(options=f"&base=http://127.0.0.1:{closed}/send&tries=4")
    result = channel.send(msg("m1"))
    assert not result.delivered
    assert result.retry is True
    assert "ConnectError" in result.detail
    assert len(fake_time.waits) == 3
    for n, wait in enumerate(fake_time.waits, start=1):
        assert 2 ** (n - 1) / 2 <= wait <= 2 ** (n - 1)
    assert channel.state.states("m1#") == {}  # nothing sent: free to try again


def test_a_resent_message_is_not_posted_again(make_channel, robot):
    channel = make_channel()
    assert channel.send(msg("m1")).delivered
    assert channel.send(msg("m1")).delivered
    assert robot.texts() == ["今晚8点停水, 请提前储水"]


def test_a_part_being_posted_by_another_channel_of_this_process_is_busy(make_channel, robot):
    first, second = make_channel(), make_channel()
    assert first.state.begin("m1#0", "r").value == "claimed"
    result = second.send(msg("m1"))
    assert (result.delivered, result.retry) == (False, True)
    assert "being posted" in result.detail
    first.state.finish("m1#0", "unsent")
    assert second.send(msg("m1")).delivered
    assert robot.texts() == ["今晚8点停水, 请提前储水"]


def test_a_long_message_resumes_after_its_last_part_sent(make_channel, robot):
    channel = make_channel()
    text = "\n".join(["一行通知" * 50] * 30)
    assert channel.send(msg("m1", text)).delivered
    parts = robot.texts()
    assert len(parts) > 2
    assert all(len(p.encode()) <= TEXT_LIMIT for p in parts)
    assert "".join(parts) == text
    channel.state.begin("m1#1", "r")  # as if parts 1 and 2 had not been sent
    channel.state.finish("m1#1", "unsent")
    channel.state.begin("m1#2", "r")
    channel.state.finish("m1#2", "unsent")
    assert channel.send(msg("m1", text)).delivered
    assert robot.texts()[len(parts) :] == parts[1:3]


def test_a_dropped_answer_is_held_not_posted_twice(make_channel, robot):
    robot.drop_next = 1
    channel = make_channel()
    first = channel.send(msg("m1"))
    assert not first.delivered
    assert first.retry is False
    assert "uncertain" in first.detail
    again = channel.send(msg("m1"))
    assert again.retry is False
    assert "uncertain" in again.detail
    assert robot.texts() == ["今晚8点停水, 请提前储水"]


def test_repost_uncertain_chooses_at_least_once(make_channel, robot):
    robot.drop_next = 1
    channel = make_channel(options="&uncertain=repost")
    assert channel.send(msg("m1")).delivered
    assert robot.texts() == ["今晚8点停水, 请提前储水"] * 2


def test_oversized_and_empty_messages_are_dead_letters(make_channel, robot):
    channel = make_channel(options="&max_parts=3")
    long = channel.send(msg("m1", "字" * 10_000))
    empty = channel.send(msg("m2", "  \n"))
    assert (long.delivered, long.retry, empty.delivered, empty.retry) == (False,) * 4
    assert "max_parts" in long.detail
    assert robot.accepted == []


def test_no_personal_value_reaches_a_resident_group(make_channel, robot, miaoshan):
    channel = make_channel(groups={"G01": KEY}, station=miaoshan)
    people = [p.name.reveal() for p in (*miaoshan.red_stewards, *miaoshan.officers)]
    categories = [c.label_zh for c in DEFAULT_CATEGORIES if c.kind is MatterKind.DISPUTE]
    personal = ["13800138000", "139-1234-5678", "420115199001011234", "6222020200112233445"]
    texts = [
        f"{name}({phone}) 的{category}已化解"
        for name, phone, category in zip(people[:40], personal * 10, categories * 3, strict=False)
    ]
    for i, text in enumerate(texts):
        assert channel.send(msg(f"p{i}", text, target="G01")).delivered
    sent = json.dumps([p for _, p, _ in robot.accepted], ensure_ascii=False)
    squeezed = sent.replace(" ", "").replace("-", "")
    for value in [*people, *categories, *personal]:
        assert value.replace("-", "") not in squeezed
    assert len(robot.accepted) == len(texts)


def test_officer_is_mentioned_by_mobile_with_the_matter_link(make_channel, robot, miaoshan):
    channel = make_channel(station=miaoshan, options="&link=https://desk.example/m/")
    officer = miaoshan.officers[0]
    assert channel.send(msg("m1", "事项 M9：受理", target=officer.id)).delivered
    [(key, payload, _)] = robot.accepted
    assert key != KEY  # the staff group's robot
    assert payload["text"]["mentioned_mobile_list"] == [officer.phone.reveal()]
    assert "https://desk.example/m/M9" in payload["text"]["content"]


@pytest.mark.parametrize(
    ("target", "hint"), [("G02", "FENGQIAO_WECOM_KEY_G02"), ("nobody", "neither")]
)
def test_unroutable_targets_are_dead_letters_saying_what_to_configure(
    make_channel, robot, miaoshan, target, hint
):
    channel = make_channel(groups={"G01": KEY}, station=miaoshan)
    result = channel.send(msg("m1", target=target))
    assert (result.delivered, result.retry) == (False, False)
    assert hint in result.detail


def test_the_outbox_dispatcher_delivers_and_records(make_channel, robot, clock):
    from fengqiao_core.plugins import Plugins
    from fengqiao_core.ports import BackendContext
    from fengqiao_core.station.dispatch import Dispatcher

    storage = Plugins().open_backend("storage", BackendContext("memory", None, None))
    with storage.unit_of_work() as uow:
        for i in range(3):
            uow.outbox.add(msg(f"d{i}", f"通知 {i}"))
        uow.commit()
    report = Dispatcher(storage, make_channel(), clock).deliver_due()
    assert (report.delivered, report.failed) == (3, 0)
    with storage.unit_of_work() as uow:
        assert uow.outbox.pending(clock.advance(hours=1)) == []
    assert sorted(robot.texts()) == ["通知 0", "通知 1", "通知 2"]
