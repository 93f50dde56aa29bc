# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The event gateway over HTTP (issue 11): wrk against two replicas, straight and through Traefik,
single records and batches of 100, the native producer and other HTTP servers, all in one run.

One KRaft broker from the lab's image on a network of its own with a fixed address (no port
proxy), one topic of 3 partitions. Two replicas of the gateway (`python -m eda_gateway`, uvicorn)
run as processes on loopback ports, with an API key (auth on, as deployed); Traefik (the lab's
image, host network, file provider) has the traefik role's router and weighted round robin
service over them. wrk (Debian's package) loads them with the same 1 KiB JSON events, either
straight (one wrk thread per replica) or through Traefik (both threads to Traefik), for a fixed
time with a fixed number of connections; its Lua script counts every answer that is not 200 and
writes the percentiles as JSON.

The same gateway (its ASGI application: checks, Gateway.produce and its confluent-kafka producer
class, metrics) is served by other Python HTTP servers, two replicas each, under the same load:
aiohttp (on asyncio's loop and on uvloop), granian (RSGI) and a bare asyncio.Protocol with
httptools' parser; each hands the request to the gateway's ASGI call. The native baseline is bare confluent-kafka
producing the same records (acks=all, idempotent, linger.ms=5). Every ratio is against a figure
of the same run. CPU time comes from /proc (utime+stime of each replica's process tree, of
Traefik's and of wrk), resident memory from /proc/PID/stat.

The servers run in a venv of their own (created at the first run, PyPI through pip's own
configuration): the services' pinned requirements.txt plus the candidates pinned below.

    flock /tmp/eda-heavy.lock python benchmarks/gateway_http.py [--duration 20] [--soak 300]
"""

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests import collection_root  # noqa: E402
from tests.containers import docker, free_ports  # noqa: E402

SERVICES = collection_root.SERVICES
NETWORK, SUBNET, ADDRESS = "edabench-gwhttp", "172.30.97.0/24", "172.30.97.10"
BROKER = f"{NETWORK}-broker"
TRAEFIK = f"{NETWORK}-traefik"
BOOTSTRAP = f"{ADDRESS}:9092"
PARTITIONS = 3
BATCH = 100
EVENT_BYTES = 1024
API_KEY = "bench-gateway-http-key"
CONTENT_TYPE = "application/vnd.kafka.json.v2+json"
VENV = Path.home() / ".cache" / "eda-platform" / "bench-http-venv"
# The candidates and what they need beyond the services' requirements.txt, every one pinned.
CANDIDATE_PINS = ["aiohttp==3.14.5", "aiohappyeyeballs==2.7.1", "aiosignal==1.4.0", "attrs==23.2.0", "frozenlist==1.8.0", "idna==3.20",
                  "multidict==7.2.1", "propcache==0.5.4", "typing_extensions==4.16.0", "yarl==1.25.1", "granian==2.8.9"]
GATEWAY = "the gateway (uvicorn + httptools + uvloop)"
THROUGH_TRAEFIK = "the gateway through Traefik"
CONFIG_VAR = "BENCH_GATEWAY_CONFIG"
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
# The traefik role's defaults for the gateway's service (roles/traefik/defaults/main.yml).
HEALTH_INTERVAL_S = 5
# Soak: RSS is flat when the last sample is at most this much above the first one after warm-up.
SOAK_SAMPLE_S = 10
SOAK_WARMUP_S = 60
FLAT_MARGIN = 0.10

WRK_SCRIPT = r"""
-- POST the body of $BENCH_BODY; thread N goes to the Nth of $BENCH_TARGETS (host:port, cyclic)
-- when given; done() writes the counts and latency percentiles (microseconds) to $BENCH_RESULT.
local targets = {}
for target in string.gmatch(os.getenv("BENCH_TARGETS") or "", "[^,]+") do targets[#targets + 1] = target end
local threads = {}

function setup(thread)
  if #targets > 0 then
    local host, port = targets[#threads % #targets + 1]:match("^(.+):(%d+)$")
    thread.addr = wrk.lookup(host, port)[1]
  end
  threads[#threads + 1] = thread
end

local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
not_ok = 0
codes = {}
-- The start of the first answer that was not 200 (Traefik's or the gateway's own words), made JSON-safe.
first_body = ""

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
    codes[status] = (codes[status] or 0) + 1
    if first_body == "" then first_body = string.format("%d %s", status, string.sub(body or "", 1, 300):gsub('[%c"\\]', " ")) end
  end
end

function done(summary, latency, requests)
  local not_ok_total, by_code = 0, {}
  for _, thread in ipairs(threads) do
    not_ok_total = not_ok_total + (thread:get("not_ok") or 0)
    for code, count in pairs(thread:get("codes") or {}) do by_code[code] = (by_code[code] or 0) + count end
  end
  local parts, first = {}, ""
  for _, thread in ipairs(threads) do
    if first == "" then first = thread:get("first_body") or "" end
  end
  for code, count in pairs(by_code) do parts[#parts + 1] = string.format('"%d": %d', code, count) end
  local e = summary.errors
  local out = assert(io.open(os.getenv("BENCH_RESULT"), "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "not_200": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "not_200_by_code": {%s}, "first_not_200": "%s"}',
    summary.requests, summary.duration, not_ok_total, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, table.concat(parts, ", "), first))
  out:close()
end
"""


# ---------------------------------------------------------------- the candidates (run in the venv)

def gateway_of_config():
    """eda_gateway's Gateway (the ASGI application: checks, budget, producer, metrics) for $BENCH_GATEWAY_CONFIG."""
    sys.path.insert(0, str(SERVICES))
    from eda_gateway import config
    from eda_gateway.app import Gateway
    return Gateway(config.load(os.environ[CONFIG_VAR]))


async def call_gateway(gateway, method, path, headers, body):
    """(status, headers, body) of one request read by another server: the gateway's own ASGI call,
    so that every server runs the same code behind its parser (checks, producing, metrics)."""
    answer = {}

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        answer.update(message)

    scope = {"type": "http", "method": method, "path": path,
             "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]}
    await gateway(scope, receive, send)
    return answer["status"], answer["headers"], answer["body"]


def serve_aiohttp(host, port, uvloop_loop):
    """aiohttp (the gateway's server before uvicorn), on asyncio's loop or on uvloop."""
    import asyncio
    from aiohttp import web
    gateway = gateway_of_config()

    async def handle(request):
        status, headers, body = await call_gateway(gateway, request.method, request.path, request.headers.items(), await request.read())
        response = web.Response(status=status, body=body)
        response.headers.update((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers if name != b"content-length")
        return response

    async def on_startup(app):
        await gateway.producer.start()

    async def on_cleanup(app):
        await gateway.producer.close(30)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", handle)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    if uvloop_loop:
        import uvloop
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    web.run_app(app, host=host, port=port, access_log=None, print=None, loop=loop)


class RsgiApp(object):
    """granian --interface rsgi --factory gateway_http:rsgi_app."""

    def __init__(self):
        self.gateway = gateway_of_config()

    def __rsgi_init__(self, loop):
        loop.run_until_complete(self.gateway.producer.start())

    def __rsgi_del__(self, loop):
        loop.run_until_complete(self.gateway.producer.close(30))

    async def __rsgi__(self, scope, protocol):
        body = await protocol()
        status, headers, answer = await call_gateway(self.gateway, scope.method, scope.path, scope.headers.items(), body)
        protocol.response_bytes(status, [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers], answer)


def rsgi_app():
    return RsgiApp()


def serve_bare(host, port):
    """A bare HTTP/1.1 server: asyncio.Protocol, httptools' parser, uvloop; keep-alive, answers in order."""
    import asyncio
    import http
    import httptools
    import uvloop
    gateway = gateway_of_config()

    class Protocol(asyncio.Protocol):
        def __init__(self):
            self.parser = httptools.HttpRequestParser(self)
            self.transport = None
            self.last = None

        def connection_made(self, transport):
            self.transport = transport

        def data_received(self, data):
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                self.transport.close()

        def on_message_begin(self):
            self.url, self.headers, self.body = b"", [], []

        def on_url(self, url):
            self.url += url

        def on_header(self, name, value):
            self.headers.append((name.decode("latin-1"), value.decode("latin-1")))

        def on_body(self, body):
            self.body.append(body)

        def on_message_complete(self):
            method, keep = self.parser.get_method().decode(), self.parser.should_keep_alive()
            path = httptools.parse_url(self.url).path.decode()
            self.last = asyncio.ensure_future(self.respond(method, path, self.headers, b"".join(self.body), keep, self.last))

        async def respond(self, method, path, headers, body, keep, previous):
            status, answer_headers, answer = await call_gateway(gateway, method, path, headers, body)
            if previous is not None:
                await previous
            if self.transport.is_closing():
                return
            lines = b"".join(b"%s: %s\r\n" % pair for pair in answer_headers)
            self.transport.write(b"HTTP/1.1 %d %s\r\n%s%s\r\n%s" % (
                status, http.HTTPStatus(status).phrase.encode(), lines, b"" if keep else b"Connection: close\r\n", answer))
            if not keep:
                self.transport.close()

    async def main():
        await gateway.producer.start()
        stop = asyncio.get_running_loop().create_future()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
        server = await asyncio.get_running_loop().create_server(Protocol, host, port, backlog=1024)
        await stop
        server.close()
        await gateway.producer.close(30)

    uvloop.run(main())


class Candidate(object):
    def __init__(self, name, library, command, gateway=False):
        self.name, self.library, self.command, self.gateway = name, library, command, gateway


def candidates():
    """The servers, each as the command of one replica: command(python, config path, port)."""
    script = str(Path(__file__).resolve())
    return [
        Candidate(GATEWAY, "uvicorn",
                  lambda python, config, port: [python, "-m", "eda_gateway", "--config", config], gateway=True),
        Candidate("aiohttp", "aiohttp",
                  lambda python, config, port: [python, script, "_serve", "aiohttp", str(port)]),
        Candidate("aiohttp + uvloop", "aiohttp",
                  lambda python, config, port: [python, script, "_serve", "aiohttp-uvloop", str(port)]),
        Candidate("granian RSGI, 1 worker, uvloop", "granian",
                  lambda python, config, port: [python, "-m", "granian", "--interface", "rsgi", "--factory", "--working-dir", str(HERE),
                                                "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--http", "1", "--no-ws",
                                                "--loop", "uvloop", "--log-level", "warning", "gateway_http:rsgi_app"]),
        Candidate("bare asyncio + httptools + uvloop", "httptools",
                  lambda python, config, port: [python, script, "_serve", "bare", str(port)]),
    ]


# ---------------------------------------------------------------- processes, /proc, venv

def proc_stats():
    """{pid: (ppid, cpu ticks, rss pages)} of every process."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path("/proc", entry, "stat").read_text()
            except OSError:
                continue
            fields = text[text.rfind(")") + 2:].split()
            stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21]))
    return stats


def tree_usage(pid, stats=None):
    """(CPU seconds, RSS bytes) of a process and its descendants, now."""
    stats = stats if stats is not None else proc_stats()
    children = {}
    for child, (parent, _cpu, _rss) in stats.items():
        children.setdefault(parent, []).append(child)
    cpu = rss = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        if current in stats:
            cpu += stats[current][1]
            rss += stats[current][2]
        pending.extend(children.get(current, ()))
    return cpu / TICK, rss * PAGE


def container_pid(name):
    return int(docker("inspect", "-f", "{{.State.Pid}}", name).stdout.strip())


def ensure_venv():
    """The servers' venv: the services' requirements.txt and the candidates, installed when they changed."""
    wanted = (SERVICES / "requirements.txt").read_text() + "\n".join(CANDIDATE_PINS)
    stamp = VENV / "eda-bench-requirements.txt"
    python = VENV / "bin" / "python"
    if stamp.exists() and stamp.read_text() == wanted and python.exists():
        return str(python)
    print(f"installing the servers' venv {VENV}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, timeout=300)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps", "--only-binary=:all:"]
    subprocess.run(pip + ["-r", str(SERVICES / "requirements.txt")] + CANDIDATE_PINS, check=True, timeout=900)
    stamp.write_text(wanted)
    return str(python)


class Replica(object):
    """One server process (a session of its own, so its workers stop with it), its log in WORK."""

    def __init__(self, candidate, python, settings, work, name):
        from benchmarks._bench import wait_ready
        self.port = settings["listen"]["port"]
        self.config = work / f"{name}.json"
        self.config.write_text(json.dumps(settings))
        self.log = work / f"{name}.log"
        env = dict(os.environ, PYTHONPATH=str(SERVICES), **{CONFIG_VAR: str(self.config)})
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(candidate.command(python, str(self.config), self.port), cwd=str(SERVICES), env=env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_ready(f"http://127.0.0.1:{self.port}/ready", self.process)
        except SystemExit:
            self.stop()
            raise SystemExit(f"{candidate.name} on port {self.port} did not become ready:\n{self.log.read_text(errors='replace')[-3000:]}")

    def usage(self, stats=None):
        return tree_usage(self.process.pid, stats)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


# ---------------------------------------------------------------- load

def event(size):
    """One JSON event whose compact form (what the gateway writes to Kafka) is exactly SIZE bytes."""
    document = {"type": "bench.order.created", "source": "gateway_http", "id": "0" * 12, "data": ""}
    pad = size - len(json.dumps(document, separators=(",", ":")))
    document["data"] = os.urandom(pad).hex()[:pad]
    return document


def write_bodies(work, document):
    bodies = {}
    for mode, count in (("single", 1), ("batch", BATCH)):
        bodies[mode] = work / f"{mode}.json"
        bodies[mode].write_text(json.dumps({"records": [{"value": document}] * count}))
    return bodies


def wrk(work, url, targets, body, duration, connections, threads=2):
    """One wrk run: its JSON result plus its own CPU seconds (from its rusage)."""
    result = work / "wrk-result.json"
    if result.exists():
        result.unlink()
    env = dict(os.environ, BENCH_BODY=str(body), BENCH_TOKEN=API_KEY, BENCH_TARGETS=",".join(targets), BENCH_RESULT=str(result),
               BENCH_CONTENT_TYPE=CONTENT_TYPE)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
                          "-s", str(work / "bench.lua"), url], env=env, capture_output=True, text=True, timeout=duration + 120, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0 or not result.exists():
        raise SystemExit(f"wrk failed (rc {run.returncode}): {run.stderr or run.stdout}")
    data = json.loads(result.read_text())
    data["wrk_cpu"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return data


def measure(work, url, targets, body, records_per_request, duration, connections, replicas, extra_pids):
    """wrk's figures with the CPU seconds of the replicas and of the other processes (Traefik, the broker)."""
    stats = proc_stats()
    cpu_before = [replica.usage(stats)[0] for replica in replicas]
    extra_before = dict((name, tree_usage(pid, stats)[0]) for name, pid in extra_pids.items())
    data = wrk(work, url, targets, body, duration, connections)
    stats = proc_stats()
    usage = [replica.usage(stats) for replica in replicas]
    seconds = data["duration_us"] / 1e6
    ok = data["requests"] - data["not_200"]
    data.update(seconds=seconds, requests_s=data["requests"] / seconds, records_s=ok * records_per_request / seconds,
                events=ok * records_per_request, replica_cpu=sum(cpu for cpu, _rss in usage) - sum(cpu_before),
                rss=[rss for _cpu, rss in usage],
                extra_cpu=dict((name, tree_usage(pid, stats)[0] - extra_before[name]) for name, pid in extra_pids.items()))
    data["errors"] = data["connect"] + data["read"] + data["write"] + data["timeout"]
    return data


def produced_requests(port):
    """The gateway's count of produce requests answered, from its /metrics."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("eda_gateway_http_requests_total{"))


def through_traefik_ready(port, replica_ports, body, topic, timeout=60):
    """Until Traefik sends requests to both replicas again (its health check runs every HEALTH_INTERVAL_S)."""
    deadline = time.monotonic() + timeout
    while True:
        before = [produced_requests(replica) for replica in replica_ports]
        for number in range(6):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/topics/{topic}", data=body, method="POST",
                                             headers={"Content-Type": CONTENT_TYPE, "Authorization": f"Bearer {API_KEY}"})
            try:
                urllib.request.urlopen(request, timeout=10).read()
            except OSError:
                pass
        if all(produced_requests(replica) > count for replica, count in zip(replica_ports, before)):
            return
        if time.monotonic() > deadline:
            raise SystemExit("Traefik did not route to both gateway replicas")
        time.sleep(1)


# ---------------------------------------------------------------- Traefik

def start_traefik(image, work, port, ping_port, replica_ports):
    """Traefik on the host network: the traefik role's static settings (no access log) and its gateway
    router (PathPrefix(`/topics`), retry 2) and weighted round robin service with active and passive checks."""
    config = work / "traefik"
    (config / "dynamic").mkdir(parents=True)
    (config / "traefik.yml").write_text(f"""global:
  checkNewVersion: false
  sendAnonymousUsage: false
log:
  level: ERROR
entryPoints:
  gateway:
    address: "127.0.0.1:{port}"
  metrics:
    address: "127.0.0.1:{ping_port}"
ping:
  entryPoint: metrics
providers:
  file:
    directory: /etc/traefik/dynamic
    watch: true
""")
    servers = "".join(f'          - url: "http://127.0.0.1:{replica}"\n' for replica in replica_ports)
    (config / "dynamic" / "gateway.yml").write_text(f"""http:
  routers:
    event-gateway:
      entryPoints: [gateway]
      rule: "PathPrefix(`/topics`)"
      service: event-gateway
      middlewares: [event-gateway-retry]
  middlewares:
    event-gateway-retry:
      retry:
        attempts: 2
        initialInterval: 50ms
  services:
    event-gateway:
      loadBalancer:
        strategy: wrr
        healthCheck:
          path: /ready
          interval: {HEALTH_INTERVAL_S}s
          timeout: 2s
        passiveHealthCheck:
          maxFailedAttempts: 3
          failureWindow: 10s
        servers:
{servers}""")
    for path in [config, config / "dynamic"] + list(config.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    docker("run", "-d", "--name", TRAEFIK, "--network", "host", "-v", f"{config}:/etc/traefik:ro", image,
           "traefik", "--configFile=/etc/traefik/traefik.yml")
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{ping_port}/ping", timeout=5).status == 200:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("Traefik did not start:\n" + docker("logs", "--tail", "30", TRAEFIK, check=False).stderr) from None
            time.sleep(0.5)


# ---------------------------------------------------------------- the run

def settings_for(port, topic):
    sys.path.insert(0, str(SERVICES))
    from eda_gateway.auth import hash_secret
    return {"listen": {"host": "127.0.0.1", "port": port}, "kafka": {"bootstrap_servers": [BOOTSTRAP]},
            "sources": [{"name": "bench", "api_key_hashes": [hash_secret(API_KEY, iterations=1000)], "topics": [topic]}]}


def mib(value):
    return value / 1048576


def per_event(seconds, data):
    """CPU microseconds per event, which is also milliseconds per 1,000 events."""
    return 1e6 * seconds / data["events"] if data["events"] else float("nan")


def codes_of(data):
    return f" (not 200: {data['not_200_by_code']}, the first: {data['first_not_200']!r})" if data["not_200"] else ""


def row(label, data):
    extra = " ".join(f"{name} {per_event(seconds, data):.0f}" for name, seconds in data["extra_cpu"].items())
    print(f"  {label:<44} {data['requests_s']:>8.0f} {data['records_s']:>8.0f} {data['p50_us'] / 1000:>7.1f} {data['p99_us'] / 1000:>7.1f} "
          f"{data['not_200']:>5} {data['errors']:>4} {per_event(data['replica_cpu'], data):>9.0f} {per_event(data['wrk_cpu'], data):>6.0f} "
          f"{' / '.join(f'{mib(rss):.0f}' for rss in data['rss']):>9}  {extra}{codes_of(data)}", flush=True)


HEADER = (f"  {'variant':<44} {'req/s':>8} {'rec/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'!200':>5} {'err':>4} {'cpu us/ev':>9} "
          f"{'wrk us':>6} {'RSS MiB':>9}  other CPU us/event")


def native_rate(python, topic, messages, payload_file):
    run = subprocess.run([python, str(Path(__file__).resolve()), "_native", topic, str(messages), str(payload_file)],
                         capture_output=True, text=True, timeout=900, check=False)
    if run.returncode != 0:
        raise SystemExit(f"the native producer failed: {run.stderr}")
    return float(run.stdout.strip().splitlines()[-1])


def soak(work, seconds, url, body, connections, replicas):
    """Batched load through Traefik for SECONDS, RSS of each replica every SOAK_SAMPLE_S."""
    result = work / "wrk-soak.json"
    env = dict(os.environ, BENCH_BODY=str(body), BENCH_TOKEN=API_KEY, BENCH_TARGETS="", BENCH_RESULT=str(result),
               BENCH_CONTENT_TYPE=CONTENT_TYPE)
    samples = []
    cpu_before = sum(replica.usage()[0] for replica in replicas)
    started = time.monotonic()
    load = subprocess.Popen(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(work / "bench.lua"), url],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while load.poll() is None and time.monotonic() - started < seconds + 60:
            time.sleep(SOAK_SAMPLE_S)
            if load.poll() is None:
                samples.append((time.monotonic() - started, [replica.usage()[1] for replica in replicas]))
                print(f"    {samples[-1][0]:5.0f} s  RSS " + " / ".join(f"{mib(rss):.1f}" for rss in samples[-1][1]) + " MiB", flush=True)
        load.wait(60)
    finally:
        if load.poll() is None:
            load.kill()
            load.wait()
    cpu = sum(replica.usage()[0] for replica in replicas) - cpu_before
    data = json.loads(result.read_text())
    ok = data["requests"] - data["not_200"]
    print(f"  soak: {ok * BATCH / (data['duration_us'] / 1e6):.0f} records/s through Traefik for {data['duration_us'] / 1e6:.0f} s, "
          f"p50 {data['p50_us'] / 1000:.1f} ms, p99 {data['p99_us'] / 1000:.1f} ms, not 200: {data['not_200']}{codes_of(data)}, "
          f"replicas' CPU {1e6 * cpu / max(1, ok * BATCH):.0f} us/event")
    if data["not_200"]:
        print("  Traefik's log (errors):\n" + docker("logs", "--tail", "15", TRAEFIK, check=False).stderr[-3000:])
    warm = [sample for sample in samples if sample[0] >= SOAK_WARMUP_S] or samples
    flat = True
    for index in range(len(replicas)):
        series = [sample[1][index] for sample in warm]
        first, last, peak = series[0], series[-1], max(series)
        replica_flat = last <= first * (1 + FLAT_MARGIN)
        flat = flat and replica_flat
        print(f"  replica {index + 1} RSS after {warm[0][0]:.0f} s: first {mib(first):.1f}, last {mib(last):.1f}, max {mib(peak):.1f} MiB "
              f"({100 * (last - first) / first:+.1f}%): {'flat' if replica_flat else 'NOT flat'}")
    return flat


def run(arguments, work):
    from benchmarks._bench import new_topic
    from tests import versions
    from tests.containers import remove_benchmark_broker, start_benchmark_broker
    python = ensure_venv()
    versions_of = subprocess.run([python, "-c", "import importlib.metadata as m, json; print(json.dumps({n: m.version(n) for n in "
                                  "('aiohttp', 'uvicorn', 'granian', 'httptools', 'uvloop', 'confluent-kafka')}))"],
                                 capture_output=True, text=True, check=True, timeout=60)
    library = json.loads(versions_of.stdout)
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split(" [")[0]
    document = event(EVENT_BYTES)
    payload = json.dumps(document, separators=(",", ":")).encode()
    assert len(payload) == EVENT_BYTES
    (work / "payload").write_bytes(payload)
    bodies = write_bodies(work, document)
    (work / "bench.lua").write_text(WRK_SCRIPT)
    remove_benchmark_broker(NETWORK)
    docker("rm", "-f", TRAEFIK, check=False)
    results = {}
    natives = []
    replicas = []
    try:
        start_benchmark_broker(NETWORK, SUBNET, ADDRESS, versions.KAFKA_IMAGE)
        topic = new_topic(BROKER, BOOTSTRAP, PARTITIONS, prefix="gwhttp")
        # Picked once and distinct: Traefik binds its two first and health-checks the gateway's
        # all along, so no other candidate may get one of those.
        ports = free_ports(6)
        gateway_ports, other_ports, traefik_port, ping_port = ports[:2], ports[2:4], ports[4], ports[5]
        start_traefik(versions.TRAEFIK_IMAGE, work, traefik_port, ping_port, gateway_ports)
        extra = {"traefik": container_pid(TRAEFIK), "broker": container_pid(BROKER)}
        print(f"{wrk_version}, {arguments.duration} s per run, wrk -t2, {arguments.connections} connections (single), "
              f"{arguments.batch_connections} (batches of {BATCH}); events of {EVENT_BYTES} bytes (JSON), acks=all, idempotent, "
              f"linger.ms=5, topic of {PARTITIONS} partitions, one broker ({versions.KAFKA_IMAGE}), {versions.TRAEFIK_IMAGE}")
        print("cpu us/ev: CPU microseconds of both replicas per event (= ms per 1,000 events); wrk us: wrk's; RSS: each replica's after the run; "
              "!200: answers other than 200; err: wrk's socket errors and timeouts")
        connections = {"single": arguments.connections, "batch": arguments.batch_connections}
        per_request = {"single": 1, "batch": BATCH}
        for number in range(arguments.rounds):
            print(f"round {number + 1}\n{HEADER}", flush=True)
            for candidate in candidates():
                ports = gateway_ports if candidate.gateway else other_ports
                replicas = [Replica(candidate, python, settings_for(port, topic), work, f"{candidate.library}-{port}") for port in ports]
                targets = [f"127.0.0.1:{port}" for port in ports]
                url = f"http://127.0.0.1:{ports[0]}/topics/{topic}"
                variants = [(candidate.name, url, targets)]
                if candidate.gateway:
                    through_traefik_ready(traefik_port, gateway_ports, bodies["single"].read_bytes(), topic)
                    variants.append((THROUGH_TRAEFIK, f"http://127.0.0.1:{traefik_port}/topics/{topic}", []))
                for mode in ("single", "batch"):
                    # Warm-up: the first requests verify the API key and fetch the topic's metadata.
                    wrk(work, url, targets, bodies[mode], 3, connections[mode])
                    for label, target_url, target_list in variants:
                        data = measure(work, target_url, target_list, bodies[mode], per_request[mode], arguments.duration,
                                       connections[mode], replicas, extra)
                        results.setdefault((label, mode), []).append(data)
                        row(f"{label}, {mode}", data)
                for replica in replicas:
                    replica.stop()
                replicas = []
            natives.append(native_rate(python, topic, arguments.native_messages, work / "payload"))
            print(f"  native producer (confluent-kafka {library['confluent-kafka']}, bare): {natives[-1]:.0f} records/s", flush=True)
        if results:
            summary(results, natives, library, arguments)
        if arguments.soak:
            print(f"soak: {arguments.soak} s of batches through Traefik, RSS every {SOAK_SAMPLE_S} s", flush=True)
            replicas = [Replica(candidates()[0], python, settings_for(port, topic), work, f"soak-{port}") for port in gateway_ports]
            through_traefik_ready(traefik_port, gateway_ports, bodies["single"].read_bytes(), topic)
            soak(work, arguments.soak, f"http://127.0.0.1:{traefik_port}/topics/{topic}", bodies["batch"], arguments.batch_connections, replicas)
    finally:
        for replica in replicas:
            replica.stop()
        docker("rm", "-f", TRAEFIK, check=False)
        remove_benchmark_broker(NETWORK)


def median(results, key, field):
    values = [data[field] for data in results[key]]
    return statistics.median(values)


def summary(results, natives, library, arguments):
    gateway, traefik = GATEWAY, THROUGH_TRAEFIK
    native = statistics.median(natives)
    print(f"summary (medians of {arguments.rounds} round(s))")
    for mode in ("single", "batch"):
        straight, through = median(results, (gateway, mode), "requests_s"), median(results, (traefik, mode), "requests_s")
        print(f"  {mode}: through Traefik / straight = {through / straight:.2f} ({through:.0f} / {straight:.0f} requests/s)")
    single, batch = median(results, (traefik, "single"), "records_s"), median(results, (traefik, "batch"), "records_s")
    print(f"  through Traefik: batches / single records = {batch / single:.1f}x records/s ({batch:.0f} / {single:.0f})")
    print(f"  gateway batched through Traefik / native producer = {batch / native:.2f} ({batch:.0f} / {native:.0f} records/s)")
    for mode in ("single", "batch"):
        base = median(results, (gateway, mode), "records_s")
        line = ", ".join(f"{candidate.name} {median(results, (candidate.name, mode), 'records_s') / base:.2f}"
                         for candidate in candidates()[1:])
        print(f"  {mode}, vs the gateway on uvicorn {library['uvicorn']} (records/s): {line}")
    print(f"  versions: aiohttp {library['aiohttp']}, granian {library['granian']}, httptools {library['httptools']}, uvloop {library['uvloop']}")
    not_ok = sum(data["not_200"] + data["errors"] for values in results.values() for data in values)
    print(f"  answers other than 200 and socket errors, all runs: {not_ok}")
    aims = [
        ("through Traefik >= 90% of straight (single)", median(results, (traefik, "single"), "requests_s")
         / median(results, (gateway, "single"), "requests_s") >= 0.9),
        ("through Traefik >= 90% of straight (batch)", median(results, (traefik, "batch"), "requests_s")
         / median(results, (gateway, "batch"), "requests_s") >= 0.9),
        ("single records >= 3,500 requests/s (through Traefik)", single >= 3500),
        ("batches >= 45,000 records/s (through Traefik)", batch >= 45000),
        ("batched >= half the native producer", batch >= native / 2),
    ]
    for name, met in aims:
        print(f"  aim {name}: {'met' if met else 'MISSED'}")


def internal(argv):
    """The commands the run starts in the servers' venv."""
    if argv[0] == "_serve":
        if argv[1] == "bare":
            serve_bare("127.0.0.1", int(argv[2]))
        else:
            serve_aiohttp("127.0.0.1", int(argv[2]), uvloop_loop=argv[1] == "aiohttp-uvloop")
    elif argv[0] == "_native":
        from benchmarks._bench import confluent_rate
        print(confluent_rate(BOOTSTRAP, argv[1], int(argv[2]), Path(argv[3]).read_bytes()))
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        return internal(sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20, help="seconds of each measured wrk run")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections for single records")
    parser.add_argument("--batch-connections", type=int, default=16, help="wrk connections for batches of 100")
    parser.add_argument("--native-messages", type=int, default=500000, help="records of the native producer's run")
    parser.add_argument("--rounds", type=int, default=1, help="runs of every variant, interleaved; the summary takes medians (0: the soak only)")
    parser.add_argument("--soak", type=int, default=0, help="seconds of batched load through Traefik at the end, RSS sampled (issue: 300)")
    arguments = parser.parse_args()
    if not subprocess.run(["sh", "-c", "command -v wrk"], capture_output=True, check=False).stdout:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory(prefix="eda-bench-http-") as work:
        os.chmod(work, 0o755)
        run(arguments, Path(work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
