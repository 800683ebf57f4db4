"""The in-memory fakes stand in for the ports exactly: a fake that drifts from its port would let a
test pass against behaviour no real adapter has."""

from __future__ import annotations

import inspect

import pytest

from hub import ports
from tests import fakes

PAIRS = [
    (fakes.FakeHubStore, ports.HubStore),
    (fakes.FakeQueue, ports.Queue),
    (fakes.FakeMailer, ports.Mailer),
    (fakes.FakeState, ports.StateStore),
]


def port_methods(port: type) -> list[str]:
    return [name for name, value in vars(port).items() if callable(value) and not name.startswith("_")]


@pytest.mark.parametrize(("fake", "port"), PAIRS, ids=[port.__name__ for _, port in PAIRS])
def test_each_fake_implements_every_method_of_its_port_with_the_same_parameters(fake, port):
    """Every method the port declares is defined on the fake itself (not inherited as the Protocol's
    empty body) and takes the same parameters, so a test never calls something no adapter has."""
    assert port in fake.__mro__
    for name in port_methods(port):
        assert name in vars(fake), f"{fake.__name__} lacks {port.__name__}.{name}"
        want = list(inspect.signature(getattr(port, name)).parameters)
        got = list(inspect.signature(getattr(fake, name)).parameters)
        assert got == want, f"{fake.__name__}.{name}{got} differs from the port's {want}"


def test_the_fake_queue_lists_poisoned_messages_as_the_real_queues_do():
    """poisoned() gives (submission ID, reason) like the journal and Storage queues; a message that is
    not JSON is listed by its text."""
    queue = fakes.FakeQueue()
    queue.put({"kind": "submission", "submissionId": "SUB-1"})
    queue.put_text("not json")
    for message in queue.receive(10, 30):
        queue.poison(message, "failed 5 times")
    assert queue.poisoned() == [("SUB-1", "failed 5 times"), ("not json", "failed 5 times")]
    assert queue.poison_count() == 2 and queue.depth() == 0
