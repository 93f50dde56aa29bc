# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""python -m eda_gateway [--config PATH]   (or EDA_GATEWAY_CONFIG=PATH)
python -m eda_gateway hash-secret [--iterations N] < secret   (prints the hash for the config file)

SIGTERM or SIGINT: the listener closes, requests in flight get their answers, the producer is
flushed, then the process exits.
"""

import argparse
import logging
import sys

from aiohttp import web

from eda_common.config import path_from
from eda_gateway import auth, config
from eda_gateway.app import Gateway

SHUTDOWN_SECONDS = 30


def serve(arguments):
    settings = config.load(path_from(arguments.config, config.ENV_VAR))
    gateway = Gateway(settings)
    listen = settings['listen']
    web.run_app(gateway.application(), host=listen['host'], port=listen['port'], shutdown_timeout=SHUTDOWN_SECONDS,
                access_log=None, print=lambda message: logging.getLogger('eda_gateway').info(message.strip()))
    return 0


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
