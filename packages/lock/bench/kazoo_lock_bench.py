"""kazoo's Lock measured the way bench/lock.bench.ts measures ours; prints one JSON line.

usage: kazoo_lock_bench.py HOSTS UNCONTENDED_SECONDS HANDOFFS WAITERS[,WAITERS...]
"""
import json
import sys
import threading
import time

from kazoo.client import KazooClient

CLIENTS = 10
HOLD_S = 0.002


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] / 1e6


def uncontended(zk, seconds):
    lock = zk.Lock("/bench/kazoo-uncontended", identifier="u")
    count = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        lock.acquire()
        lock.release()
        count += 1
    return count / seconds


def handoff(clients, waiters, handoffs, path):
    state = {"last_release": None, "samples": [], "stop": False}
    guard = threading.Lock()

    def contender(i):
        lock = clients[i % len(clients)].Lock(path, identifier="c%d" % i)
        while not state["stop"]:
            lock.acquire()
            now = time.monotonic_ns()
            with guard:
                if state["last_release"] is not None:
                    state["samples"].append(now - state["last_release"])
                if len(state["samples"]) >= handoffs:
                    state["stop"] = True
            time.sleep(HOLD_S)
            with guard:
                state["last_release"] = time.monotonic_ns()
            lock.release()

    threads = [threading.Thread(target=contender, args=(i,), daemon=True) for i in range(waiters + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    samples = state["samples"]
    return {"waiters": waiters, "handoffs": len(samples), "p50Ms": percentile(samples, 0.5), "p99Ms": percentile(samples, 0.99)}


def main():
    hosts, seconds, handoffs = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    waiter_counts = [int(w) for w in sys.argv[4].split(",")]
    clients = []
    for _ in range(CLIENTS):
        zk = KazooClient(hosts=hosts, timeout=10.0)
        zk.start(timeout=15)
        clients.append(zk)
    result = {"uncontendedPerSecond": uncontended(clients[0], seconds), "handoff": []}
    for waiters in waiter_counts:
        result["handoff"].append(handoff(clients, waiters, handoffs, "/bench/kazoo-handoff-%d" % waiters))
    print(json.dumps(result), flush=True)
    for zk in clients:
        zk.stop()
        zk.close()


if __name__ == "__main__":
    main()
