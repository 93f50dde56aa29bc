# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""python -m eda_worker [--config PATH]   (or EDA_WORKER_CONFIG=PATH)

One process is one member of the consumer group. SIGTERM or SIGINT: the event being handled is
finished, every output is flushed, finished offsets are committed and the worker leaves the
group, then the process exits 0. Exit 1: a failure that needs a restart (Kafka did not acknowledge
an output record); nothing unfinished was committed, so the restart handles it again.
"""

import argparse
import logging
import signal
import sys

from eda_common.config import path_from
from eda_worker import config, handlers, metrics
from eda_worker.worker import Worker


def serve(arguments):
    settings = config.load(path_from(arguments.config, config.ENV_VAR))
    worker = Worker(settings)
    listen = settings['metrics']
    metrics.serve(listen['host'], listen['port'], worker.metrics, worker.health)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    return worker.run()


def main(argv=None):
    parser = argparse.ArgumentParser(prog='eda_worker', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', help='configuration file (YAML or .json); default: $%s' % config.ENV_VAR)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    try:
        return serve(arguments)
    except (config.ConfigError, handlers.HandlerError) as exc:
        raise SystemExit('eda_worker: bad configuration: %s' % exc) from None


if __name__ == '__main__':
    sys.exit(main())
