"""A streamed read inside atomic() runs in the block's transaction and never ends it: whichever statement comes first
(the read begins the transaction lazily as well as a write does), nested or not, a select_for_update() stream
keeping its locks until the block ends. The same on both transports: the Data API alias and psycopg."""

import pytest
from django.contrib.auth.models import Group
from django.db import OperationalError, connections, transaction


@pytest.fixture(autouse=True)
def _committed(django_db_blocker):
    """Real commits on both connections, without pytest-django's flush of every table after each test: what these
    tests write they delete themselves."""
    with django_db_blocker.unblock():
        yield


TRANSPORTS = ["dataapi", "direct"]  # direct: the stock postgresql backend (psycopg), the same role


def other(alias: str) -> str:
    return "direct" if alias == "dataapi" else "dataapi"


def names_seen_elsewhere(alias: str) -> set[str]:
    """What is committed, seen through the other connection."""
    return set(Group.objects.using(other(alias)).filter(name__startswith="uow-").values_list("name", flat=True))


@pytest.fixture(autouse=True)
def _no_groups_left():
    yield
    Group.objects.using("direct").filter(name__startswith="uow-").delete()


@pytest.fixture(params=TRANSPORTS)
def alias(request):
    Group.objects.using("direct").create(name="uow-existing")
    return request.param


def test_a_streamed_read_first_in_nested_blocks_keeps_the_blocks_transaction(alias):
    groups = Group.objects.using(alias)
    with transaction.atomic(using=alias), transaction.atomic(using=alias):
        assert [g.name for g in groups.filter(name__startswith="uow-").iterator()] == ["uow-existing"]
        groups.create(name="uow-after-read")  # the savepoints the read sent are still there: RELEASE succeeds
    assert names_seen_elsewhere(alias) == {"uow-existing", "uow-after-read"}


def test_a_streamed_read_first_does_not_commit_the_block(alias):
    groups = Group.objects.using(alias)
    with transaction.atomic(using=alias):
        list(groups.iterator())
        groups.create(name="uow-rolled-back")
        transaction.set_rollback(True, using=alias)
    assert names_seen_elsewhere(alias) == {"uow-existing"}


def test_a_streamed_read_after_a_write_sees_it_and_does_not_commit_it(alias):
    groups = Group.objects.using(alias)
    with pytest.raises(RuntimeError), transaction.atomic(using=alias):
        groups.create(name="uow-written")
        assert {g.name for g in groups.filter(name__startswith="uow-").iterator()} == {"uow-existing", "uow-written"}
        assert names_seen_elsewhere(alias) == {"uow-existing"}  # not committed by the read
        raise RuntimeError
    assert names_seen_elsewhere(alias) == {"uow-existing"}


def test_a_streamed_read_in_an_inner_block_that_rolls_back(alias):
    groups = Group.objects.using(alias)
    with transaction.atomic(using=alias):
        with pytest.raises(RuntimeError), transaction.atomic(using=alias):
            list(groups.iterator())
            groups.create(name="uow-inner")
            raise RuntimeError
        groups.create(name="uow-outer")
        assert names_seen_elsewhere(alias) == {"uow-existing"}
    assert names_seen_elsewhere(alias) == {"uow-existing", "uow-outer"}


def test_select_for_update_iterator_keeps_its_locks_until_the_block_ends(alias):
    groups = Group.objects.using(alias)
    with transaction.atomic(using=alias):
        assert [g.name for g in groups.select_for_update().filter(name="uow-existing").iterator()] == ["uow-existing"]
        # the read is over; its locks are the block's
        with pytest.raises(OperationalError), transaction.atomic(using=other(alias)):
            list(Group.objects.using(other(alias)).select_for_update(nowait=True).filter(name="uow-existing"))
    with transaction.atomic(using=other(alias)):  # released with the block
        assert len(Group.objects.using(other(alias)).select_for_update(nowait=True).filter(name="uow-existing")) == 1


def test_the_connection_cannot_be_closed_inside_an_atomic_block(dataapi):
    from django.db.transaction import TransactionManagementError

    with pytest.raises(TransactionManagementError, match="inside an atomic block is refused"):
        with transaction.atomic(using="dataapi"):
            Group.objects.using("dataapi").create(name="uow-kept-out")
            connections["dataapi"].close()
    assert names_seen_elsewhere("dataapi") == set()  # the block rolled back, as it does for any exception
    assert Group.objects.using("dataapi").filter(name="uow-kept-out").count() == 0  # and the connection serves on
