# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Real Kafka brokers for the integration tests and the benchmark, from the lab's images.

KRaft clusters of 1 or 3 combined broker+controller nodes on a user-defined network; each
broker publishes a PLAINTEXT listener, a SASL_PLAINTEXT (SCRAM) listener and a SASL_SSL one
(SCRAM over TLS, a certificate of the run's own CA for 127.0.0.1) on 127.0.0.1 only.
The StandardAuthorizer enforces ACLs for the SCRAM users; PLAINTEXT clients and the SCRAM admin
are super users.
Every container and network is named edatest-<run id>-..., so a run removes exactly its own.
"""

import base64
import contextlib
import os
import shutil
import signal
import tempfile
import time
import uuid
from pathlib import Path

from kafka import KafkaAdminClient
from kafka.admin import ScramMechanism, UserScramCredentialUpsertion

from tests import versions
from tests.integration.certificates import write_ca_and_broker
from tests.containers import BROKER_HEAP as HEAP, docker, environment_options, free_ports

PREFIX = 'edatest-'
READY_SECONDS = 180
SCRAM_USER = 'edatest-admin'
JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required;'
AUTHORIZER = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer'
TLS_MOUNT = '/etc/kafka/tls'


def run_id():
    return '%s%s' % (PREFIX, uuid.uuid4().hex[:6])


def label_options(labels):
    return [item for name, value in labels.items() for item in ('--label', '%s=%s' % (name, value))]


class Container(object):
    """One broker container, driven with the docker CLI."""

    def __init__(self, name):
        self.name = name

    @property
    def status(self):
        return docker('inspect', '--format', '{{.State.Status}}', self.name).stdout.strip()

    def stop(self, timeout=10):
        docker('stop', '--time', str(timeout), self.name)

    def start(self):
        docker('start', self.name)

    def logs(self, tail):
        result = docker('logs', '--tail', str(tail), self.name, check=False)
        return result.stdout + result.stderr

    def exec(self, command):
        result = docker('exec', self.name, *command, check=False)
        return result.returncode, result.stdout + result.stderr


class Cluster(object):
    """A running cluster: bootstrap addresses, SCRAM credentials and the containers."""

    def __init__(self, name, image, size, network, labels, tls_dir):
        self.labels = labels
        self.tls_dir = tls_dir
        self.is_ready = False
        self.name = name
        self.image = image
        self.size = size
        self.network = network
        self.containers = []
        self.ports = []
        self.sasl_ports = []
        self.tls_ports = []
        self.scram_password = uuid.uuid4().hex

    @property
    def bootstrap(self):
        return ['127.0.0.1:%d' % port for port in self.ports]

    @property
    def sasl_bootstrap(self):
        return ['127.0.0.1:%d' % port for port in self.sasl_ports]

    @property
    def tls_bootstrap(self):
        return ['127.0.0.1:%d' % port for port in self.tls_ports]

    @property
    def ca_file(self):
        return str(self.tls_dir / 'ca.pem')

    def node_name(self, node_id):
        return '%s-%d' % (self.name, node_id)

    def environment(self, node_id, port, sasl_port, tls_port):
        voters = ','.join('%d@%s:9093' % (n, self.node_name(n)) for n in range(1, self.size + 1))
        replication = str(min(self.size, 3))
        return {
            'CLUSTER_ID': base64.urlsafe_b64encode(uuid.uuid5(uuid.NAMESPACE_DNS, self.name).bytes).decode()[:22],
            'KAFKA_NODE_ID': str(node_id),
            'KAFKA_PROCESS_ROLES': 'broker,controller',
            'KAFKA_CONTROLLER_QUORUM_VOTERS': voters,
            # Listener names without SSL or SASL_ in them: the image's start script would
            # otherwise ask for its own keystore and JAAS variables.
            'KAFKA_LISTENERS': 'INTERNAL://:19092,CONTROLLER://:9093,EXTERNAL://:9092,SASL://:9094,TLS://:9095',
            'KAFKA_ADVERTISED_LISTENERS': 'INTERNAL://%s:19092,EXTERNAL://127.0.0.1:%d,SASL://127.0.0.1:%d,TLS://127.0.0.1:%d'
                                          % (self.node_name(node_id), port, sasl_port, tls_port),
            'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP': 'CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,SASL:SASL_PLAINTEXT,TLS:SASL_SSL',
            'KAFKA_CONTROLLER_LISTENER_NAMES': 'CONTROLLER',
            'KAFKA_INTER_BROKER_LISTENER_NAME': 'INTERNAL',
            'KAFKA_SASL_ENABLED_MECHANISMS': 'SCRAM-SHA-256,SCRAM-SHA-512',
            'KAFKA_LISTENER_NAME_SASL_SCRAM___SHA___256_SASL_JAAS_CONFIG': JAAS,
            'KAFKA_LISTENER_NAME_SASL_SCRAM___SHA___512_SASL_JAAS_CONFIG': JAAS,
            'KAFKA_LISTENER_NAME_TLS_SCRAM___SHA___256_SASL_JAAS_CONFIG': JAAS,
            'KAFKA_LISTENER_NAME_TLS_SCRAM___SHA___512_SASL_JAAS_CONFIG': JAAS,
            'KAFKA_LISTENER_NAME_TLS_SSL_KEYSTORE_TYPE': 'PEM',
            'KAFKA_LISTENER_NAME_TLS_SSL_KEYSTORE_LOCATION': TLS_MOUNT + '/broker.pem',
            # ACLs are enforced (kafka_acl's tests); every version the tests run is KRaft, so the
            # KRaft authorizer. ANONYMOUS is the principal of the PLAINTEXT listeners (clients,
            # brokers and controllers), so everything that does not log in stays allowed.
            'KAFKA_AUTHORIZER_CLASS_NAME': AUTHORIZER,
            'KAFKA_SUPER_USERS': 'User:ANONYMOUS;User:%s' % SCRAM_USER,
            'KAFKA_LOG_DIRS': '/var/lib/kafka/data',
            'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR': replication,
            'KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS': '3',
            'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR': replication,
            'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR': '1',
            'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR': replication,
            'KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR': '1',
            'KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS': '0',
            'KAFKA_NUM_PARTITIONS': '1',
            'KAFKA_DEFAULT_REPLICATION_FACTOR': '1',
            'KAFKA_HEAP_OPTS': HEAP,
            # Fewer background threads: the test machine has two cores.
            'KAFKA_NUM_NETWORK_THREADS': '2',
            'KAFKA_NUM_IO_THREADS': '2',
            'KAFKA_LOG_CLEANER_THREADS': '1',
        }

    def start(self):
        for node_id in range(1, self.size + 1):
            port, sasl_port, tls_port = free_ports(3)
            self.ports.append(port)
            self.sasl_ports.append(sasl_port)
            self.tls_ports.append(tls_port)
            name = self.node_name(node_id)
            docker('run', '-d', '--name', name, '--hostname', name, '--network', self.network,
                   *environment_options(self.environment(node_id, port, sasl_port, tls_port)),
                   '-v', '%s:%s:ro' % (self.tls_dir, TLS_MOUNT),
                   '-p', '127.0.0.1:%d:9092' % port, '-p', '127.0.0.1:%d:9094' % sasl_port, '-p', '127.0.0.1:%d:9095' % tls_port,
                   *label_options(self.labels), self.image)
            self.containers.append(Container(name))

    def admin(self, **kwargs):
        return KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id='edatest', request_timeout_ms=30000, **kwargs)

    def wait_ready(self):
        """Until every broker is in the metadata and the SCRAM user can log in."""
        deadline = time.monotonic() + READY_SECONDS
        last_error = None
        while time.monotonic() < deadline:
            self.check_running()
            try:
                with contextlib.closing(self.admin(bootstrap_timeout_ms=5000)) as admin:
                    brokers = admin.describe_cluster()['brokers']
                    if len([b for b in brokers if not b.get('is_fenced')]) == self.size:
                        self.add_scram_user(admin)
                        self.is_ready = True
                        return
                    last_error = 'brokers up: %s' % [b['broker_id'] for b in brokers]
            except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
                last_error = repr(exc)
            time.sleep(1)
        raise RuntimeError('cluster %s not ready after %ss: %s\n%s' % (self.name, READY_SECONDS, last_error, self.logs()))

    def add_scram_user(self, admin):
        # Kafka refuses two credentials of one user in the same request.
        for mechanism in (ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512):
            upsert = UserScramCredentialUpsertion(SCRAM_USER, mechanism, self.scram_password)
            error = admin.alter_user_scram_credentials([upsert])[SCRAM_USER]
            if error:
                raise RuntimeError('SCRAM user not created: %s' % error)

    def check_running(self):
        for container in self.containers:
            if container.status == 'exited':
                raise RuntimeError('broker %s exited:\n%s' % (container.name, container.logs(tail=60)))

    def logs(self):
        return '\n'.join('--- %s\n%s' % (c.name, c.logs(tail=30)) for c in self.containers)

    def exec(self, command):
        """Run a command in the first broker (CLI tools use the INTERNAL listener)."""
        return self.containers[0].exec(command)

    def internal_bootstrap(self):
        return '%s:19092' % self.node_name(1)


class Lab(object):
    """Owns the network and the clusters of one run; remove() cleans everything it made.

    Containers carry the id of the process that made them, so remove_stale() can clean what an
    earlier run left behind when it was killed, without touching a run that is still going.
    """

    def __init__(self):
        self.name = run_id()
        self.labels = {'edatest': self.name, 'edatest.owner-pid': str(os.getpid())}
        self.network = None
        self.clusters = {}
        self.tls_dir = None

    def start(self, key, version, size):
        """Start a cluster without waiting for it (several clusters boot in parallel)."""
        if self.network is None:
            docker('network', 'create', '--driver', 'bridge', *label_options(self.labels), self.name)
            self.network = self.name
        if self.tls_dir is None:
            self.tls_dir = Path(tempfile.mkdtemp(prefix=self.name + '-tls-'))
            write_ca_and_broker(self.tls_dir, label=self.name)
        cluster = Cluster('%s-k%s-n%d' % (self.name, version.replace('.', ''), size), versions.kafka_image(version), size, self.network,
                          self.labels, self.tls_dir)
        self.clusters[key] = cluster
        cluster.start()
        return cluster

    def ready(self, key):
        cluster = self.clusters[key]
        if not cluster.is_ready:
            cluster.wait_ready()
        return cluster

    def remove(self):
        remove_containers(docker('ps', '--all', '--quiet', '--filter', 'label=edatest=%s' % self.name).stdout.split())
        if self.network is not None:
            docker('network', 'rm', self.network, check=False)
        if self.tls_dir is not None:
            shutil.rmtree(self.tls_dir, ignore_errors=True)

    def remove_stale(self):
        remove_containers(owned_by_dead_processes('ps', '--all'))
        for network in owned_by_dead_processes('network', 'ls'):
            docker('network', 'rm', network, check=False)


def owned_by_dead_processes(*listing):
    """Ids of the containers (`ps --all`) or networks (`network ls`) whose owner process is gone."""
    lines = docker(*listing, '--filter', 'label=edatest.owner-pid', '--format', '{{.ID}} {{.Label "edatest.owner-pid"}}').stdout.splitlines()
    return [line.split()[0] for line in lines if not os.path.exists('/proc/%s' % line.split()[-1])]


def remove_containers(ids):
    if ids:
        docker('rm', '--force', '--volumes', *ids, check=False)


def terminate_as_interrupt():
    """SIGTERM (CI timeouts, kill) unwinds like Ctrl-C, so fixtures and finally blocks clean up."""
    def handler(signum, frame):
        raise KeyboardInterrupt('SIGTERM')
    signal.signal(signal.SIGTERM, handler)


if __name__ == '__main__':
    # Manual use: python -m tests.integration.kafka_cluster VERSION 3  (Ctrl-C or kill removes it)
    import sys
    terminate_as_interrupt()
    LAB = Lab()
    try:
        LAB.remove_stale()
        LAB.start('manual', sys.argv[1], int(sys.argv[2]))
        CLUSTER = LAB.ready('manual')
        print('bootstrap', ','.join(CLUSTER.bootstrap), 'sasl', ','.join(CLUSTER.sasl_bootstrap), 'tls', ','.join(CLUSTER.tls_bootstrap),
              'ca', CLUSTER.ca_file, 'user', SCRAM_USER, 'password', CLUSTER.scram_password, flush=True)
        while True:
            time.sleep(60)
    finally:
        LAB.remove()
