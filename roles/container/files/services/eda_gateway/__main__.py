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
import logging
import signal
import sys

from aiohttp import web

from eda_common.config import path_from
from eda_gateway import auth, config
from eda_gateway.app import Gateway

SHUTDOWN_SECONDS = 30
LOG = logging.getLogger('eda_gateway')


async def run(gateway, listen):
    runner = web.AppRunner(gateway.application(), access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    try:
        await web.TCPSite(runner, listen['host'], listen['port']).start()
        LOG.info('listening on http://%s:%d', listen['host'], listen['port'])
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        await stopping.wait()
        # Closing the listener at once races the load balancer: a request it sends on a kept-alive
        # connection as the connection closes fails, and cannot be retried once written.
        gateway.draining = True
        LOG.info('stopping: /ready fails for %ss before the listener closes', listen['drain_s'])
        await asyncio.sleep(listen['drain_s'])
    finally:
        await runner.cleanup()
    return 0


def serve(arguments):
    settings = config.load(path_from(arguments.config, config.ENV_VAR))
    return asyncio.run(run(Gateway(settings), settings['listen']))


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
