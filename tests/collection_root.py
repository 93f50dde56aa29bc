# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Make this checkout importable as ansible_collections.eda.platform, whatever its directory name.

A temporary directory holds ansible_collections/eda/platform -> the repository; tests put it on
sys.path (unit tests import module_utils) or in PYTHONPATH / ANSIBLE_COLLECTIONS_PATH (integration
tests run the modules the way Ansible does).
"""

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The services' source (eda_gateway, eda_worker, eda_lag_exporter, eda_common), one image's build context.
SERVICES = REPO / 'roles' / 'container' / 'files' / 'services'


def make():
    root = Path(tempfile.mkdtemp(prefix='eda-collection-'))
    atexit.register(shutil.rmtree, root, True)
    namespace = root / 'ansible_collections' / 'eda'
    namespace.mkdir(parents=True)
    (namespace / 'platform').symlink_to(REPO)
    return root


def importable():
    """Put a collection root first on sys.path; returns it."""
    root = make()
    sys.path.insert(0, str(root))
    return root
