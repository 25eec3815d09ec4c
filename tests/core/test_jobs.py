"""The heavy-job queue (core.jobs): a bounded number of jobs at once, one per owner, arrival order, and a waiting
job that gives up leaves the queue."""
import threading
import time

import pytest

from core.jobs import JobQueue


def _run(queue, owner, log, hold=0.2, on_wait=None):
    with queue.slot(owner, on_wait=on_wait):
        log.append(("start", owner, time.monotonic()))
        time.sleep(hold)
        log.append(("end", owner, time.monotonic()))


def test_at_most_slots_jobs_run_at_once_and_waiters_hear_their_place():
    queue, log, heard = JobQueue(slots=1, poll=0.02), [], []
    threads = [threading.Thread(target=_run, args=(queue, f"s{i}", log, 0.15, heard.append)) for i in range(3)]
    for thread in threads:
        thread.start()
        time.sleep(0.03)
    for thread in threads:
        thread.join()
    running, most = 0, 0
    for event, _, _ in sorted(log, key=lambda e: e[2]):
        running += 1 if event == "start" else -1
        most = max(most, running)
    assert most == 1
    assert [owner for event, owner, _ in log if event == "start"] == ["s0", "s1", "s2"]  # arrival order
    assert 2 in heard and 1 in heard  # the last one waited behind two, then one
    assert queue.running == 0 and queue.waiting == 0


def test_one_owner_runs_one_job_at_a_time_while_others_go_on():
    queue, log = JobQueue(slots=2, per_owner=1, poll=0.02), []
    threads = [threading.Thread(target=_run, args=(queue, owner, log, 0.2)) for owner in ("a", "a", "b")]
    for thread in threads:
        thread.start()
        time.sleep(0.02)
    for thread in threads:
        thread.join()
    starts = {owner: [t for e, o, t in log if e == "start" and o == owner] for owner in "ab"}
    ends_a = sorted(t for e, o, t in log if e == "end" and o == "a")
    assert starts["a"][1] >= ends_a[0]  # a's second job waited for its first
    assert starts["b"][0] < ends_a[0]  # b did not wait behind a's second job


def test_a_waiting_job_that_gives_up_leaves_the_queue():
    queue, log = JobQueue(slots=1, poll=0.02), []
    holder = threading.Thread(target=_run, args=(queue, "a", log, 0.3))
    holder.start()
    time.sleep(0.05)

    def gone(ahead):
        raise ConnectionAbortedError("the visitor left")

    with pytest.raises(ConnectionAbortedError):
        with queue.slot("b", on_wait=gone):
            pytest.fail("a job that gave up must not start")
    assert queue.waiting == 0
    holder.join()
    with queue.slot("c"):  # the queue still serves others
        assert queue.running == 1


def test_a_queue_needs_a_slot():
    with pytest.raises(ValueError, match="at least one slot"):
        JobQueue(slots=0)
