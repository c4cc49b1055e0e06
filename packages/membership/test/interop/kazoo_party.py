# kazoo's Party (python3-kazoo) driven by commands on stdin, one JSON line per answer on stdout.
# usage: python3 kazoo_party.py HOSTS PATH
# commands: join IDENTIFIER | leave IDENTIFIER | list | quit
import json
import sys

from kazoo.client import KazooClient
from kazoo.recipe.party import Party


def say(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    hosts, path = sys.argv[1], sys.argv[2]
    client = KazooClient(hosts=hosts, timeout=10.0)
    client.start(timeout=15)
    parties = {}
    say({"ready": True})
    for line in sys.stdin:
        words = line.strip().split(" ", 1)
        if words[0] == "join":
            party = Party(client, path, words[1])
            party.join()
            parties[words[1]] = party
            say({"joined": words[1], "node": party.node})
        elif words[0] == "leave":
            parties.pop(words[1]).leave()
            say({"left": words[1]})
        elif words[0] == "list":
            say({"list": sorted(Party(client, path))})
        elif words[0] == "quit":
            break
        else:
            say({"error": "unknown command " + words[0]})
    client.stop()
    client.close()
    say({"bye": True})


if __name__ == "__main__":
    main()
