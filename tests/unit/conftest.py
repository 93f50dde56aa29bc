# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
import sys

from tests import collection_root

collection_root.importable()
# The services are plain packages in their image's build context.
sys.path.insert(0, str(collection_root.SERVICES))


def pytest_configure(config):
    # kafka-python 3.0 loads its protocol schemas with deprecated importlib.resources calls.
    config.addinivalue_line('filterwarnings', 'ignore::DeprecationWarning:kafka.protocol.schemas.load_json')
    config.addinivalue_line('filterwarnings', 'ignore::DeprecationWarning:importlib.resources._legacy')
