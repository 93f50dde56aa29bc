# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: verify_summary
short_description: One readable line from a kafka_verify result
version_added: 0.1.0
description:
  - Turns the registered result of M(eda.platform.kafka_verify) into one line with the counts,
    the throughput and the latency percentiles, for summaries such as the one of C(playbooks/verify.yml).
author:
  - eda.platform developers (@eda-platform)
options:
  _input:
    description: A registered M(eda.platform.kafka_verify) result.
    type: dict
    required: true
  label:
    description: What the line is about, for example V(direct) or V(traefik).
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Print one line per verification path
  ansible.builtin.debug:
    msg: "{{ verify_direct | eda.platform.verify_summary('direct') }}"
'''

RETURN = r'''
_value:
  description: The line with the counts, throughput and latency percentiles of one path.
  type: str
  sample: "direct: 1000/1000 read back intact, 2361.8 msg/s (2.306 MiB/s), latency p50 12.0 p95 20.1 p99 31.5 max 40.2 ms"
'''


def verify_summary(result, label):
    messages = result.get('messages') or {}
    throughput = result.get('throughput') or {}
    latency = result.get('latency_ms') or {}
    return '%s: %s/%s read back intact, %s msg/s (%s MiB/s), latency p50 %s p95 %s p99 %s max %s ms' % (
        label, messages.get('consumed'), messages.get('requested'),
        throughput.get('messages_per_second'), throughput.get('mib_per_second'),
        latency.get('p50'), latency.get('p95'), latency.get('p99'), latency.get('max'))


class FilterModule(object):

    def filters(self):
        return {'verify_summary': verify_summary}
