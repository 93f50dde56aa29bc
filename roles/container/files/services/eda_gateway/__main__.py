# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""python -m eda_gateway [--config PATH]   (or EDA_GATEWAY_CONFIG=PATH)
python -m eda_gateway hash-secret [--iterations N] < secret   (prints the hash for the config file)

SIGTERM or SIGINT: /ready fails for listen.drain_s seconds while requests are still served (a
load balancer's health check takes the replica out of its rotation meanwhile); then the listener
closes, requests in flight get their answers, the producer is flushed, and the process exits.
"""

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

import uvicorn
import uvloop

from eda_common.config import path_from
from eda_gateway import auth, config
from eda_gateway.app import Gateway

SHUTDOWN_SECONDS = 30
# Longer than Traefik keeps an idle connection to a server (90 s): the proxy, not the replica,
# closes idle connections, so that it never sends a request on one the replica is closing.
KEEP_ALIVE_SECONDS = 120
LOG = logging.getLogger('eda_gateway')


class Server(uvicorn.Server):
    """uvicorn's server, stopped by run(): a signal starts the drain, not the shutdown."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


def server_of(gateway, listen):
    """uvicorn with httptools' parser and uvloop (benchmarks/gateway_http.py measured the candidates)."""
    return Server(uvicorn.Config(gateway, host=listen['host'], port=listen['port'], loop='none', http='httptools', ws='none',
                                 lifespan='off', access_log=False, log_config=None, server_header=False,
                                 timeout_keep_alive=KEEP_ALIVE_SECONDS, timeout_graceful_shutdown=SHUTDOWN_SECONDS))


async def serve_until_signal(server, gateway, drain_s):
    """Serve until SIGTERM or SIGINT, then drain: a load balancer meanwhile stops sending requests."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    serving = asyncio.ensure_future(server.serve())
    waiting = asyncio.ensure_future(stopping.wait())
    await asyncio.wait([serving, waiting], return_when=asyncio.FIRST_COMPLETED)
    if serving.done():
        # The server ended by itself (its port taken, say): its error, not a drain.
        waiting.cancel()
        return serving.result()
    # Closing the listener at once races the load balancer: a request it sends on a kept-alive
    # connection as the connection closes fails, and cannot be retried once written.
    gateway.draining = True
    LOG.info('stopping: /ready fails for %ss before the listener closes', drain_s)
    await asyncio.sleep(drain_s)
    server.should_exit = True
    return await serving


async def run(gateway, listen):
    await gateway.producer.start()
    try:
        server = server_of(gateway, listen)
        await serve_until_signal(server, gateway, listen['drain_s'])
    finally:
        await gateway.producer.close(gateway.config['kafka']['delivery_timeout_ms'] / 1000.0)
    return 0 if server.started else 1


def serve(arguments):
    settings = config.load(path_from(arguments.config, config.ENV_VAR))
    return uvloop.run(run(Gateway(settings), settings['listen']))


def hash_secret(arguments):
    secret = sys.stdin.readline().rstrip('\n')
    if not secret:
        raise SystemExit('no secret on standard input')
    print(auth.hash_secret(secret, iterations=arguments.iterations))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog='eda_gateway', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', help='configuration file (YAML or .json); default: $%s' % config.ENV_VAR)
    commands = parser.add_subparsers(dest='command')
    hashing = commands.add_parser('hash-secret', help='hash an API key or password read from standard input')
    hashing.add_argument('--iterations', type=int, default=auth.ITERATIONS)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    if arguments.command == 'hash-secret':
        return hash_secret(arguments)
    try:
        return serve(arguments)
    except config.ConfigError as exc:
        raise SystemExit('eda_gateway: bad configuration: %s' % exc) from None


if __name__ == '__main__':
    sys.exit(main())
