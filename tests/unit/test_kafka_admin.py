# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""How kafka_admin reads the broker's answers to validate_only topic creation."""

import pytest

from ansible_collections.eda.platform.plugins.module_utils import kafka_admin as ka


class CreateTopicsAnswer:
    """Stands for the admin client: answers create_topics with the given error code per topic."""

    def __init__(self, codes):
        self.codes = codes

    def create_topics(self, request, timeout_ms, validate_only, raise_errors):
        return dict(topics=[dict(name=name, error_code=code, error_message=None) for name, code in self.codes.items()])


def test_validating_the_creation_of_an_existing_topic_means_the_metadata_was_stale():
    with pytest.raises(ka.StaleMetadata) as raised:
        ka._create_topics(CreateTopicsAnswer({'a': 0, 'c': ka.TOPIC_ALREADY_EXISTS, 'b': ka.TOPIC_ALREADY_EXISTS}), [], True, 1000)
    assert raised.value.names == ['b', 'c']


def test_validation_errors_other_than_existence_are_reported():
    assert ka._create_topics(CreateTopicsAnswer({'a': 0, 'b': 37}), [], True, 1000) == [('b', 'error code 37')]


def test_a_real_creation_reports_an_existing_topic_as_an_error():
    assert ka._create_topics(CreateTopicsAnswer({'b': ka.TOPIC_ALREADY_EXISTS}), [], False, 1000) == [('b', 'error code 36')]
