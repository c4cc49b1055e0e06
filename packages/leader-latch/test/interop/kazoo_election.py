"""A kazoo Election participant for the interop test: while it leads it writes to the fenced
resource (one JSON line per write, stamped with its id and the czxid of its lock node).
Args: connectString path id fencePort sessionTimeoutMs workIntervalMs"""
import json
import signal
import socket
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.protocol.states import KazooState

connect, path, ident = sys.argv[1], sys.argv[2], sys.argv[3]
fence_port, session_timeout_ms, work_interval_ms = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])

fence = socket.create_connection(("127.0.0.1", fence_port))
fence.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
send_lock = threading.Lock()


def send(message):
    with send_lock:
        fence.sendall((json.dumps(message) + "\n").encode("utf-8"))


def drain():
    # Replies are read and dropped: the verdict is taken at the resource.
    while fence.recv(4096):
        pass


threading.Thread(target=drain, daemon=True).start()
zk = KazooClient(hosts=connect, timeout=session_timeout_ms / 1000.0)
zk.start()
election = zk.Election(path, ident)
stopping = threading.Event()


def on_term(signum, frame):
    stopping.set()
    election.cancel()


signal.signal(signal.SIGTERM, on_term)


def lead():
    node = election.lock.node
    stat = zk.exists(path + "/" + node)
    if stat is None:
        return
    epoch = str(stat.czxid)
    send({"t": "event", "p": ident, "ev": "isLeader", "e": epoch})
    seq = 0
    # kazoo's Election does not end the function on connection loss: watch the state ourselves.
    while not stopping.is_set() and zk.state == KazooState.CONNECTED:
        seq += 1
        send({"t": "write", "p": ident, "e": epoch, "s": seq})
        time.sleep(work_interval_ms / 1000.0)
    send({"t": "event", "p": ident, "ev": "notLeader", "e": epoch})


send({"t": "event", "p": ident, "ev": "joined"})
while not stopping.is_set():
    try:
        election.run(lead)
    except Exception as error:  # a lost connection during acquire: contend again
        print(f"{ident}: {error!r}", file=sys.stderr)
        time.sleep(0.1)
zk.stop()
send({"t": "event", "p": ident, "ev": "closed"})
fence.close()
