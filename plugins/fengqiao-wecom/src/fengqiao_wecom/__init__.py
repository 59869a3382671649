"""WeCom (企业微信) group-robot channel 企业微信群机器人通道 for fengqiao_core.

``channel = "wecom"`` or ``channel = "wecom://<key file>?<options>"`` in a station file. The
channel module (and httpx) is imported only when the backend is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao_core import hookimpl
from fengqiao_core.ports import BackendContext, BackendSpec

if TYPE_CHECKING:
    from fengqiao_wecom.channel import WeComChannel

__all__ = ["FENGQIAO_PLUGIN_API", "fengqiao_register_backends", "open_channel"]

FENGQIAO_PLUGIN_API = 1


def open_channel(context: BackendContext) -> WeComChannel:
    """Factory of the ``wecom`` channel (see :meth:`WeComChannel.from_context`)."""
    from fengqiao_wecom.channel import WeComChannel

    return WeComChannel.from_context(context)


@hookimpl
def fengqiao_register_backends() -> list[BackendSpec]:
    """Register the ``wecom`` channel."""
    return [
        BackendSpec(
            "channel",
            "wecom",
            open_channel,
            "posts to WeCom group robots: rate-limited, retried, journalled (once per message)",
            ("wecom",),
        )
    ]
