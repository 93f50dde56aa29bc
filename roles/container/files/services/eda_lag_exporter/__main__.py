# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""python -m eda_lag_exporter [--config PATH]   (or EDA_LAG_EXPORTER_CONFIG=PATH)

Reads Kafka every interval_s and serves the last reading on /metrics (any path answers with the
metrics, so a health check can use the same URL). SIGTERM or SIGINT: exits 0.
"""

import argparse
import logging
import signal
import sys
import threading

import prometheus_client
from prometheus_client import CollectorRegistry

from eda_common.config import path_from
from eda_lag_exporter import config
from eda_lag_exporter.exporter import Exporter


def serve(arguments):
    settings = config.load(path_from(arguments.config, config.ENV_VAR))
    exporter = Exporter(settings)
    registry = CollectorRegistry()
    registry.register(exporter.collector)
    listen = settings['listen']
    prometheus_client.start_http_server(listen['port'], addr=listen['host'], registry=registry)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    logging.getLogger('eda_lag_exporter').info('serving on %s:%d, reading Kafka every %ss', listen['host'], listen['port'], settings['interval_s'])
    exporter.run(stopped)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog='eda_lag_exporter', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', help='configuration file (YAML or .json); default: $%s' % config.ENV_VAR)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    # kafka-python logs every connection and metadata refresh at INFO: a line a second at a short interval.
    logging.getLogger('kafka').setLevel(logging.WARNING)
    try:
        return serve(arguments)
    except config.ConfigError as exc:
        raise SystemExit('eda_lag_exporter: bad configuration: %s' % exc) from None


if __name__ == '__main__':
    sys.exit(main())
