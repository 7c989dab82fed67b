"""Model-call slots: never more holders than slots, and waiters admitted lowest priority first."""

from __future__ import annotations

import threading
import time

from lbi.models.slots import PrioritySlots


def _admission_order(waiters: list[tuple[str, int]]) -> list[str]:
    """With the one slot held, (name, priority) waiters queue in the given arrival order;
    the names in the order they then get the slot."""
    slots = PrioritySlots(1)
    order: list[str] = []
    gate = threading.Event()

    def call(name: str, priority: int) -> None:
        with slots.hold(priority):
            order.append(name)
            gate.wait(5)

    threads = [threading.Thread(target=call, args=("holder", -1))]
    threads[0].start()
    while not order:
        time.sleep(0.001)
    for name, priority in waiters:
        threads.append(threading.Thread(target=call, args=(name, priority)))
        threads[-1].start()
        time.sleep(0.01)  # queued behind the holder, in this arrival order
    gate.set()
    for thread in threads:
        thread.join(10)
    return order[1:]


def test_waiters_are_admitted_lowest_priority_first() -> None:
    assert _admission_order([("p7", 7), ("p3", 3), ("p9", 9), ("p1", 1), ("p5", 5)]) == ["p1", "p3", "p5", "p7", "p9"]


def test_equal_priorities_are_admitted_in_arrival_order() -> None:
    assert _admission_order([("a", 0), ("b", 0), ("c", 0), ("d", 0)]) == ["a", "b", "c", "d"]


def test_never_more_holders_than_slots() -> None:
    slots = PrioritySlots(3)
    holding = most_holding = 0
    guard = threading.Lock()

    def call(priority: int) -> None:
        nonlocal holding, most_holding
        with slots.hold(priority):
            with guard:
                holding += 1
                most_holding = max(most_holding, holding)
            time.sleep(0.02)
            with guard:
                holding -= 1

    threads = [threading.Thread(target=call, args=(p % 5,)) for p in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most_holding == 3 and holding == 0
