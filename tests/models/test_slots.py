"""Model-call slots: never more holders than slots, and waiters admitted lowest priority first."""

from __future__ import annotations

import threading
import time

from lbi.models.slots import PrioritySlots


def test_waiters_are_admitted_lowest_priority_first_and_never_beyond_the_slots() -> None:
    slots = PrioritySlots(2)
    admitted: list[int] = []
    holding = 0
    most_holding = 0
    guard = threading.Lock()
    gate = threading.Event()

    def call(priority: int) -> None:
        nonlocal holding, most_holding
        with slots.hold(priority):
            with guard:
                holding += 1
                most_holding = max(most_holding, holding)
                admitted.append(priority)
            gate.wait(5)
            time.sleep(0.01)
            with guard:
                holding -= 1

    first = [threading.Thread(target=call, args=(p,)) for p in (100, 101)]
    for thread in first:
        thread.start()
    while len(admitted) < 2:
        time.sleep(0.001)
    waiters = [threading.Thread(target=call, args=(p,)) for p in (7, 3, 9, 1, 5)]
    for thread in waiters:
        thread.start()
        time.sleep(0.01)  # all queued behind the two holders, in this arrival order
    gate.set()
    for thread in first + waiters:
        thread.join(10)

    assert most_holding == 2
    assert admitted[:2] == [100, 101] or admitted[:2] == [101, 100]
    assert admitted[2:] == [1, 3, 5, 7, 9]


def test_equal_priorities_are_admitted_in_arrival_order() -> None:
    slots = PrioritySlots(1)
    order: list[str] = []
    gate = threading.Event()

    def call(name: str) -> None:
        with slots.hold(0):
            order.append(name)
            gate.wait(5)

    holder = threading.Thread(target=call, args=("holder",))
    holder.start()
    while not order:
        time.sleep(0.001)
    names = ["a", "b", "c", "d"]
    threads = []
    for name in names:
        threads.append(threading.Thread(target=call, args=(name,)))
        threads[-1].start()
        time.sleep(0.01)
    gate.set()
    for thread in [holder, *threads]:
        thread.join(10)
    assert order == ["holder", *names]
