#!/usr/bin/env python3
"""An out-of-process probing extension in Python (see docs/extensions.md).

It speaks newline-delimited JSON on stdin/stdout and logs only to stderr.
"""
import itertools
import json
import sys

DESCRIPTION = {
    "name": "pyqueue",
    "version": "1.0.0",
    "description": "a job queue's backlog, and the target's own view",
    "namespaces": [
        {
            "name": "pyqueue",
            "tables": [
                {"name": "jobs", "description": "jobs in the queue", "columns": [
                    {"name": "id", "type": "integer", "doc": "job id"},
                    {"name": "state", "type": "string", "doc": "waiting, running or failed"},
                    {"name": "attempts", "type": "integer", "doc": "attempts so far"},
                ]},
                {"name": "target", "description": "what the target says about itself (asked through the CLI)", "columns": [
                    {"name": "pid", "type": "integer", "doc": "the target's pid"},
                    {"name": "node", "type": "string", "doc": "the target's Node.js version"},
                ]},
            ],
        }
    ],
    "options": [{"key": "jobs", "help": "how many jobs the queue holds", "default": 5}],
    "calls": [
        {"name": "stats", "description": "counts of jobs by state", "params": {}},
        {"name": "retry", "description": "retries a job", "params": {"id": "the job id"}},
    ],
}

_ids = itertools.count(1)


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def evaluate(expression):
    """Asks the CLI to evaluate an expression in the target and waits for the answer."""
    request_id = "py-%d" % next(_ids)
    send({"id": request_id, "method": "evaluate", "params": {"expression": expression}})
    for line in sys.stdin:
        reply = json.loads(line)
        if reply.get("id") == request_id:
            if "error" in reply:
                raise RuntimeError(reply["error"]["message"])
            return reply["result"]
    raise RuntimeError("stdin closed")


def jobs(count):
    return [{"id": i + 1, "state": ["waiting", "running", "failed"][i % 3], "attempts": i % 4} for i in range(count)]


def answer(method, params):
    if method == "describe":
        return DESCRIPTION
    if method == "rows":
        if params["table"] == "jobs":
            return {"rows": jobs(int(params["options"]["jobs"]))}
        if params["table"] == "target":
            return {"rows": [evaluate("({ pid: process.pid, node: process.version })")]}
        raise ValueError("no table %s" % params["table"])
    if method == "call":
        if params["name"] == "stats":
            counts = {}
            for job in jobs(int(params["options"]["jobs"])):
                counts[job["state"]] = counts.get(job["state"], 0) + 1
            return counts
        if params["name"] == "retry":
            return {"retried": int(params["args"]["id"]), "target": evaluate("process.pid")}
        raise ValueError("no call %s" % params["name"])
    raise ValueError("unknown method %s" % method)


def main():
    for line in sys.stdin:
        message = json.loads(line)
        try:
            send({"id": message["id"], "result": answer(message["method"], message.get("params") or {})})
        except Exception as error:  # noqa: BLE001 - every failure goes back to the CLI
            send({"id": message["id"], "error": {"message": str(error)}})


if __name__ == "__main__":
    main()
