"""Contract test mixins 契约测试: what a storage, grid, volunteer or channel backend must do.

Subclass a mixin in a ``Test…`` class and override its one factory fixture, ``make_backend``::

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def make_backend(self, tmp_path):
            return lambda: MyStorage(tmp_path / f"{uuid.uuid4()}.db")

The mixins' names do not start with ``Test``, so pytest never collects them by themselves.
"""

from fengqiao_core.testing.contracts._base import Contract
from fengqiao_core.testing.contracts.aggregates import StorageAggregates
from fengqiao_core.testing.contracts.channel import ChannelContract, DeliverySink
from fengqiao_core.testing.contracts.grid import GridContract
from fengqiao_core.testing.contracts.keys import StorageKeys
from fengqiao_core.testing.contracts.outbox import StorageOutbox
from fengqiao_core.testing.contracts.state_machine import StorageMachine, StorageModelCheck
from fengqiao_core.testing.contracts.storage import StorageTransactions
from fengqiao_core.testing.contracts.storage_data import StorageData
from fengqiao_core.testing.contracts.storage_edges import StorageEdges
from fengqiao_core.testing.contracts.storage_scale import StorageAtScale
from fengqiao_core.testing.contracts.volunteers import VolunteerContract

__all__ = [
    "ChannelContract",
    "Contract",
    "DeliverySink",
    "GridContract",
    "StorageContract",
    "StorageMachine",
    "VolunteerContract",
]


class StorageContract(
    StorageTransactions,
    StorageData,
    StorageAtScale,
    StorageModelCheck,
    StorageOutbox,
    StorageAggregates,
    StorageKeys,
    StorageEdges,
):
    """The whole storage contract: transactions, round trips, volume, aggregates, model check, keys.

    Override ``make_backend`` (a zero-argument callable opening a new, empty store per call);
    if the backend declares ``SHARED_BETWEEN_PROCESSES``, also ``share_backend``. Set
    ``known_gaps`` to skip tests with a reason.
    """
