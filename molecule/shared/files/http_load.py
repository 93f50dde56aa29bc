# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Post records to the event gateway without a pause, and count what failed.

Runs until the stop file appears, --count requests are sent or --seconds pass, whichever comes
first, one request at a time on fresh connections (a restarting replica must not be hidden
behind a kept-alive connection to another one), each with --cookie when given (Traefik's
sticky cookie). Each request carries --batch records, each value {"load": <number>, "run": --run}.
A request fails when it gets no answer, or an answer other than 200 with an offset for every
record. Prints one JSON line: sent, ok, failed, the failures by cause (status
or error class), the first few failure messages, and the first Set-Cookie header answered.
Standard library only; TLS is not verified (the scenarios use a self-signed certificate).
"""

import argparse
import collections
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

CONTENT_TYPE = "application/vnd.kafka.json.v2+json"


def post_one(url, headers, number, context, batch=1, run=None):
    """None when every record got an offset, else (cause, message); and the answer's Set-Cookie."""
    records = [{"value": {"load": number * batch + index, "run": run}} for index in range(batch)]
    body = json.dumps({"records": records}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:
            offsets = json.load(answer).get("offsets", [])
            if answer.status == 200 and len(offsets) == batch and all("offset" in entry for entry in offsets):
                return None, answer.headers.get("Set-Cookie")
            return (f"status {answer.status}", json.dumps(offsets)[:200]), answer.headers.get("Set-Cookie")
    except urllib.error.HTTPError as error:
        return (f"status {error.code}", error.read().decode(errors="replace")[:200]), None
    except (OSError, ValueError) as error:
        return (type(error).__name__, str(error)[:200]), None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="https://traefik:8000/topics/<topic>")
    parser.add_argument("--key-file", required=True, help="a file holding the source's API key")
    parser.add_argument("--cookie", help="a Cookie header to send with every request")
    parser.add_argument("--stop", help="stop once this file exists")
    parser.add_argument("--started", help="written after the first request that succeeded")
    parser.add_argument("--count", type=int, default=100000)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--batch", type=int, default=1, help="records per request")
    parser.add_argument("--pause", type=float, default=0, help="seconds between requests (a steady trickle instead of a flood)")
    parser.add_argument("--run", help="a tag written into every record's value")
    args = parser.parse_args()
    with open(args.key_file, encoding="utf-8") as handle:
        headers = {"Content-Type": CONTENT_TYPE, "Authorization": f"Bearer {handle.read().strip()}"}
    if args.cookie:
        headers["Cookie"] = args.cookie
    # The scenario's certificate is self-signed: encryption without verification.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + args.seconds
    causes, messages, sent, set_cookie = collections.Counter(), [], 0, None
    while sent < args.count and time.monotonic() < deadline and not (args.stop and os.path.exists(args.stop)):
        if sent and args.pause:
            time.sleep(args.pause)
        failure, cookie = post_one(args.url, headers, sent, context, args.batch, args.run)
        set_cookie = set_cookie or cookie
        sent += 1
        if failure is None:
            if args.started and not os.path.exists(args.started):
                with open(args.started, "w", encoding="utf-8") as handle:
                    handle.write(str(sent))
            continue
        causes[failure[0]] += 1
        if len(messages) < 5:
            messages.append(f"request {sent}: {failure[0]}: {failure[1]}")
    failed = sum(causes.values())
    print(json.dumps({"sent": sent, "ok": sent - failed, "records_ok": (sent - failed) * args.batch, "failed": failed,
                      "causes": dict(causes), "first_failures": messages,
                      "set_cookie": set_cookie}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
