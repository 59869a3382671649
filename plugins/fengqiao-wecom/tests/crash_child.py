"""Run by test_crash.py as a separate process: sends messages c0…c<n-1> through the channel."""

import datetime as dt
import json
import sys

from fengqiao_core.model import FreeText
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext, OutboxMessage

AT = dt.datetime(2026, 11, 28, 9, tzinfo=dt.UTC)


def main(url: str, count: int) -> None:
    channel = Plugins().open_backend("channel", BackendContext(url, None, None))
    for i in range(count):
        message = OutboxMessage(id=f"c{i}", target="G01", text=FreeText(f"通知 {i}"), created_at=AT)
        result = channel.send(message)
        print(
            json.dumps(
                {
                    "id": message.id,
                    "delivered": result.delivered,
                    "retry": result.retry,
                    "detail": result.detail,
                }
            ),
            flush=True,
        )
    channel.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
