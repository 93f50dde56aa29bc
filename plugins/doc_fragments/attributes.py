# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # What each attribute means. Every module extends this one and then says how far it
    # supports each attribute (support, details) in its own attributes block or with INFO_MODULE.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Runs in check mode and then reports what it would change, without changing anything.
  diff_mode:
    description: In diff mode, returns the state before and after what it changed (or would change in check mode).
  idempotent:
    description:
      - A second run with the same options (outside check mode) reports no change,
        provided nothing else changed the cluster in between.
'''

    # Together with DOCUMENTATION, for the modules that only read the cluster.
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details:
      - The module only reads; it runs the same in check mode.
  diff_mode:
    support: N/A
    details:
      - Nothing changes, so there is nothing to show.
  idempotent:
    support: full
    details:
      - The module only reads.
'''
